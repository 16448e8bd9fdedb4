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
import { importSubscribers } from '../../src/subscriptions/service.js';
import { SEED } from '../helpers/workspace.js';
import { measure, report } from './measure.js';

const dir = mkdtempSync(path.join(tmpdir(), 'paperboy-bench-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => openSqlite(path.join(dir, `b${n++}.db`));

it('store', async () => {
  const seedText = readFileSync(SEED, 'utf8');
  const csv = ['email,frequency', ...Array.from({ length: 100_000 }, (_, i) => `reader${i}@example.org,daily`)].join('\n');
  const seed = await measure('parse + ingest the 77-paper seed into a new store', async () => {
    const store = await fresh();
    await ingestDigests(store, [parseDigest(seedText, 'seed', 'auto', '2026-11-26')], new Date());
    await store.close();
  }, { runs: 20, warmup: 2 });
  const imported = await measure('parse + import 100,000 subscribers (one transaction)', async () => {
    const store = await fresh();
    await importSubscribers(store, parseSubscriberCsv(csv, 'big.csv', 'daily').rows);
    await store.close();
  }, { runs: 5, warmup: 1 });
  report('Store', [seed, imported]);
});
