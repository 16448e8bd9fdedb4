/**
 * Store figures: ingesting the seed digest, and importing 100,000 subscribers from CSV in one
 * transaction.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, it } from 'vitest';
import { ingestDigests } from '../../src/pipeline/ingest.js';
import { parseDigest } from '../../src/sources/index.js';
import { openSqlite } from '../../src/store/open.js';
import { parseSubscriberCsv } from '../../src/subscriptions/csv.js';
import { importSubscribers } from '../../src/subscriptions/operator.js';
import { SEED } from '../helpers/workspace.js';
import { measure, report } from './measure.js';

const dir = mkdtempSync(path.join(tmpdir(), 'paperboy-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => openSqlite(path.join(dir, `b${n++}.db`));

it('store', async () => {
  const seedText = readFileSync(SEED, 'utf8');
  const csv = ['email,frequency', ...Array.from({ length: 100_000 }, (_, i) => `reader${i}@example.org,daily`)].join('\n');
  const seed = await measure(
    'parse + ingest the 77-paper seed into a new store',
    async () => {
      const store = await fresh();
      await ingestDigests(store, [parseDigest(seedText, 'seed', 'auto', { today: '2026-11-26' })], new Date());
      await store.close();
    },
    { runs: 20, warmup: 2 },
  );
  const imported = await measure(
    'parse + import 100,000 subscribers (one transaction)',
    async () => {
      const store = await fresh();
      await importSubscribers(store, parseSubscriberCsv(csv, 'big.csv', 'daily').rows);
      await store.close();
    },
    { runs: 5, warmup: 1 },
  );
  // A 10,000-paper Paperboy JSON digest: first ingest, then the same digest again.
  const big = JSON.stringify({
    papers: Array.from({ length: 10_000 }, (_, i) => ({
      title: `Paper ${i}: scaling laws for ${['retrieval', 'alignment', 'vision', 'speech'][i % 4]} models, part ${i}`,
      abstract: `We study ${i}. `.repeat(60),
      authors: ['Ada Lovelace', 'Alan Turing', 'Grace Hopper', 'Edsger Dijkstra'],
      arxiv_id: `2508.${String(10000 + i).padStart(5, '0')}`,
      url: `https://arxiv.org/abs/2508.${String(10000 + i).padStart(5, '0')}`,
      upvotes: i % 100,
    })),
  });
  const first = await measure(
    'parse + ingest a 10,000-paper JSON digest into a new store',
    async () => {
      const store = await fresh();
      await ingestDigests(store, [parseDigest(big, 'big.json', 'json', { today: '2026-11-26' })], new Date());
      await store.close();
    },
    { runs: 5, warmup: 1 },
  );
  const file = path.join(dir, 'reingest.db');
  const seeded = await openSqlite(file);
  await ingestDigests(seeded, [parseDigest(big, 'big.json', 'json', { today: '2026-11-26' })], new Date());
  await seeded.close();
  const before = readFileSync(file);
  let written = 0;
  const again = await measure(
    're-ingest the same 10,000 papers (unchanged)',
    async () => {
      const store = await openSqlite(file);
      const r = await ingestDigests(store, [parseDigest(big, 'big.json', 'json', { today: '2026-11-26' })], new Date());
      written += r.added + r.updated;
      await store.close();
    },
    { runs: 5, warmup: 1 },
  );
  const identical = readFileSync(file).equals(before);
  report(
    'Store',
    [seed, imported, first, again],
    [`re-ingest: ${written} rows written over ${again.runs + 1} runs; database file byte-identical afterwards: ${identical}`],
  );
});
