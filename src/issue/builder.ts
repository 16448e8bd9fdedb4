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
import { dayIn } from '../lib/time.js';
import { type BuildOptions, type IssueBasis, type NoIssue, issueBasis, isNoIssue } from './basis.js';
import { planPersonalOrders } from './personal.js';

export { type BuildOptions, type IssueBasis, type NoIssue, WEEK_MS, issueBasis, isNoIssue, rankPapers } from './basis.js';

/** A plan ready to write, with the papers of each variant for rendering. */
export interface PlannedIssue {
  plan: IssuePlan;
  variants: Map<number, Paper[]>;
  recipients: number;
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
  const basis = await issueBasis(store, opts);
  if (isNoIssue(basis)) return basis;
  const variants = new VariantSet(basis.main);
  const overrides = new Map<number, number | null>();
  const assign = (subscriberId: number, variant: number | null) => {
    if (variant !== 0) overrides.set(subscriberId, variant);
    else overrides.delete(subscriberId);
  };
  await assignTopicReaders(store, opts, basis, variants.of.bind(variants), assign);
  const personal = await planPersonalOrders(store, opts, basis, variants.of.bind(variants), assign);
  const plan: IssuePlan = {
    frequency: opts.frequency,
    createdAt: opts.now.toISOString(),
    issueDate: opts.issueDate,
    subject: subjectFor(opts.newsletterName, basis.main, opts.frequency),
    paperSeqHi: Math.max(...basis.added.map((p) => p.seq)),
    variants: [...variants.papers].map(([variant, papers]) => ({ variant, paperIds: papers.map((p) => p.id) })),
    overrides,
    personal,
    ...(opts.deliverAt ? { deliverAt: { time: opts.deliverAt, timeZone: opts.timeZone ?? 'UTC' } } : {}),
  };
  let skipped = 0;
  for (const v of overrides.values()) if (v === null) skipped++;
  return { plan, variants: variants.papers, recipients: basis.active - skipped };
}

/**
 * Readers with topics: each distinct combination is matched once; the few who already had some
 * of the papers get theirs less what they had. Then readers without topics who had some.
 */
async function assignTopicReaders(
  store: Store,
  opts: BuildOptions,
  basis: IssueBasis,
  variantOf: (papers: Paper[]) => number | null,
  assign: (subscriberId: number, variant: number | null) => void,
): Promise<void> {
  const { matcher, ranked } = basis;
  const pending = new Map(basis.delivered);
  const byCombination = new Map<string, number | null>();
  for await (const reader of store.iterateTopicReaders(opts.frequency)) {
    const combination = matcher.key(reader.topics);
    if (!combination) continue; // no topic with a word in it: the whole issue, as without topics
    const had = pending.get(reader.id);
    if (had) {
      pending.delete(reader.id);
      assign(
        reader.id,
        variantOf(
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
      variant = variantOf(matcher.papersFor(combination).slice(0, opts.cap));
      byCombination.set(combination, variant);
    }
    assign(reader.id, variant);
  }
  for (const [subscriberId, had] of pending) assign(subscriberId, variantOf(ranked.filter((p) => !had.has(p.id)).slice(0, opts.cap)));
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
