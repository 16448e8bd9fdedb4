/**
 * `/admin/sources`: each configured source with its state, last fetch, counts and errors, and
 * "Ingest now" (an `ingest` run: every source on its own, recorded, nothing sent). Real stores,
 * a local HTTP server for URL sources; only the clock is fixed.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import { redactCredentials } from '../../../src/http/admin/sources.js';
import { silentLog } from '../../../src/log.js';
import { ingestSummary, runSummary } from '../../../src/pipeline/describe-run.js';
import { runIssues } from '../../../src/pipeline/run-record.js';
import { runIngest } from '../../../src/schedule/ingest.js';
import { runTick } from '../../../src/schedule/scheduler.js';
import { claimMissedTick } from '../../../src/schedule/scheduler.js';
import type { RunSource } from '../../../src/store/runs.js';
import { eventually } from '../../helpers/eventually.js';
import { type TestHttp, startHttp } from '../../helpers/http.js';
import { SEED, type Workspace, workspace } from '../../helpers/workspace.js';
import { type AdminRig, PASSWORD, adminRig } from './helpers.js';

let http: TestHttp;
/** The slow path's first answer waits for this (the concurrency test). */
let release: (() => void) | undefined;
beforeAll(async () => {
  http = await startHttp({
    '/dead': (_req, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end('boom'),
    '/seed.txt': (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(readFileSync(SEED)),
    // The first answer waits for `release()`; later ones come at once.
    '/slow.txt': (_req, res, hit) => {
      const answer = () => res.writeHead(200, { 'content-type': 'text/plain' }).end(readFileSync(SEED));
      if (hit > 1) answer();
      else void new Promise<void>((r) => (release = r)).then(answer);
    },
  });
});
afterAll(() => http.close());

let rig: AdminRig | undefined;
afterEach(async () => {
  release?.();
  release = undefined;
  await rig?.close();
  rig = undefined;
});

const MISSING = 'missing-digest.txt';
const count = (r: AdminRig, table: string) => Number(r.ws.rows<{ n: number | string }>(`select count(*) n from ${table}`)[0]!.n);
const outboxFiles = (r: AdminRig) => (existsSync(r.ws.env.OUTBOX_DIR!) ? readdirSync(r.ws.env.OUTBOX_DIR!) : []);

/** A signed-in rig over `sources` (DIGEST_SOURCE), with `env` on top. */
async function signedIn(sources: string, env: Record<string, string> = {}): Promise<{ rig: AdminRig; cookie: string; csrf: string }> {
  rig = await adminRig({ ADMIN_PASSWORD: PASSWORD, DIGEST_SOURCE: sources, FETCH_RETRIES: '0', ...env });
  const { cookie } = await rig.login();
  return { rig, cookie: cookie!, csrf: await rig.csrfOf(cookie!) };
}

/** The card of one source (from its `<section>` to the next). */
function card(page: string, source: string): string {
  const start = page.indexOf(`data-source="${source}"`);
  expect(start, `a card for ${source}`).toBeGreaterThan(-1);
  const end = page.indexOf('</section>', start);
  return page.slice(start, end);
}

describe('/admin/sources without a session or a CSRF token', () => {
  it('sends the page to the login form and refuses the ingest', async () => {
    rig = await adminRig({ ADMIN_PASSWORD: PASSWORD });
    const res = await rig.get('/admin/sources');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/admin/login');
    expect((await rig.post('/admin/sources/ingest', {})).status).toBe(403);
    expect(count(rig, 'papers')).toBe(0);
    expect(count(rig, 'runs')).toBe(0);
  });

  it('refuses a POST without the CSRF token (403), ingesting nothing', async () => {
    const { rig, cookie } = await signedIn(SEED);
    expect((await rig.post('/admin/sources/ingest', {}, cookie)).status).toBe(403);
    expect((await rig.post('/admin/sources/ingest', { csrf: 'forged' }, cookie)).status).toBe(403);
    expect(count(rig, 'papers')).toBe(0);
    expect(await rig.app.store.recentRuns(5)).toEqual([]);
    expect(await rig.app.store.sourceHealth()).toEqual([]);
  });
});

describe('/admin/sources', () => {
  it('before any run: every source is "not run yet", with the ingest form', async () => {
    const { rig, cookie, csrf } = await signedIn(`${SEED},${MISSING}`);
    const res = await rig.get('/admin/sources', cookie);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('<h1>Sources</h1>');
    expect(text).toContain('href="/admin/sources" aria-current="page"');
    expect(text).toContain('No run recorded yet');
    expect(text).toContain('0 papers stored');
    for (const source of [SEED, MISSING]) {
      const c = card(text, source);
      expect(c).toContain('<span class="badge" data-state="not-run">not run yet</span>');
      expect(c).toContain('none yet: not run yet');
    }
    expect(text).toMatch(/<form method="post" action="\/admin\/sources\/ingest"><input type="hidden" name="csrf" value="([^"]+)">/);
    expect(text).toContain(`name="csrf" value="${csrf}"`);
    expect(text).not.toContain('<table');
  });

  it('"ingest now": the good source is stored, the missing one fails on its own; recorded as an ingest run; nothing sent', async () => {
    const { rig, cookie, csrf } = await signedIn(`${SEED},${MISSING}`, { ALERT_AFTER_FAILURES: '2' });
    const res = await rig.post('/admin/sources/ingest', { csrf }, cookie);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/sources');
    expect(count(rig, 'papers')).toBe(77);

    const [run] = await rig.app.store.recentRuns(5);
    expect(run).toMatchObject({ trigger: 'ingest', startedAt: '2026-11-27T09:00:00.000Z', finishedAt: '2026-11-27T09:00:00.000Z', issues: [] });
    expect(run!.sources).toEqual([
      { source: SEED, status: 'ingested', added: 77, updated: 0, unchanged: 0, error: null },
      { source: MISSING, status: 'failed', added: 0, updated: 0, unchanged: 0, error: `${MISSING}: no such file` },
    ]);
    expect(run!.summary).toBe('ingest only: 77 new papers from 1 source, 1 failed');
    // Nothing built, nothing sent.
    expect(count(rig, 'issues')).toBe(0);
    expect(count(rig, 'deliveries')).toBe(0);
    expect(outboxFiles(rig)).toEqual([]);
    // Papers are seen at the app's clock, as `paperboy ingest` stores them.
    expect((await rig.app.store.status(0)).papers.newestSeenAt).toBe('2026-11-27T09:00:00.000Z');

    let text = await (await rig.get('/admin/sources', cookie)).text();
    expect(text).toMatch(
      /<p class="notice warn" data-last-run="ingest">Last run: <time datetime="2026-11-27T09:00:00.000Z">2026-11-27 09:00 UTC<\/time> \(ingest\): ingest only: 77 new papers from 1 source, 1 failed<\/p>/,
    );
    expect(text).toContain('77 papers stored; the newest added <time datetime="2026-11-27T09:00:00.000Z">2026-11-27 09:00 UTC</time>');
    let good = card(text, SEED);
    expect(good).toContain('<span class="badge" data-state="ok">ok</span>');
    expect(good).toContain(
      '<strong data-status="ingested">ingested</strong> <span class="meta">in the ingest run of <time datetime="2026-11-27T09:00:00.000Z">2026-11-27 09:00 UTC</time></span>',
    );
    expect(good).toContain(
      '<dl class="stats"><div><dt>Added</dt><dd>77</dd></div><div><dt>Updated</dt><dd>0</dd></div><div><dt>Unchanged</dt><dd>0</dd></div></dl>',
    );
    expect(good).toMatch(/Last success: <time[^>]*>2026-11-27 09:00 UTC<\/time>/);
    expect(good).toContain('Last failure: never');
    let bad = card(text, MISSING);
    expect(bad).toContain('<span class="badge" data-state="failing">failing</span>');
    expect(bad).toContain('<strong data-status="failed">failed</strong>');
    expect(bad).toContain(`<p class="notice warn" data-error>${MISSING}: no such file</p>`);
    expect(bad).toContain('Last success: never');
    expect(bad).toMatch(/Failures in a row: 1, since <time[^>]*>2026-11-27 09:00 UTC<\/time>/);
    expect(bad).not.toContain('<dl class="stats">');

    // A second ingest an hour later: nothing new; the streak grows, and the alert opens.
    rig.advance(3600_000);
    expect((await rig.post('/admin/sources/ingest', { csrf }, cookie)).status).toBe(303);
    const runs = await rig.app.store.recentRuns(5);
    expect(runs.map((r) => r.trigger)).toEqual(['ingest', 'ingest']);
    expect(runs[0]!.summary).toBe('ingest only: 0 new papers from 1 source, 1 failed');
    text = await (await rig.get('/admin/sources', cookie)).text();
    expect(text).toContain('(ingest): ingest only: 0 new papers from 1 source, 1 failed');
    good = card(text, SEED);
    expect(good).toContain('in the ingest run of <time datetime="2026-11-27T10:00:00.000Z">2026-11-27 10:00 UTC</time>');
    expect(good).toContain(
      '<dl class="stats"><div><dt>Added</dt><dd>0</dd></div><div><dt>Updated</dt><dd>0</dd></div><div><dt>Unchanged</dt><dd>77</dd></div></dl>',
    );
    bad = card(text, MISSING);
    expect(bad).toMatch(/Failures in a row: 2, since <time[^>]*>2026-11-27 09:00 UTC<\/time>/);
    expect(bad).toMatch(/Last failure: <time[^>]*>2026-11-27 10:00 UTC<\/time>/);
    expect((await rig.app.store.openAlerts()).map((a) => a.key)).toEqual([`source:${MISSING}`]);
    expect(count(rig, 'issues')).toBe(0);
    expect(count(rig, 'deliveries')).toBe(0);
  });

  it('`paperboy status` after an ingest-only run reads sensibly', async () => {
    const { rig, cookie, csrf } = await signedIn(`${SEED},${MISSING}`);
    await rig.post('/admin/sources/ingest', { csrf }, cookie);
    const text = await rig.ws.cli(['status']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Papers: 77/m);
    expect(text.stdout).toMatch(/^Last run: 2026-11-27 09:00 UTC \(ingest, took 0\.0 s\): ingest only: 77 new papers from 1 source, 1 failed$/m);
    expect(text.stdout).toMatch(/^ {2}ingested .*trending-papers\.txt: 77 new, 0 updated, 0 unchanged$/m);
    expect(text.stdout).toMatch(new RegExp(`^  ingested ${MISSING}: failed: ${MISSING}: no such file$`, 'm'));
    // An ingest run has no cadences to tell of.
    expect(text.stdout).not.toMatch(/^ {2}(daily|weekly):/m);
    expect(text.stdout).toMatch(new RegExp(`^  ${MISSING}: failing \\(1 run, since 2026-11-27 09:00 UTC; never succeeded\\)`, 'm'));
    const json = JSON.parse((await rig.ws.cli(['status', '--json'])).stdout);
    expect(json.lastRun).toMatchObject({ trigger: 'ingest', issues: [], summary: 'ingest only: 77 new papers from 1 source, 1 failed' });
  });

  it('`paperboy status` after a scheduler run and then an ingest still tells what the scheduler run did', async () => {
    const { rig, cookie, csrf } = await signedIn(SEED);
    await runTick(rig.app);
    await rig.post('/admin/sources/ingest', { csrf }, cookie);
    const text = await rig.ws.cli(['status']);
    expect(text.stdout).toMatch(/^Last run: [^\n]*\(ingest, /m);
    expect(text.stdout).toMatch(/^Last scheduled run: [^\n]*\(schedule, /m);
    const json = JSON.parse((await rig.ws.cli(['status', '--json'])).stdout);
    expect(json.lastRun.trigger).toBe('ingest');
    expect(json.lastScheduledRun.trigger).toBe('schedule');
  });

  it("a dead URL fails on its own; a URL's credentials are never shown", async () => {
    const secret = http.url('/seed.txt').replace('http://', 'http://reader:s3cret-pw@');
    const dead = http.url('/dead');
    const { rig, cookie, csrf } = await signedIn(`${dead},${secret}`);
    const shown = secret.replace('reader:s3cret-pw@', '***@');
    let text = await (await rig.get('/admin/sources', cookie)).text();
    expect(text).not.toContain('s3cret-pw');
    expect(text).not.toContain('reader');
    expect(card(text, shown)).toContain(`<code>${shown}</code>`);

    expect((await rig.post('/admin/sources/ingest', { csrf }, cookie)).status).toBe(303);
    text = await (await rig.get('/admin/sources', cookie)).text();
    expect(text).not.toContain('s3cret-pw');
    expect(text).not.toContain('reader');
    const d = card(text, dead);
    expect(d).toContain('data-state="failing"');
    expect(d).toMatch(/data-error>[^<]*500/);
    // Whatever the credentialed URL gave (Node's fetch refuses URLs with credentials), its card and error show none.
    const c = card(text, shown);
    expect(c).toMatch(/data-state="(ok|failing)"/);
  });

  it('a second "ingest now" while one runs is refused with 409', async () => {
    const { rig, cookie, csrf } = await signedIn(http.url('/slow.txt'));
    const first = rig.post('/admin/sources/ingest', { csrf }, cookie);
    await eventually(() => release, { what: 'the slow source to be asked for', timeoutMs: 1_000, intervalMs: 10 });
    expect(release).toBeDefined();
    const second = await rig.post('/admin/sources/ingest', { csrf }, cookie);
    expect(second.status).toBe(409);
    expect(await second.text()).toContain('An ingest is already running');
    expect(await (await rig.get('/admin/sources', cookie)).text()).toContain('An ingest is running now');
    release!();
    expect((await first).status).toBe(303);
    expect(count(rig, 'papers')).toBe(77);
    expect((await rig.app.store.recentRuns(5)).map((r) => r.trigger)).toEqual(['ingest']);
    // Free again.
    expect((await rig.post('/admin/sources/ingest', { csrf }, cookie)).status).toBe(303);
  });
});

describe('an ingest run and the scheduler', () => {
  let ws: Workspace | undefined;
  afterEach(() => {
    ws?.cleanup();
    ws = undefined;
  });
  const withApp = async <T>(at: string, fn: (app: Awaited<ReturnType<typeof createApp>>) => Promise<T>): Promise<T> => {
    const app = await createApp(loadConfig(ws!.env, ws!.dir), silentLog, { now: () => new Date(at) });
    try {
      return await fn(app);
    } finally {
      await app.close();
    }
  };

  it('catch-up at start-up ignores ingest runs: they are no SCHEDULE tick', async () => {
    ws = workspace(); // SCHEDULE 0 8 * * * in UTC
    expect(await withApp('2026-03-18T09:00:00Z', (app) => claimMissedTick(app))).toBeUndefined(); // first start: counts from now
    // After the 08:00 of the 19th, only an ingest run: the tick is still missed.
    await withApp('2026-03-19T08:10:00Z', (app) => runIngest(app));
    expect(await withApp('2026-03-19T08:10:00Z', async (app) => (await app.store.recentRuns(1))[0]?.trigger)).toBe('ingest');
    expect((await withApp('2026-03-19T08:30:00Z', (app) => claimMissedTick(app)))?.toISOString()).toBe('2026-03-19T08:00:00.000Z');
    expect(ws.rows('select id from issues')).toEqual([]);
  });

  it('an ingest run over no source records that', async () => {
    ws = workspace({ DIGEST_SOURCE: ' , ' });
    await withApp('2026-03-19T08:10:00Z', (app) => runIngest(app));
    const [run] = await withApp('2026-03-19T08:10:00Z', (app) => app.store.recentRuns(1));
    expect(run).toMatchObject({ trigger: 'ingest', sources: [], issues: [], summary: 'ingest only: no source configured' });
  });
});

describe('describing an ingest run', () => {
  const src = (source: string, status: RunSource['status'], added = 0, updated = 0, unchanged = 0): RunSource => ({
    source,
    status,
    added,
    updated,
    unchanged,
    error: status === 'failed' ? 'boom' : null,
  });

  it('has no issues and an "ingest only" summary', () => {
    const sources = [src('a', 'ingested', 2, 1), src('b', 'ingested', 1), src('c', 'failed')];
    expect(runIssues(undefined, { sources, resumeOnly: false, ingestOnly: true, via: '' })).toEqual([]);
    expect(runSummary([], { trigger: 'ingest', sources })).toBe('ingest only: 3 new papers, 1 updated from 2 sources, 1 failed');
    expect(ingestSummary([src('a', 'not-modified')])).toBe('ingest only: 0 new papers from 1 source');
    expect(ingestSummary([src('a', 'ingested', 1)])).toBe('ingest only: 1 new paper from 1 source');
    expect(ingestSummary([src('a', 'failed')])).toBe('ingest only: the source failed');
    expect(ingestSummary([src('a', 'failed'), src('b', 'failed')])).toBe('ingest only: all 2 sources failed');
    // A scheduler run's summary is unchanged.
    expect(runSummary([], { trigger: 'schedule', sources })).toBe('nothing sent: no cadence ran');
  });

  it('redacts the userinfo of URLs, and only that', () => {
    expect(redactCredentials('https://u:p@example.org/a?b=c')).toBe('https://***@example.org/a?b=c');
    expect(redactCredentials('https://token@example.org/x: HTTP 500 (after 1 attempts)')).toBe('https://***@example.org/x: HTTP 500 (after 1 attempts)');
    expect(redactCredentials('https://example.org/daily?date={date}')).toBe('https://example.org/daily?date={date}');
    expect(redactCredentials(path.join('digests', 'a@b.txt'))).toBe(path.join('digests', 'a@b.txt'));
  });
});
