import { afterEach, describe, expect, it } from 'vitest';
import type { Paper } from '../../src/domain.js';
import { type BuildOptions, type PlannedIssue, isDue, isNoIssue, planNextIssue, rankPapers, subjectFor, variantSubject } from '../../src/issue/builder.js';
import { ingestDigests } from '../../src/pipeline/ingest.js';
import { digestOf, tempStore, titles } from '../helpers/store.js';

let handle: Awaited<ReturnType<typeof tempStore>>;
afterEach(() => handle?.cleanup());
const now = new Date('2026-03-17T08:00:00Z');
const claim = (limit: number) => ({ limit, now: now.toISOString(), leaseUntil: new Date(now.getTime() + 60_000).toISOString(), worker: 'test:1' });
const opts = (o: Partial<BuildOptions> = {}): BuildOptions => ({ frequency: 'daily', cap: 5, now, issueDate: '2026-03-17', newsletterName: 'Paperboy', ...o });

async function addActive(emails: string[], frequency: 'daily' | 'weekly' = 'daily') {
  await handle.store.insertSubscribers(emails.map((email) => ({ email, status: 'active', topics: [], frequency, source: 'test' })));
}

describe('the issue builder', () => {
  it('ranks by upvotes when known, else in digest order', () => {
    const p = (seq: number, upvotes?: number) => ({ seq, ...(upvotes !== undefined ? { upvotes } : {}) }) as Paper;
    expect(rankPapers([p(1), p(2, 5), p(3), p(4, 50), p(5, 5)]).map((x) => x.seq)).toEqual([4, 2, 5, 1, 3]);
  });

  it('writes a subject from the top title', () => {
    expect(subjectFor('Paperboy', [{ title: 'A' } as Paper, { title: 'B' } as Paper])).toBe('Paperboy: A and 1 more paper');
    expect(subjectFor('P', [{ title: 'word '.repeat(30) } as Paper])).toMatch(/^P: (word ){15}word…$/);
  });

  it('takes the first issue from all papers, capped, and drops what missed the cap', async () => {
    handle = await tempStore();
    await addActive(['a@example.org']);
    await ingestDigests(handle.store, [digestOf(titles(8), (i) => (i === 6 ? { upvotes: 10 } : {}))], now);
    const first = await planNextIssue(handle.store, opts());
    if (isNoIssue(first)) throw new Error('expected an issue');
    expect(first.variants.get(0)!.map((p) => p.title)).toEqual(['Paper 7', 'Paper 1', 'Paper 2', 'Paper 3', 'Paper 4']);
    await handle.store.createIssue(first.plan);

    const none = await planNextIssue(handle.store, opts());
    expect(none).toMatchObject({ reason: 'no-new-papers', since: { id: 1 } });

    await ingestDigests(handle.store, [digestOf(['Fresh 1', 'Paper 8', 'Fresh 2'])], now);
    const second = await planNextIssue(handle.store, opts());
    if (isNoIssue(second)) throw new Error('expected an issue');
    // Paper 8 missed the first cap: it is not carried over.
    expect(second.variants.get(0)!.map((p) => p.title)).toEqual(['Fresh 1', 'Fresh 2']);
  });

  it('has no issue without active subscribers of the cadence', async () => {
    handle = await tempStore();
    await addActive(['w@example.org'], 'weekly');
    await ingestDigests(handle.store, [digestOf(titles(3))], now);
    expect(await planNextIssue(handle.store, opts())).toEqual({ reason: 'no-subscribers' });
    expect(isNoIssue(await planNextIssue(handle.store, opts({ frequency: 'weekly' })))).toBe(false);
  });

  it('never sends a paper twice: a reader who moved from daily to weekly gets a variant without what they had', async () => {
    handle = await tempStore();
    await addActive(['mover@example.org']);
    await addActive(['weekly@example.org'], 'weekly');
    await ingestDigests(handle.store, [digestOf(titles(12))], now);
    const daily = await planNextIssue(handle.store, opts());
    if (isNoIssue(daily)) throw new Error('expected an issue');
    const issue = await handle.store.createIssue(daily.plan);
    const jobs = await handle.store.claimDeliveries(issue.id, claim(10));
    await handle.store.recordDeliveries(jobs.map((j) => ({ id: j.id, status: 'sent', at: now.toISOString() })));

    const mover = (await handle.store.findSubscriber('mover@example.org'))!;
    await handle.store.setSubscriberPreferences(mover.id, { frequency: 'weekly' }, now.toISOString());
    const weekly = await planNextIssue(handle.store, opts({ frequency: 'weekly' }));
    if (isNoIssue(weekly)) throw new Error('expected an issue');
    expect(weekly.variants.get(0)!.map((p) => p.title)).toEqual(titles(5));
    expect(weekly.variants.get(1)!.map((p) => p.title)).toEqual(titles(10).slice(5));
    expect(weekly.plan.overrides).toEqual(new Map([[mover.id, 1]]));
    const created = await handle.store.createIssue(weekly.plan);
    const claimed = await handle.store.claimDeliveries(created.id, claim(10));
    expect(claimed.map((j) => [j.email, j.variant])).toEqual([
      ['mover@example.org', 1],
      ['weekly@example.org', 0],
    ]);
  });

  it('is due daily every time, and weekly on WEEKLY_DAY once', () => {
    const at = (iso: string) => new Date(iso);
    const issued = (iso: string) => ({ createdAt: iso }) as never;
    const monday = { weeklyDay: 'monday', timeZone: 'UTC' } as const;
    expect(isDue('daily', issued('2026-03-17T07:00:00Z'), now)).toBe(true);
    // 2026-03-16 is a Monday.
    expect(isDue('weekly', undefined, at('2026-03-16T08:00:00Z'), monday)).toBe(true);
    expect(isDue('weekly', issued('2026-03-09T08:00:00Z'), at('2026-03-16T08:00:00Z'), monday)).toBe(true);
    // Not again the same day, even after a forced send on another day.
    expect(isDue('weekly', issued('2026-03-16T08:00:00Z'), at('2026-03-16T20:00:00Z'), monday)).toBe(false);
    expect(isDue('weekly', issued('2026-03-15T08:00:00Z'), at('2026-03-16T08:00:00Z'), monday)).toBe(true);
    // Not on other days, however old the last weekly issue is.
    expect(isDue('weekly', undefined, at('2026-03-17T08:00:00Z'), monday)).toBe(false);
    expect(isDue('weekly', issued('2026-02-01T08:00:00Z'), at('2026-03-20T08:00:00Z'), monday)).toBe(false);
    // The day is the configured time zone's: 02:00 UTC on Tuesday is still Monday in New York.
    const ny = { weeklyDay: 'tuesday', timeZone: 'America/New_York' } as const;
    expect(isDue('weekly', undefined, at('2026-03-17T02:00:00Z'), ny)).toBe(false);
    expect(isDue('weekly', undefined, at('2026-03-17T14:00:00Z'), ny)).toBe(true);
    expect(isDue('weekly', issued('2026-03-17T05:00:00Z'), at('2026-03-17T14:00:00Z'), ny)).toBe(false);
    expect(isDue('weekly', issued('2026-03-17T03:00:00Z'), at('2026-03-17T14:00:00Z'), ny)).toBe(true);
  });

  it('words the subject by cadence, and each variant names its own top paper', () => {
    const p = (id: string, title: string) => ({ id, title }) as Paper;
    const main = [p('a', 'Alpha'), p('b', 'Beta'), p('c', 'Gamma')];
    expect(subjectFor('Paperboy', main, 'weekly')).toBe('Paperboy weekly: Alpha and 2 more papers');
    expect(subjectFor('Paperboy', main, 'daily')).toBe('Paperboy: Alpha and 2 more papers');
    const weekly = { subject: 'Paperboy weekly: Alpha and 2 more papers', frequency: 'weekly' } as const;
    expect(variantSubject(weekly, main, [...main])).toBe(weekly.subject);
    expect(variantSubject(weekly, main, [main[2]!])).toBe('Paperboy weekly: Gamma');
    expect(variantSubject({ subject: 'Papers: daily: Alpha and 2 more papers', frequency: 'daily' }, main, main.slice(1))).toBe(
      'Papers: daily: Beta and 1 more paper',
    );
    // A main title re-ingested since the issue was written: the opening still carries over.
    expect(variantSubject({ subject: 'Paperboy: Old alpha and 2 more papers', frequency: 'daily' }, main, [main[1]!])).toBe('Paperboy: Beta');
  });
});

async function addReaders(rows: { email: string; topics?: string[]; frequency?: 'daily' | 'weekly' }[]) {
  await handle.store.insertSubscribers(
    rows.map((r) => ({ email: r.email, status: 'active', topics: r.topics ?? [], frequency: r.frequency ?? 'daily', source: 'test' })),
  );
}

function planned(p: PlannedIssue | { reason: string }): PlannedIssue {
  if (isNoIssue(p as PlannedIssue)) throw new Error(`expected an issue, got ${JSON.stringify(p)}`);
  return p as PlannedIssue;
}

/** Who got which papers: email → titles, from the ledger rows of `issueId`. */
async function ledger(issueId: number): Promise<Map<string, string[]>> {
  const variants = await handle.store.issueVariants(issueId);
  const jobs = await handle.store.claimDeliveries(issueId, claim(100_000));
  return new Map(jobs.map((j) => [j.email, variants.get(j.variant)!.map((p) => p.title)]));
}

const TOPIC_PAPERS: [string, string, number][] = [
  ['Offline RL at scale', 'We train policies from logged data.', 50],
  ['Diffusion Models for video', 'A video generator.', 40],
  ['Tool-using LLM-agents on the web', 'Browsing with tools.', 30],
  ['Parsing every URL with cURL', 'Web crawling, at last.', 20],
  ['A diffusion model for audio', 'Sound from noise.', 10],
  ['Plain paper', 'Nothing to see.', 5],
];
const topicDigest = () =>
  digestOf(
    TOPIC_PAPERS.map(([t]) => t),
    (i) => ({ abstract: TOPIC_PAPERS[i]![1], upvotes: TOPIC_PAPERS[i]![2] }),
  );

describe('topics', () => {
  it('gives each topic combination its own variant, shared by readers with the same topics', async () => {
    handle = await tempStore();
    await addReaders([
      { email: 'plain@example.org' },
      { email: 'rl1@example.org', topics: ['rl'] },
      { email: 'rl2@example.org', topics: ['RL'] },
      { email: 'diffusion@example.org', topics: ['diffusion models'] },
      { email: 'agents@example.org', topics: ['llm agents', 'rl'] },
      { email: 'agents2@example.org', topics: ['rl', 'LLM agent'] },
      { email: 'nothing@example.org', topics: ['quantum chemistry'] },
    ]);
    await ingestDigests(handle.store, [topicDigest()], now);
    const plan = planned(await planNextIssue(handle.store, opts()));
    const titlesOf = (v: number) => plan.variants.get(v)!.map((p) => p.title);
    expect(titlesOf(0)).toEqual(TOPIC_PAPERS.slice(0, 5).map(([t]) => t));
    expect(plan.variants.size).toBe(4);
    expect(plan.recipients).toBe(6);
    const issue = await handle.store.createIssue(plan.plan);
    const got = await ledger(issue.id);
    expect(Object.fromEntries(got)).toEqual({
      'plain@example.org': titlesOf(0),
      'rl1@example.org': ['Offline RL at scale'],
      'rl2@example.org': ['Offline RL at scale'],
      'diffusion@example.org': ['Diffusion Models for video', 'A diffusion model for audio'],
      'agents@example.org': ['Offline RL at scale', 'Tool-using LLM-agents on the web'],
      'agents2@example.org': ['Offline RL at scale', 'Tool-using LLM-agents on the web'],
    });
    expect(got.has('nothing@example.org')).toBe(false);
    expect(Object.values(await handle.store.countDeliveries(issue.id)).reduce((a, b) => a + b, 0)).toBe(plan.recipients);
  });

  it('caps a topic reader at MAX_PAPERS_PER_ISSUE, from all new papers, not only the main cut', async () => {
    handle = await tempStore();
    await addReaders([{ email: 'plain@example.org' }, { email: 'plain-text@example.org', topics: ['plain'] }]);
    await ingestDigests(handle.store, [topicDigest()], now);
    const plan = planned(await planNextIssue(handle.store, opts({ cap: 2 })));
    expect(plan.variants.get(0)!.map((p) => p.title)).toEqual(['Offline RL at scale', 'Diffusion Models for video']);
    expect(plan.variants.get(1)!.map((p) => p.title)).toEqual(['Plain paper']);
  });

  it('still never sends a paper twice to a topic reader', async () => {
    handle = await tempStore();
    await addReaders([
      { email: 'mover@example.org', topics: ['rl'] },
      { email: 'weekly-rl@example.org', topics: ['rl'], frequency: 'weekly' },
    ]);
    await ingestDigests(handle.store, [digestOf(['RL one', 'RL two', 'Diffusion three'], (i) => ({ upvotes: 30 - i }))], now);
    const daily = await handle.store.createIssue(planned(await planNextIssue(handle.store, opts())).plan);
    const jobs = await handle.store.claimDeliveries(daily.id, claim(10));
    await handle.store.recordDeliveries(jobs.map((j) => ({ id: j.id, status: 'sent', at: now.toISOString() })));
    const mover = (await handle.store.findSubscriber('mover@example.org'))!;
    await handle.store.setSubscriberPreferences(mover.id, { frequency: 'weekly' }, now.toISOString());
    await ingestDigests(handle.store, [digestOf(['RL four'], () => ({ upvotes: 1 }))], now);

    const weekly = planned(await planNextIssue(handle.store, opts({ frequency: 'weekly' })));
    const issue = await handle.store.createIssue(weekly.plan);
    expect(Object.fromEntries(await ledger(issue.id))).toEqual({
      'mover@example.org': ['RL four'],
      'weekly-rl@example.org': ['RL one', 'RL two', 'RL four'],
    });
  });

  it('writes overrides in bulk for thousands of readers, with the right recipient count', async () => {
    handle = await tempStore();
    const groups = [undefined, ['rl'], ['diffusion models', 'url'], ['quantum chemistry']];
    const rows = Array.from({ length: 4000 }, (_, i) => ({ email: `r${i}@example.org`, topics: groups[i % 4] }));
    await addReaders(rows);
    await ingestDigests(handle.store, [topicDigest()], now);
    const plan = planned(await planNextIssue(handle.store, opts()));
    expect(plan.variants.size).toBe(3);
    expect(plan.plan.overrides.size).toBe(3000);
    expect(plan.recipients).toBe(3000);
    const issue = await handle.store.createIssue(plan.plan);
    const got = await ledger(issue.id);
    expect(got.size).toBe(3000);
    const count = (f: (i: number) => boolean, titles: string[]) =>
      rows.filter((_, i) => f(i)).every((r) => JSON.stringify(got.get(r.email)) === JSON.stringify(titles));
    expect(
      count(
        (i) => i % 4 === 0,
        plan.variants.get(0)!.map((p) => p.title),
      ),
    ).toBe(true);
    expect(count((i) => i % 4 === 1, ['Offline RL at scale'])).toBe(true);
    expect(count((i) => i % 4 === 2, ['Diffusion Models for video', 'Parsing every URL with cURL', 'A diffusion model for audio'])).toBe(true);
    expect(rows.filter((_, i) => i % 4 === 3).some((r) => got.has(r.email))).toBe(false);
  });
});

describe('the weekly roll-up', () => {
  const day = (d: number, h = 8) => new Date(Date.UTC(2026, 2, d, h));

  it("holds the week's new papers, ranked by upvotes as re-ingested during the week", async () => {
    handle = await tempStore();
    await addReaders([{ email: 'w@example.org', frequency: 'weekly' }]);
    await ingestDigests(handle.store, [digestOf(['Last week'])], day(8));
    // Monday 9 March: the previous weekly issue.
    const first = planned(await planNextIssue(handle.store, opts({ frequency: 'weekly', now: day(9) })));
    await handle.store.createIssue(first.plan);

    await ingestDigests(handle.store, [digestOf(['W1', 'W2'], (i) => ({ upvotes: [5, 10][i] }))], day(10));
    // Thursday: the same papers with new counts, and one more.
    await ingestDigests(handle.store, [digestOf(['W1', 'W3'], (i) => ({ upvotes: [100, 50][i] }))], day(12));
    const weekly = planned(await planNextIssue(handle.store, opts({ frequency: 'weekly', now: day(16) })));
    expect(weekly.variants.get(0)!.map((p) => [p.title, p.upvotes])).toEqual([
      ['W1', 100],
      ['W3', 50],
      ['W2', 10],
    ]);
    expect(weekly.plan.subject).toBe('Paperboy weekly: W1 and 2 more papers');
  });

  it("takes at most the last 7 days' worth, even when the last weekly issue is older", async () => {
    handle = await tempStore();
    await addReaders([{ email: 'w@example.org', frequency: 'weekly' }, { email: 'd@example.org' }]);
    await ingestDigests(handle.store, [digestOf(['Stale'])], day(1));
    await ingestDigests(handle.store, [digestOf(['Fresh'])], day(12));
    const weekly = planned(await planNextIssue(handle.store, opts({ frequency: 'weekly', now: day(16) })));
    expect(weekly.variants.get(0)!.map((p) => p.title)).toEqual(['Fresh']);
    const issue = await handle.store.createIssue(weekly.plan);
    expect(issue.paperSeqHi).toBe(2);
    // Daily keeps its own wording, and is not limited to a week.
    const daily = planned(await planNextIssue(handle.store, opts({ now: day(16) })));
    expect(daily.plan.subject).toBe('Paperboy: Stale and 1 more paper');
    expect(await planNextIssue(handle.store, opts({ frequency: 'weekly', now: day(23) }))).toMatchObject({ reason: 'no-new-papers' });
  });
});
