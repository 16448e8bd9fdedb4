/**
 * The issue builder's personal part: every reader of the cadence who has given signals (and has
 * not asked for the trending order) gets their own order of their pool of new papers (see
 * `ranking/plan.ts`). Their pool becomes their variant, rendered once per paper like any other;
 * their order and its reasons are written to their ledger row with the issue.
 */
import type { Paper, Subscriber } from '../domain.js';
import type { Reason } from '../ranking/order.js';
import { IssueRanker, encodeOrder } from '../ranking/plan.js';
import type { Store } from '../store/store.js';
import { type BuildOptions, type IssueBasis, type NoIssue, issueBasis, isNoIssue } from './basis.js';

/**
 * Plans the personal orders of the cadence's readers with signals, assigning each their pool's
 * variant (or no delivery when nothing is new to them); the orders, encoded, by reader id.
 */
export async function planPersonalOrders(
  store: Store,
  opts: BuildOptions,
  basis: IssueBasis,
  variantOf: (papers: Paper[]) => number | null,
  assign: (subscriberId: number, variant: number | null) => void,
): Promise<Map<number, string>> {
  const personal = new Map<number, string>();
  const signalPapers = await store.signalPaperIds(opts.frequency);
  if (signalPapers.length === 0) return personal;
  const ranker = issueRanker(store, opts, basis);
  await ranker.prepare(signalPapers);
  // Readers who share topics and had none of the papers share a pool: find its variant once.
  const poolVariant = new Map<string, number | null>();
  for await (const reader of store.iterateSignalReaders(opts.frequency)) {
    if (reader.ranking === 'trending') continue; // today's order, as planned already
    const planned = await ranker.plan(reader);
    if (!planned) {
      assign(reader.id, null);
      continue;
    }
    const shared = basis.delivered.has(reader.id) ? undefined : basis.matcher.key(reader.topics);
    let variant = shared === undefined ? undefined : poolVariant.get(shared);
    if (variant === undefined) {
      variant = variantOf(planned.pool);
      if (shared !== undefined) poolVariant.set(shared, variant);
    }
    assign(reader.id, variant);
    personal.set(reader.id, encodeOrder(planned.placed));
  }
  return personal;
}

/** The ranker of an issue's candidates (the basis's new papers). */
export function issueRanker(store: Store, opts: BuildOptions, basis: IssueBasis): IssueRanker {
  return new IssueRanker(store, {
    frequency: opts.frequency,
    ranked: basis.ranked,
    cap: opts.cap,
    matcher: basis.matcher,
    delivered: basis.delivered,
    now: () => opts.now,
  });
}

/** One paper of a reader's next issue: its score (null in today's order) and why it is there. */
export interface ReaderPaper {
  paper: Paper;
  score: number | null;
  reason: Reason;
}

/**
 * One reader's next issue as it would be sent, best first (what `preview --for` shows): their
 * pool of new papers in their own order when they have signals, else in today's order, capped.
 * Changes nothing. NoIssue when the cadence has nothing new.
 */
export async function readerIssue(store: Store, opts: BuildOptions, subscriber: Subscriber): Promise<ReaderPaper[] | NoIssue> {
  const basis = await issueBasis(store, { ...opts, frequency: subscriber.frequency });
  if (isNoIssue(basis)) return basis;
  const signals = await store.signalsOf(subscriber.id);
  const reader = {
    id: subscriber.id,
    topics: subscriber.topics,
    ranking: subscriber.ranking,
    likes: signals.filter((s) => s.signal === 'more').map((s) => s.paperId),
    dislikes: signals.filter((s) => s.signal === 'less').map((s) => s.paperId),
  };
  const personal = reader.ranking !== 'trending' && signals.length > 0;
  const planned = await issueRanker(store, { ...opts, frequency: subscriber.frequency }, basis).plan(reader);
  if (!planned) return [];
  return planned.placed.map((p) => ({ paper: planned.pool[p.index]!, score: personal ? p.score : null, reason: p.reason }));
}
