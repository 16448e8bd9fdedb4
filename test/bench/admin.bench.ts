/**
 * The dashboard with 100,000 readers (`npm run bench:admin`): the subscribers page first and
 * deep in the list (keyset: page 900 should cost what page 1 does), a search by part of the
 * address, a filter, the overview, and the CSV export, each a whole signed-in request through
 * the app's routes in-process. The baseline, measured in the same run: a bare hono handler that
 * answers a page of the same size. Set PAPERBOY_TEST_PG to measure PostgreSQL. Prints figures;
 * never fails on a timing.
 */
import { Hono } from 'hono';
import { afterAll, it } from 'vitest';
import type { NewSubscriber } from '../../src/store/store.js';
import { type AdminRig, signedInRig } from '../http/admin/helpers.js';
import { fmt, measure, report } from './measure.js';

const READERS = 100_000;
let rig: AdminRig | undefined;
afterAll(async () => rig?.close());

it('admin', async () => {
  const signed = await signedInRig();
  rig = signed.rig;
  const { cookie } = signed;
  const rows: NewSubscriber[] = Array.from({ length: READERS }, (_, i) => ({
    email: `reader${String(i).padStart(6, '0')}@example${i % 50}.net`,
    status: i % 20 === 0 ? 'unsubscribed' : 'active',
    topics: i % 7 === 0 ? ['diffusion'] : [],
    frequency: i % 3 === 0 ? 'weekly' : 'daily',
    source: 'bench',
  }));
  for (let i = 0; i < rows.length; i += 10_000) await rig.app.store.insertSubscribers(rows.slice(i, i + 10_000));
  const deep = (await rig.app.store.searchSubscribers({ limit: 1, after: 90_000 }))[0]!.id - 1;

  const get = (path: string) => async () => {
    const res = await rig!.get(path, cookie);
    if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
    return res.text();
  };
  const firstPage = await get('/admin/subscribers')();
  const bare = new Hono().get('/', (c) => c.html(firstPage));
  const figures = [
    await measure('bare hono handler, same page size', async () => (await bare.request('/')).text(), { runs: 200 }),
    await measure('subscribers, page 1', get('/admin/subscribers'), { runs: 50 }),
    await measure('subscribers, page 901 (after id 90,000)', get(`/admin/subscribers?after=${deep}`), { runs: 50 }),
    await measure('search "reader09999" (substring)', get('/admin/subscribers?q=reader09999'), { runs: 20 }),
    await measure('filter unsubscribed + weekly', get('/admin/subscribers?status=unsubscribed&frequency=weekly'), { runs: 20 }),
    await measure('filter topic diffusion', get('/admin/subscribers?topic=diffusion'), { runs: 20 }),
    await measure('overview', get('/admin'), { runs: 10 }),
    await measure('export CSV (100,000 rows)', get('/admin/subscribers/export.csv'), { runs: 3, warmup: 1 }),
  ];
  const base = figures[0]!.medianMs;
  report(`Admin with ${READERS.toLocaleString('en')} readers (${process.env.PAPERBOY_TEST_PG ? 'PostgreSQL' : 'SQLite'})`, figures, [
    `page 901 / page 1: ${(figures[2]!.medianMs / figures[1]!.medianMs).toFixed(2)}; page 1 / bare handler: ${(figures[1]!.medianMs / base).toFixed(1)} (bare: ${fmt(base)})`,
  ]);
});
