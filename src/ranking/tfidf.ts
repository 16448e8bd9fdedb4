/**
 * Sparse tf-idf rows of every paper, for the two views of the model: weight (1 + ln tf) · ln(N/df),
 * each row l2-normalised. Terms found in a single paper are dropped: they cannot relate two
 * papers and would only dilute the norm.
 */
import { type RankDoc, termsOf } from './terms.js';

/** Sparse rows: `idx[d]` the sorted term columns of paper d, `val[d]` their weights. */
export interface Rows {
  idx: Uint32Array[];
  val: Float32Array[];
  nTerms: number;
}

/** Both views' rows of `papers`, in their order; the topic view keeps the `topicCap` most frequent single terms. */
export function vectorize(papers: readonly RankDoc[], topicCap: number): { lex: Rows; topic: Rows } {
  const n = papers.length;
  const terms = papers.map(termsOf);
  const df = new Map<string, number>();
  for (const t of terms) for (const term of new Set(t.lex)) df.set(term, (df.get(term) ?? 0) + 1);
  // Columns by decreasing document frequency, then by term: the same columns for the same papers.
  const byDf = [...df].filter(([, c]) => c >= 2).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  df.clear();
  const lexCol = new Map(byDf.map(([t], i) => [t, i]));
  const topicTerms = byDf.filter(([t]) => !t.includes(' ')).slice(0, topicCap);
  const topicCol = new Map(topicTerms.map(([t], i) => [t, i]));
  const lexIdf = Float64Array.from(byDf, ([, c]) => Math.log(n / c));
  const topicIdf = Float64Array.from(topicTerms, ([, c]) => Math.log(n / c));
  const lex: Rows = { idx: [], val: [], nTerms: byDf.length };
  const topic: Rows = { idx: [], val: [], nTerms: topicTerms.length };
  for (const t of terms) {
    pushRow(t.lex, lexCol, lexIdf, lex);
    pushRow(t.topic, topicCol, topicIdf, topic);
  }
  return { lex, topic };
}

function pushRow(terms: string[], col: Map<string, number>, idf: Float64Array, out: Rows): void {
  const tf = new Map<number, number>();
  for (const t of terms) {
    const i = col.get(t);
    if (i !== undefined) tf.set(i, (tf.get(i) ?? 0) + 1);
  }
  const ix = Uint32Array.from([...tf.keys()].sort((a, b) => a - b));
  const v = Float64Array.from(ix, (i) => (1 + Math.log(tf.get(i)!)) * idf[i]!);
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm) || 1;
  out.idx.push(ix);
  out.val.push(Float32Array.from(v, (x) => x / norm));
}
