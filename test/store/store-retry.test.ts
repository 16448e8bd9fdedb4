/**
 * The store, on whichever store the pass runs: concurrent claims never share a row, a claim's
 * lost answer is put back, a heartbeat renews only its own worker's leases; and which errors
 * mean "the store was away" (retried) rather than "the statement was wrong" (not retried).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { isNoIssue, planNextIssue } from '../../src/issue/builder.js';
import { ingestDigests } from '../../src/pipeline/ingest.js';
import { isTransientStoreError, withStoreRetry } from '../../src/pipeline/store-retry.js';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { ON_POSTGRES } from '../helpers/database.js';
import { type TempStore, digestOf, tempStore, titles } from '../helpers/store.js';

let handle: TempStore | undefined;
const others: Store[] = [];
afterEach(async () => {
  for (const s of others.splice(0)) await s.close();
  await handle?.cleanup();
  handle = undefined;
});

const T0 = new Date('2026-03-17T08:00:00Z');
const claim = (worker: string, limit = 25) => ({ limit, now: T0.toISOString(), leaseUntil: new Date(T0.getTime() + 60_000).toISOString(), worker });

/** A store with `readers` active daily readers and one issue written for them. */
async function withIssue(readers: number): Promise<number> {
  handle = await tempStore();
  const store = handle.store;
  await ingestDigests(store, [digestOf(titles(5))], T0);
  await store.insertSubscribers(
    Array.from({ length: readers }, (_, i) => ({ email: `r${i}@example.org`, status: 'active' as const, topics: [], frequency: 'daily' as const, source: 'test' })),
  );
  const planned = await planNextIssue(store, { frequency: 'daily', cap: 30, now: T0, issueDate: '2026-03-17', newsletterName: 'Paperboy' });
  if (isNoIssue(planned)) throw new Error('expected an issue');
  return (await store.createIssue(planned.plan)).id;
}

describe(`claims on ${ON_POSTGRES ? 'PostgreSQL' : 'SQLite'}`, () => {
  // better-sqlite3 waits for SQLite's lock synchronously, so four connections of one process
  // cannot wait on each other: on SQLite they take turns here (the reliability suite runs real
  // processes side by side on both stores); on PostgreSQL they claim at once.
  it('four connections claiming at once take disjoint batches that cover the issue', async () => {
    const issueId = await withIssue(400);
    for (let i = 0; i < 3; i++) others.push(await openStore(handle!.url));
    const stores = [handle!.store, ...others];
    const taken = new Map<number, string>();
    const claimAll = async (s: Store, w: number) => {
      for (;;) {
        const jobs = await s.claimDeliveries(issueId, claim(`host:${w}`));
        if (jobs.length === 0) return;
        expect(jobs.length).toBeLessThanOrEqual(25);
        for (const j of jobs) {
          expect(taken.get(j.id), `row ${j.id} claimed twice`).toBeUndefined();
          taken.set(j.id, `host:${w}`);
        }
        if (!ON_POSTGRES) return;
      }
    };
    if (ON_POSTGRES) await Promise.all(stores.map(claimAll));
    else while (taken.size < 400) for (const [w, s] of stores.entries()) await claimAll(s, w);
    for (const [w, s] of stores.entries()) expect(await s.claimDeliveries(issueId, claim(`host:${w}`))).toEqual([]);
    expect(taken.size).toBe(400);
    expect(await handle!.store.countDeliveries(issueId)).toEqual({ sending: 400 });
  });

  it('puts back what a worker holds (a claim whose answer was lost), untouched, and renews only its own leases', async () => {
    const issueId = await withIssue(30);
    const store = handle!.store;
    expect(await store.claimDeliveries(issueId, claim('here:1', 10))).toHaveLength(10);
    expect(await store.claimDeliveries(issueId, claim('there:2', 10))).toHaveLength(10);
    expect(await store.renewClaims('here:1', '2026-03-17T09:00:00.000Z')).toBe(10);
    expect(await store.releaseClaimsOf('here:1')).toBe(10);
    expect(await store.countDeliveries(issueId)).toEqual({ pending: 20, sending: 10 });
    // Released rows come back as never tried: not flagged, the attempt not counted.
    const again = await store.claimDeliveries(issueId, claim('here:1', 30));
    expect(again).toHaveLength(20);
    expect(again.every((j) => j.attempts === 1 && !j.maybeDuplicate)).toBe(true);
  });
});

describe('transient store errors', () => {
  it('tells a lost connection from a wrong statement', () => {
    const pgError = (code: string, message: string) => Object.assign(new Error(message), { code });
    expect(isTransientStoreError(pgError('57P01', 'terminating connection due to administrator command'))).toBe(true);
    expect(isTransientStoreError(pgError('08006', 'connection failure'))).toBe(true);
    expect(isTransientStoreError(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isTransientStoreError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isTransientStoreError(new Error('wrapped', { cause: pgError('57P01', 'terminating') }))).toBe(true);
    expect(isTransientStoreError(pgError('23505', 'duplicate key value violates unique constraint'))).toBe(false);
    expect(isTransientStoreError(pgError('42P01', 'relation "x" does not exist'))).toBe(false);
    expect(isTransientStoreError(new Error('no such table: x'))).toBe(false);
  });

  it('retries the transient ones with a preparation step, and gives the others back at once', async () => {
    const lines: string[] = [];
    let calls = 0;
    let prepared = 0;
    const value = await withStoreRetry(
      async () => {
        if (++calls < 3) throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
        return 'done';
      },
      { what: 'claiming', warn: (l) => lines.push(l), beforeRetry: async () => void prepared++ },
    );
    expect({ value, calls, prepared }).toEqual({ value: 'done', calls: 3, prepared: 2 });
    expect(lines).toEqual([
      'store unreachable while claiming (terminating connection due to administrator command); trying again in 250 ms',
      'store unreachable while claiming (terminating connection due to administrator command); trying again in 500 ms',
    ]);
    let wrong = 0;
    await expect(withStoreRetry(async () => Promise.reject(new Error(`syntax error ${++wrong}`)), { what: 'x', warn: () => {} })).rejects.toThrow('syntax error 1');
    expect(wrong).toBe(1);
  });
});
