/**
 * A reader's order of their issue, from their signals and their setting:
 *
 * - no signals, or the setting "trending": today's order (upvotes, else the digest's order);
 * - "personal": by the personal score alone (`score.ts`);
 * - "mix", the default once a reader has signals: the personal score scaled to [0, 1] over the
 *   candidates, plus half the paper's trending score (log upvotes scaled to [0, 1] over the
 *   candidates that have any). When no candidate has upvotes, trending says nothing and the mix
 *   is the personal order.
 *
 * Each placed paper keeps why it is there, true to the part of the score that placed it.
 */
import type { Paper } from '../domain.js';
import type { RankingMode } from '../store/signals.js';
import type { Scored, Why } from './score.js';

/** The weight of the trending score in a mix (the personal score spans [0, 1]). */
export const TREND_WEIGHT = 0.5;

/** Why a paper is where it is, as stored with the issue. */
export type Reason =
  | { kind: 'like'; paperId: string }
  | { kind: 'dislike'; paperId: string }
  | { kind: 'trending'; upvotes: number }
  | { kind: 'topic'; topic: string }
  | { kind: 'none' };

/** One placed paper: its index in the reader's pool, its score, and why. */
export interface Placed {
  index: number;
  score: number;
  reason: Reason;
}

/** What ordering needs besides the scores: the pool (today's order), the cap, the reader's topics. */
export interface OrderInput {
  pool: readonly Paper[];
  cap: number;
  mode: RankingMode | null;
  /** The personal scores of the pool's papers, in the pool's order; undefined without signals. */
  personal: readonly Scored[] | undefined;
  /** The first of the reader's topics each paper matches (topic readers), by paper id. */
  topicOf?: (paper: Paper) => string | undefined;
}

/** The reader's papers, best first, at most `cap`, each with its reason. */
export function orderPool(input: OrderInput): Placed[] {
  const { pool, cap, personal } = input;
  const mode = input.mode ?? 'mix';
  const fallback = (i: number): Reason => baseReason(pool[i]!, input.topicOf);
  if (!personal || mode === 'trending') {
    return pool.slice(0, cap).map((_, i) => ({ index: i, score: 0, reason: fallback(i) }));
  }
  const trend = trendingScores(pool);
  const hasTrend = mode === 'mix' && trend.some((t) => t > 0);
  const [lo, hi] = span(personal.map((s) => s.score));
  const scored = personal.map((s, i) => {
    const own = hi > lo ? (s.score - lo) / (hi - lo) : 0;
    const boost = hasTrend ? TREND_WEIGHT * trend[i]! : 0;
    const reason = boost > own ? fallback(i) : personalReason(s.why, () => fallback(i));
    return { index: i, score: hasTrend ? own + boost : s.score, reason };
  });
  scored.sort((a, b) => b.score - a.score || a.index - b.index);
  return scored.slice(0, cap);
}

/** Today's reason for a paper: the topic that put it in the reader's issue, else its upvotes, else none. */
export function baseReason(p: Paper, topicOf: OrderInput['topicOf']): Reason {
  const topic = topicOf?.(p);
  if (topic) return { kind: 'topic', topic };
  return p.upvotes !== undefined && p.upvotes > 0 ? { kind: 'trending', upvotes: p.upvotes } : { kind: 'none' };
}

function personalReason(why: Why, otherwise: () => Reason): Reason {
  if (why.kind === 'like' && why.paperId) return { kind: 'like', paperId: why.paperId };
  if (why.kind === 'dislike' && why.paperId) return { kind: 'dislike', paperId: why.paperId };
  return otherwise();
}

/** log(1 + upvotes) scaled to [0, 1] over the pool; 0 for papers without upvotes. */
function trendingScores(pool: readonly Paper[]): number[] {
  const max = Math.max(0, ...pool.map((p) => p.upvotes ?? 0));
  return pool.map((p) => (max > 0 && p.upvotes ? Math.log1p(p.upvotes) / Math.log1p(max) : 0));
}

function span(xs: number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of xs) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  return [lo, hi];
}

/** One short line saying why, e.g. `Like "X", which you liked`; empty when there is nothing to say. */
export function reasonLine(reason: Reason, titleOf: (paperId: string) => string | undefined): string {
  const quoted = (id: string) => `"${shortTitle(titleOf(id) ?? id)}"`;
  switch (reason.kind) {
    case 'like':
      return `Like ${quoted(reason.paperId)}, which you liked`;
    case 'dislike':
      return `Close to ${quoted(reason.paperId)}, which you marked less like this`;
    case 'trending':
      return `Trending: ${reason.upvotes} upvote${reason.upvotes === 1 ? '' : 's'}`;
    case 'topic':
      return `Matches your topic "${reason.topic}"`;
    default:
      return '';
  }
}

function shortTitle(title: string): string {
  const t = title.replace(/\s+/g, ' ').trim();
  return t.length <= 60 ? t : `${t.slice(0, 59).replace(/\s+\S*$/, '')}…`;
}
