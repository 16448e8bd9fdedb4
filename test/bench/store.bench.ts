/**
 * Store figures: ingesting the seed digest, re-ingesting it unchanged, and importing 100,000
 * subscribers from CSV in one transaction. Run with `npm run bench`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, bench, describe } from 'vitest';
import { ingestDigests } from '../../src/pipeline/ingest.js';
import { parseDigest } from '../../src/sources/index.js';
import { openSqlite } from '../../src/store/open.js';
import { parseSubscriberCsv } from '../../src/subscriptions/csv.js';
import { importSubscribers } from '../../src/subscriptions/service.js';
import { SEED } from '../helpers/workspace.js';

const dir = mkdtempSync(path.join(tmpdir(), 'paperboy-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => openSqlite(path.join(dir, `b${n++}.db`));

const seedText = readFileSync(SEED, 'utf8');
const csv = ['email,frequency', ...Array.from({ length: 100_000 }, (_, i) => `reader${i}@example.org,daily`)].join('\n');

describe('ingest', () => {
  bench(
    'parse + ingest the 77-paper seed into a new store',
    async () => {
      const store = await fresh();
      await ingestDigests(store, [parseDigest(seedText, 'seed', 'auto', '2026-11-26')], new Date());
      await store.close();
    },
    { iterations: 20, time: 0 },
  );
});

describe('import', () => {
  bench(
    'parse + import 100,000 subscribers from CSV (one transaction)',
    async () => {
      const store = await fresh();
      const parsed = parseSubscriberCsv(csv, 'big.csv', 'daily');
      await importSubscribers(store, parsed.rows);
      await store.close();
    },
    { iterations: 3, time: 0, warmupIterations: 0 },
  );
});
