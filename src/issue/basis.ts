/**
 * What every plan of a cadence starts from (the issue builder's and the ranking's): the papers
 * added since the cadence's last issue, in today's order (upvotes as the store knows them now,
 * else the digest's order), the main selection, and which reader had which paper already.
 */
import type { Frequency, Issue, Paper } from '../domain.js';
import type { Weekday } from '../lib/time.js';
import type { Store } from '../store/store.js';
import { TopicMatcher } from './topics.js';

/** A weekly issue holds at most the papers added in this much time before it. */
export const WEEK_MS = 7 * 24 * 3600_000;

/** Everything the builder needs besides the store. */
export interface BuildOptions {
  frequency: Frequency;
  cap: number;
  now: Date;
  /** The issue's date (YYYY-MM-DD) in the configured time zone. */
  issueDate: string;
  newsletterName: string;
  /** The day the weekly issue is due (default monday), in `timeZone`. */
  weeklyDay?: Weekday;
  /** The configured time zone (default UTC): which day it is. */
  timeZone?: string;
  /** `DELIVER_AT` (HH:MM): each reader gets the issue at this time in their zone (else `timeZone`). */
  deliverAt?: string;
}

/** Why there is no next issue. */
export type NoIssue = { reason: 'no-new-papers'; since: Issue | undefined } | { reason: 'no-subscribers' };

/** Upvotes (known ones first, highest first), then the order papers were added. */
export function rankPapers(papers: Paper[]): Paper[] {
  return [...papers].sort((a, b) => {
    const ua = a.upvotes ?? -1;
    const ub = b.upvotes ?? -1;
    return ub - ua || a.seq - b.seq;
  });
}

/** What every plan of a cadence starts from: the new papers in today's order, and who had which already. */
export interface IssueBasis {
  /** The papers added since the cadence's last issue, as the store has them now. */
  added: Paper[];
  /** The new papers in today's order (upvotes, else the digest's order), uncapped. */
  ranked: Paper[];
  /** The first `cap` of them: the issue's main selection (variant 0, the archive). */
  main: Paper[];
  /** Papers among `ranked` already delivered (or in flight) to each reader. */
  delivered: Map<number, Set<string>>;
  matcher: TopicMatcher;
  active: number;
}

/** The new papers of the next issue of a cadence and who had which, or why there is no next issue. */
export async function issueBasis(store: Store, opts: BuildOptions): Promise<IssueBasis | NoIssue> {
  const last = await store.lastIssue(opts.frequency);
  const added = await store.papersAfter(last?.paperSeqHi ?? 0);
  const since = opts.now.getTime() - WEEK_MS;
  const fresh = opts.frequency === 'weekly' ? added.filter((p) => Date.parse(p.firstSeenAt) >= since) : added;
  if (fresh.length === 0) return { reason: 'no-new-papers', since: last };
  const active = await store.countActive(opts.frequency);
  if (active === 0) return { reason: 'no-subscribers' };
  // The store's current rows: upvotes re-ingested since the papers were added count.
  const ranked = rankPapers(fresh);
  const delivered = await store.deliveredAmong(
    ranked.map((p) => p.id),
    opts.frequency,
  );
  return { added, ranked, main: ranked.slice(0, opts.cap), delivered, matcher: new TopicMatcher(ranked), active };
}

/** True when the planner found nothing to send. */
export function isNoIssue<T extends object>(x: T | NoIssue): x is NoIssue {
  return 'reason' in x;
}
