/**
 * The issue builder: which papers go into the next issue of a cadence, and to whom.
 *
 * The next issue holds the papers added to the store since the previous issue of that cadence
 * (the first issue: all of them; a weekly issue: at most the last 7 days' worth), less any paper
 * already delivered to the subscriber, ranked (upvotes as the store knows them now, else digest
 * order) and capped. Papers that miss the cap are not carried over: each issue is news. A reader
 * with topics gets only the papers that match one of them (none: no email that day). Each
 * distinct paper set is one variant, rendered once; variant 0 is the full selection.
 */
import type { Frequency, Issue, Paper } from '../domain.js';
import type { IssuePlan, Store } from '../store/store.js';
import { shorten } from '../lib/text.js';
import { type Weekday, dayIn } from '../lib/time.js';
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

/** A plan ready to write, with the papers of each variant for rendering. */
export interface PlannedIssue {
  plan: IssuePlan;
  variants: Map<number, Paper[]>;
  recipients: number;
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

/** "Paperboy: X-LLM: Bootstrapping… and 29 more papers"; weekly: "Paperboy weekly: …". */
export function subjectFor(name: string, papers: Paper[], frequency: Frequency = 'daily'): string {
  return `${name}${frequency === 'weekly' ? ' weekly' : ''}: ${subjectTail(papers)}`;
}

/**
 * The subject of one variant of an issue: the issue's own (`issue.subject`, from variant 0) when
 * the papers are the main ones, else the same opening (newsletter name, cadence) with the
 * variant's own top paper, so a topic reader's subject names a paper their email holds.
 */
export function variantSubject(issue: Pick<Issue, 'subject' | 'frequency'>, main: Paper[], papers: Paper[]): string {
  if (papers.length === main.length && papers.every((p, i) => p.id === main[i]!.id)) return issue.subject;
  const tail = subjectTail(main);
  let head: string;
  if (issue.subject.endsWith(tail)) head = issue.subject.slice(0, -tail.length);
  else {
    // A main title re-ingested since: cut after the opening instead.
    const sep = issue.frequency === 'weekly' && issue.subject.includes(' weekly: ') ? ' weekly: ' : ': ';
    const at = issue.subject.indexOf(sep);
    head = at >= 0 ? issue.subject.slice(0, at + sep.length) : '';
  }
  return head + subjectTail(papers);
}

function subjectTail(papers: Paper[]): string {
  const title = shorten(papers[0]?.title ?? '', 80);
  const more = papers.length - 1;
  return `${title}${more > 0 ? ` and ${more} more paper${more === 1 ? '' : 's'}` : ''}`;
}

/**
 * Works out the next issue without writing anything (what `preview` shows and `send` writes).
 * Returns a NoIssue when there is nothing new or nobody to send to.
 */
export async function planNextIssue(store: Store, opts: BuildOptions): Promise<PlannedIssue | NoIssue> {
  const last = await store.lastIssue(opts.frequency);
  const added = await store.papersAfter(last?.paperSeqHi ?? 0);
  const since = opts.now.getTime() - WEEK_MS;
  const fresh = opts.frequency === 'weekly' ? added.filter((p) => Date.parse(p.firstSeenAt) >= since) : added;
  if (fresh.length === 0) return { reason: 'no-new-papers', since: last };
  const active = await store.countActive(opts.frequency);
  if (active === 0) return { reason: 'no-subscribers' };

  // The store's current rows: upvotes re-ingested since the papers were added count.
  const ranked = rankPapers(fresh);
  const main = ranked.slice(0, opts.cap);
  const delivered = await store.deliveredAmong(
    ranked.map((p) => p.id),
    opts.frequency,
  );

  const variants = new VariantSet(main);
  const overrides = new Map<number, number | null>();
  const assign = (subscriberId: number, variant: number | null) => {
    if (variant !== 0) overrides.set(subscriberId, variant);
  };
  // Readers with topics: each distinct combination is matched once; the few who already had
  // some of the papers get theirs less what they had.
  const matcher = new TopicMatcher(ranked);
  const byCombination = new Map<string, number | null>();
  for await (const reader of store.iterateTopicReaders(opts.frequency)) {
    const combination = matcher.key(reader.topics);
    if (!combination) continue; // no topic with a word in it: the whole issue, as without topics
    const had = delivered.get(reader.id);
    if (had) {
      delivered.delete(reader.id);
      assign(
        reader.id,
        variants.of(
          matcher
            .papersFor(combination)
            .filter((p) => !had.has(p.id))
            .slice(0, opts.cap),
        ),
      );
      continue;
    }
    let variant = byCombination.get(combination);
    if (variant === undefined) {
      variant = variants.of(matcher.papersFor(combination).slice(0, opts.cap));
      byCombination.set(combination, variant);
    }
    assign(reader.id, variant);
  }
  // Readers without topics who already had some of the papers.
  for (const [subscriberId, had] of delivered) {
    assign(subscriberId, variants.of(ranked.filter((p) => !had.has(p.id)).slice(0, opts.cap)));
  }

  const plan: IssuePlan = {
    frequency: opts.frequency,
    createdAt: opts.now.toISOString(),
    issueDate: opts.issueDate,
    subject: subjectFor(opts.newsletterName, main, opts.frequency),
    paperSeqHi: Math.max(...added.map((p) => p.seq)),
    variants: [...variants.papers].map(([variant, papers]) => ({ variant, paperIds: papers.map((p) => p.id) })),
    overrides,
    ...(opts.deliverAt ? { deliverAt: { time: opts.deliverAt, timeZone: opts.timeZone ?? 'UTC' } } : {}),
  };
  let skipped = 0;
  for (const v of overrides.values()) if (v === null) skipped++;
  return { plan, variants: variants.papers, recipients: active - skipped };
}

/** Distinct paper sets, numbered in the order they first occur; variant 0 is the main one. */
class VariantSet {
  readonly papers = new Map<number, Paper[]>();
  private readonly byKey = new Map<string, number>();

  constructor(main: Paper[]) {
    this.papers.set(0, main);
    this.byKey.set(key(main), 0);
  }

  /** The variant holding exactly `papers`, added if new; null for no papers (no email). */
  of(papers: Paper[]): number | null {
    if (papers.length === 0) return null;
    const k = key(papers);
    let variant = this.byKey.get(k);
    if (variant === undefined) {
      variant = this.papers.size;
      this.papers.set(variant, papers);
      this.byKey.set(k, variant);
    }
    return variant;
  }
}

/** True when the planner found nothing to send. */
export function isNoIssue(x: PlannedIssue | NoIssue): x is NoIssue {
  return 'reason' in x;
}

/**
 * True when a cadence is due: daily always; weekly on `weeklyDay` (in `timeZone`), once: not
 * again when a weekly issue already went out that day, and not on other days.
 */
export function isDue(frequency: Frequency, last: Issue | undefined, now: Date, when: Pick<BuildOptions, 'weeklyDay' | 'timeZone'> = {}): boolean {
  if (frequency === 'daily') return true;
  const tz = when.timeZone ?? 'UTC';
  const today = dayIn(now, tz);
  if (today.weekday !== (when.weeklyDay ?? 'monday')) return false;
  return !last || dayIn(new Date(last.createdAt), tz).date !== today.date;
}

function key(papers: Paper[]): string {
  return papers.map((p) => p.id).join('\n');
}
