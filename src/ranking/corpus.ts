/**
 * The corpus model: everything the ranking learns without any reader, from all stored papers
 * (the digest's papers and those readers gave from their libraries). Two views of every paper:
 *
 * - lexical: its tf-idf row, compared after subtracting the mean row μ of all papers. Centring is
 *   what arxiv-sanity's "every other paper is a negative" SVM buys: words every paper shares stop
 *   counting, and a paper that resembles everything is not favoured;
 * - topical: its LSA coordinates, compared by the cosine of the first 32, 64, 128 and 256 of them,
 *   averaged, so broad topics and narrower ones both count without choosing one rank.
 *
 * Built once per set of papers (`buildCorpus`); `serializeCorpus` keeps it in the store so that
 * `preview --for` and the planner do not rebuild it while no paper was added.
 */
import { deserialize, serialize } from 'node:v8';
import { RANKING } from './params.js';
import { lsa } from './svd.js';
import type { RankDoc } from './terms.js';
import { vectorize } from './tfidf.js';

/** The unsupervised model of all stored papers. */
export interface Corpus {
  ids: string[];
  pos: Map<string, number>;
  nTerms: number;
  /** l2-normalised lexical tf-idf rows. */
  idx: Uint32Array[];
  val: Float32Array[];
  /** The mean row μ and |μ|². */
  mu: Float64Array;
  muMu: number;
  /** m_d = <x_d, μ> and ν_d = |x_d − μ|: what a centred cosine needs of each row. */
  m: Float64Array;
  nu: Float64Array;
  /** The LSA rank and the prefixes whose cosines are averaged. */
  k: number;
  ranks: number[];
  /** LSA coordinates (n × k) and 1/|z_d[:r]| per prefix r (n × ranks). */
  z: Float32Array;
  inv: Float32Array;
}

/** Builds the corpus model of `papers` (deterministic: the same papers in the same order give the same model). */
export function buildCorpus(papers: readonly RankDoc[]): Corpus {
  const n = papers.length;
  const { lex, topic } = vectorize(papers, RANKING.maxTopicTerms);
  const mu = new Float64Array(lex.nTerms);
  for (let d = 0; d < n; d++) for (let t = 0; t < lex.idx[d]!.length; t++) mu[lex.idx[d]![t]!]! += lex.val[d]![t]! / n;
  let muMu = 0;
  for (const x of mu) muMu += x * x;
  const m = Float64Array.from(lex.idx, (ix, d) => {
    let s = 0;
    for (let t = 0; t < ix.length; t++) s += lex.val[d]![t]! * mu[ix[t]!]!;
    return s;
  });
  const nu = Float64Array.from(m, (md) => Math.sqrt(Math.max(1 - 2 * md + muMu, 1e-12)));
  const k = Math.max(0, Math.min(RANKING.ranks[RANKING.ranks.length - 1]!, n - 1, topic.nTerms));
  const ranks = [...new Set(RANKING.ranks.map((r) => Math.min(r, k)))].filter((r) => r > 0);
  const z = k ? lsa(topic, k) : new Float32Array(0);
  const inv = new Float32Array(n * ranks.length);
  for (let d = 0; d < n; d++) {
    let s = 0;
    let c = 0;
    ranks.forEach((r, i) => {
      for (; c < r; c++) s += z[d * k + c]! ** 2;
      inv[d * ranks.length + i] = s > 0 ? 1 / Math.sqrt(s) : 0;
    });
  }
  return {
    ids: papers.map((p) => p.id),
    pos: new Map(papers.map((p, i) => [p.id, i])),
    nTerms: lex.nTerms,
    idx: lex.idx,
    val: lex.val,
    mu,
    muMu,
    m,
    nu,
    k,
    ranks,
    z,
    inv,
  };
}

/** The corpus as bytes (V8's structured serialisation keeps the typed arrays as they are). */
export function serializeCorpus(c: Corpus): Buffer {
  return serialize(c);
}

/** A corpus from {@link serializeCorpus}'s bytes; undefined when they are not one. */
export function deserializeCorpus(bytes: Uint8Array): Corpus | undefined {
  try {
    const c = deserialize(bytes) as Corpus;
    return c && Array.isArray(c.ids) && c.pos instanceof Map ? c : undefined;
  } catch {
    return undefined;
  }
}
