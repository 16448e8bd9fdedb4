/**
 * The kernel k(candidate, paper) between one of an issue's new papers and any stored paper:
 *
 *   k0(a, b) = 0.7 · centred lexical cosine + 0.3 · mean topical cosine over the LSA prefixes
 *   k(c, s)  = 0.5 · k0(c, s) + 0.5 · mean over c's 10 nearest stored papers j of k0(j, s)
 *
 * The second line is "document expansion": a new paper is also judged by the company it keeps
 * in the store, which helps most when a reader has given one or two signals. Per issue, each
 * candidate is expanded once (`prepareCandidates`); then k(c, s) for every candidate and one
 * signal paper s is one pass over s's row (`kernelRows`), shared by every reader who rated s.
 */
import type { Corpus } from './corpus.js';
import { RANKING } from './params.js';

/** A candidate blended with its neighbours, in the form that makes k(candidate, s) cheap for any s. */
interface Expanded {
  idx: Uint32Array;
  val: Float64Array;
  /** Σ c_j and Σ c_j·m_j of the blend (the centring terms). */
  C: number;
  um: number;
  /** The blend's topical coordinates, one block of k per LSA prefix. */
  phi: Float64Array;
}

/** An issue's candidates, prepared against a corpus, and the kernel rows computed so far. */
export interface Candidates {
  corpus: Corpus;
  ids: string[];
  expanded: Expanded[];
  /** k(candidate c, s) for each signal paper s computed so far: Float32Array over the candidates. */
  rows: Map<string, Float32Array>;
}

/** k0 between stored paper a and every stored paper (the neighbour search), via a dense scatter of a's row. */
function k0Row(cx: Corpus, a: number, buf: Float64Array): Float64Array {
  const n = cx.ids.length;
  const R = cx.ranks.length;
  const out = new Float64Array(n);
  for (let t = 0; t < cx.idx[a]!.length; t++) buf[cx.idx[a]![t]!] = cx.val[a]![t]!;
  const lsaW = cx.k ? RANKING.topicWeight : 0;
  const lexW = 1 - lsaW;
  for (let b = 0; b < n; b++) {
    let dot = 0;
    const jb = cx.idx[b]!;
    const vb = cx.val[b]!;
    for (let t = 0; t < jb.length; t++) dot += buf[jb[t]!]! * vb[t]!;
    let top = 0;
    let s = 0;
    let c = 0;
    for (let i = 0; i < R; i++) {
      for (; c < cx.ranks[i]!; c++) s += cx.z[a * cx.k + c]! * cx.z[b * cx.k + c]!;
      top += s * cx.inv[a * R + i]! * cx.inv[b * R + i]!;
    }
    out[b] = (lexW * (dot - cx.m[a]! - cx.m[b]! + cx.muMu)) / (cx.nu[a]! * cx.nu[b]!) + lsaW * (R ? top / R : 0);
  }
  for (let t = 0; t < cx.idx[a]!.length; t++) buf[cx.idx[a]![t]!] = 0;
  return out;
}

/** The `m` stored papers most like a (by decreasing k0, ties to the lower index), a itself left out. */
function nearest(row: Float64Array, a: number, m: number): number[] {
  const nb: number[] = [];
  for (let b = 0; b < row.length && m > 0; b++) {
    if (b === a || (nb.length === m && row[b]! <= row[nb[m - 1]!]!)) continue;
    let i = nb.length < m ? nb.length : m - 1;
    while (i > 0 && row[nb[i - 1]!]! < row[b]!) {
      nb[i] = nb[i - 1]!;
      i--;
    }
    nb[i] = b;
  }
  return nb;
}

/** The weighted blend of papers `parts` ([index, weight]) as one expanded candidate. */
function blend(cx: Corpus, parts: [number, number][], buf: Float64Array, seen: Uint8Array): Expanded {
  const R = cx.ranks.length;
  // lexical: u = Σ w_j (x_j − μ)/ν_j = Σ c_j x_j − C μ, with c_j = w_j/ν_j
  let C = 0;
  let um = 0;
  const touched: number[] = [];
  for (const [d, w] of parts) {
    const c = w / cx.nu[d]!;
    C += c;
    um += c * cx.m[d]!;
    for (let t = 0; t < cx.idx[d]!.length; t++) {
      const j = cx.idx[d]![t]!;
      if (!seen[j]) {
        seen[j] = 1;
        touched.push(j);
      }
      buf[j]! += c * cx.val[d]![t]!;
    }
  }
  touched.sort((x, y) => x - y);
  const idx = Uint32Array.from(touched);
  const val = Float64Array.from(touched, (j) => buf[j]!);
  for (const j of touched) {
    buf[j] = 0;
    seen[j] = 0;
  }
  // topical: φ = Σ w_j · (z_j[:r] / |z_j[:r]|) for each prefix r, blocks laid end to end
  const phi = new Float64Array(R * cx.k);
  for (const [d, w] of parts) {
    for (let i = 0; i < R; i++) {
      const f = w * cx.inv[d * R + i]!;
      for (let c = 0; c < cx.ranks[i]!; c++) phi[i * cx.k + c]! += f * cx.z[d * cx.k + c]!;
    }
  }
  return { idx, val, C, um, phi };
}

/** Once per issue: each candidate (a paper of the corpus) blended with its nearest stored papers. */
export function prepareCandidates(corpus: Corpus, ids: readonly string[]): Candidates {
  const buf = new Float64Array(corpus.nTerms);
  const seen = new Uint8Array(corpus.nTerms);
  const { neighbours: m, smoothing: g } = RANKING;
  const expanded = ids.map((id) => {
    const a = corpus.pos.get(id);
    if (a === undefined) throw new Error(`ranking: candidate ${id} is not in the corpus`);
    const nb = m > 0 ? nearest(k0Row(corpus, a, buf), a, m) : [];
    const parts: [number, number][] = [[a, nb.length ? 1 - g : 1], ...nb.map((b): [number, number] => [b, g / nb.length])];
    return blend(corpus, parts, buf, seen);
  });
  return { corpus, ids: ids.slice(), expanded, rows: new Map() };
}

/**
 * Computes k(candidate, s) for every candidate and each stored paper s of `paperIds` not computed
 * yet (one pass over them per candidate), into `cands.rows`. Papers not in the corpus get no row.
 */
export function kernelRows(cands: Candidates, paperIds: Iterable<string>): void {
  const cx = cands.corpus;
  const R = cx.ranks.length;
  const lsaW = cx.k ? RANKING.topicWeight : 0;
  const lexW = 1 - lsaW;
  const todo = [...new Set(paperIds)].filter((id) => !cands.rows.has(id) && cx.pos.has(id));
  if (todo.length === 0) return;
  const rows = todo.map(() => new Float32Array(cands.expanded.length));
  const buf = new Float64Array(cx.nTerms);
  cands.expanded.forEach((e, c) => {
    for (let t = 0; t < e.idx.length; t++) buf[e.idx[t]!] = e.val[t]!;
    todo.forEach((id, r) => {
      const s = cx.pos.get(id)!;
      const js = cx.idx[s]!;
      const vs = cx.val[s]!;
      let dot = 0;
      for (let t = 0; t < js.length; t++) dot += buf[js[t]!]! * vs[t]!;
      let top = 0;
      for (let i = 0; i < R; i++) {
        let p = 0;
        for (let q = 0; q < cx.ranks[i]!; q++) p += e.phi[i * cx.k + q]! * cx.z[s * cx.k + q]!;
        top += p * cx.inv[s * R + i]!;
      }
      rows[r]![c] = (lexW * (dot - e.C * cx.m[s]! - e.um + e.C * cx.muMu)) / cx.nu[s]! + lsaW * (R ? top / R : 0);
    });
    for (let t = 0; t < e.idx.length; t++) buf[e.idx[t]!] = 0;
  });
  todo.forEach((id, r) => cands.rows.set(id, rows[r]!));
}
