import { afterEach, describe, expect, it } from 'vitest';
import type { Paper } from '../../src/domain.js';
import { type BuildOptions, isDue, isNoIssue, planNextIssue, rankPapers, subjectFor } from '../../src/issue/builder.js';
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

  it('is due daily every time and weekly once a week', () => {
    const last = { createdAt: '2026-03-10T08:00:00.000Z' } as never;
    expect(isDue('daily', last, now)).toBe(true);
    expect(isDue('weekly', undefined, now)).toBe(true);
    expect(isDue('weekly', last, new Date('2026-03-17T07:59:00Z'))).toBe(true);
    expect(isDue('weekly', last, new Date('2026-03-16T08:00:00Z'))).toBe(false);
  });
});
