/**
 * One reader's score of each candidate: a kernel Rocchio.
 *
 *   score(p) = (1/|L|) · Σ_{l ∈ likes} k(p, l) − (β/|D|) · Σ_{d ∈ dislikes} max(0, k(p, d))      β = 0.25
 *
 * Every score is a sum of per-signal terms, so the paper's "why" is the signal whose term is
 * largest: the liked paper that adds most, else the disliked paper that takes most away. A
 * dislike only lowers papers that resemble it (the max(0, ·)): it says "not this", not "anything else".
 */
import { type Candidates, kernelRows } from './kernel.js';
import { RANKING } from './params.js';

/** Which signal placed a paper: the like that adds most, else the dislike that takes most, else none. */
export interface Why {
  kind: 'like' | 'dislike' | 'none';
  paperId?: string;
  contribution: number;
}

/** One candidate's personal score (in the candidates' order). */
export interface Scored {
  /** Index into the candidates. */
  index: number;
  score: number;
  why: Why;
}

/** A reader's signals, latest per paper already resolved. */
export interface ReaderSignals {
  likes: readonly string[];
  dislikes: readonly string[];
}

/**
 * The personal score of every candidate, in the candidates' order. Signals about papers outside
 * the corpus are ignored; a paper both liked and disliked counts as liked.
 */
export function scoreCandidates(cands: Candidates, signals: ReaderSignals): Scored[] {
  const liked = new Set(signals.likes);
  const dislikedIds = [...new Set(signals.dislikes)].filter((id) => !liked.has(id));
  kernelRows(cands, [...liked, ...dislikedIds]);
  const L = [...liked].flatMap((id) => (cands.rows.has(id) ? [[id, cands.rows.get(id)!] as const] : []));
  const D = dislikedIds.flatMap((id) => (cands.rows.has(id) ? [[id, cands.rows.get(id)!] as const] : []));
  const a = L.length ? 1 / L.length : 0;
  const b = D.length ? RANKING.dislikeWeight / D.length : 0;
  return cands.ids.map((_, c) => {
    let score = 0;
    let best: Why = { kind: 'none', contribution: 0 };
    let worst: Why = { kind: 'none', contribution: 0 };
    for (const [id, row] of L) {
      const v = a * row[c]!;
      score += v;
      if (v > best.contribution) best = { kind: 'like', paperId: id, contribution: v };
    }
    for (const [id, row] of D) {
      const v = -b * Math.max(0, row[c]!);
      score += v;
      if (v < worst.contribution) worst = { kind: 'dislike', paperId: id, contribution: v };
    }
    return { index: c, score, why: best.kind === 'like' ? best : worst };
  });
}
