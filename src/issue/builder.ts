/**
 * The issue builder: which papers go into the next issue of a cadence, and to whom.
 *
 * The next issue holds the papers added to the store since the previous issue of that cadence
 * (the first issue: all of them), less any paper already delivered to the subscriber, ranked
 * (upvotes when known, else digest order) and capped. Papers that miss the cap are not carried
 * over: each issue is news. Subscribers whose remaining set differs get their own variant.
 */
import type { Frequency, Issue, Paper } from '../domain.js';
import type { IssuePlan, Store } from '../store/store.js';
import { shorten } from '../../emails/_components/text.js';

/** Everything the builder needs besides the store. */
export interface BuildOptions {
  frequency: Frequency;
  cap: number;
  now: Date;
  /** The issue's date (YYYY-MM-DD) in the configured time zone. */
  issueDate: string;
  newsletterName: string;
}

/** A plan ready to write, with the papers of each variant for rendering. */
export interface PlannedIssue {
  plan: IssuePlan;
  variants: Map<number, Paper[]>;
  recipients: number;
}

/** Why there is no next issue. */
export type NoIssue =
  | { reason: 'no-new-papers'; since: Issue | undefined }
  | { reason: 'no-subscribers' };

/** Upvotes (known ones first, highest first), then the order papers were added. */
export function rankPapers(papers: Paper[]): Paper[] {
  return [...papers].sort((a, b) => {
    const ua = a.upvotes ?? -1;
    const ub = b.upvotes ?? -1;
    return ub - ua || a.seq - b.seq;
  });
}

/** "Paperboy: X-LLM: Bootstrapping… and 29 more papers". */
export function subjectFor(name: string, papers: Paper[]): string {
  const title = shorten(papers[0]?.title ?? '', 80);
  const more = papers.length - 1;
  return `${name}: ${title}${more > 0 ? ` and ${more} more paper${more === 1 ? '' : 's'}` : ''}`;
}

/**
 * Works out the next issue without writing anything (what `preview` shows and `send` writes).
 * Returns a NoIssue when there is nothing new or nobody to send to.
 */
export async function planNextIssue(store: Store, opts: BuildOptions): Promise<PlannedIssue | NoIssue> {
  const last = await store.lastIssue(opts.frequency);
  const fresh = await store.papersAfter(last?.paperSeqHi ?? 0);
  if (fresh.length === 0) return { reason: 'no-new-papers', since: last };
  const recipients = await store.countActive(opts.frequency);
  if (recipients === 0) return { reason: 'no-subscribers' };

  const ranked = rankPapers(fresh);
  const main = ranked.slice(0, opts.cap);
  const delivered = await store.deliveredAmong(
    ranked.map((p) => p.id),
    opts.frequency,
  );

  const variants = new Map<number, Paper[]>([[0, main]]);
  const byKey = new Map<string, number>([[key(main), 0]]);
  const overrides = new Map<number, number | null>();
  for (const [subscriberId, had] of delivered) {
    const theirs = ranked.filter((p) => !had.has(p.id)).slice(0, opts.cap);
    if (theirs.length === 0) {
      overrides.set(subscriberId, null);
      continue;
    }
    const k = key(theirs);
    let variant = byKey.get(k);
    if (variant === undefined) {
      variant = variants.size;
      variants.set(variant, theirs);
      byKey.set(k, variant);
    }
    if (variant !== 0) overrides.set(subscriberId, variant);
  }

  const plan: IssuePlan = {
    frequency: opts.frequency,
    createdAt: opts.now.toISOString(),
    issueDate: opts.issueDate,
    subject: subjectFor(opts.newsletterName, main),
    paperSeqHi: Math.max(...fresh.map((p) => p.seq)),
    variants: [...variants].map(([variant, papers]) => ({ variant, paperIds: papers.map((p) => p.id) })),
    overrides,
  };
  const skipped = [...overrides.values()].filter((v) => v === null).length;
  return { plan, variants, recipients: recipients - skipped };
}

/** True when the planner found nothing to send. */
export function isNoIssue(x: PlannedIssue | NoIssue): x is NoIssue {
  return 'reason' in x;
}

/** True when a cadence is due: daily always, weekly when the last weekly issue is a week old. */
export function isDue(frequency: Frequency, last: Issue | undefined, now: Date): boolean {
  if (frequency === 'daily' || !last) return true;
  const WEEK_LESS_SLACK = 7 * 24 * 3600_000 - 3600_000;
  return now.getTime() - Date.parse(last.createdAt) >= WEEK_LESS_SLACK;
}

function key(papers: Paper[]): string {
  return papers.map((p) => p.id).join('\n');
}
