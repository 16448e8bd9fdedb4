/**
 * "Say why nothing went out": every scheduler run is recorded (what each source gave, the issue
 * built per cadence or why not), each source's health is kept, and `paperboy status` (text and
 * --json) tells the operator, in each case: no new papers, no subscribers, every source failed,
 * a paused issue. Real SQLite stores, a local HTTP server for the dead source, an in-process
 * SMTP server; only the clock is fixed.
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { silentLog } from '../../src/log.js';
import { runTick } from '../../src/schedule/scheduler.js';
import { openStore } from '../../src/store/open.js';
import { KEEP_RUNS } from '../../src/store/runs.js';
import { type TestHttp, startHttp } from '../helpers/http.js';
import { reply, startSmtp } from '../helpers/smtp.js';
import { tempStore } from '../helpers/store.js';
import { SEED, type Workspace, workspace } from '../helpers/workspace.js';

let http: TestHttp;
let ws: Workspace;
beforeAll(async () => {
  http = await startHttp({
    '/dead': (_req, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end('boom'),
    '/seed.txt': (_req, res) => res.writeHead(200, { 'content-type': 'text/plain' }).end(readFileSync(SEED)),
  });
});
afterAll(() => http.close());
afterEach(() => ws?.cleanup());

/** A clock that a test moves: each run a day later, at 08:00 UTC. */
function dayClock(start = '2026-03-17T08:00:00Z') {
  let t = Date.parse(start);
  return { now: () => new Date(t), nextDay: () => void (t += 24 * 3600_000) };
}

async function withApp<T>(env: Record<string, string>, now: () => Date, fn: (app: App) => Promise<T>): Promise<T> {
  const app = await createApp(loadConfig({ ...ws.env, ...env }, ws.dir), silentLog, { now });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

const status = async () => {
  const text = await ws.cli(['status']);
  const json = await ws.cli(['status', '--json']);
  expect(text.code).toBe(0);
  expect(json.code).toBe(0);
  return { text: text.stdout, json: JSON.parse(json.stdout) };
};

describe('a scheduler run is recorded', () => {
  it("a tick over two sources, one dead, records what each gave and each source's health", async () => {
    const clock = dayClock();
    const dead = http.url('/dead');
    ws = workspace({ DIGEST_SOURCE: `${dead},${SEED}`, FETCH_RETRIES: '0' }, clock.now);
    await ws.cli(['subscribers', 'add', 'ada@example.org']);
    await withApp({}, clock.now, (app) => runTick(app));

    const store = await openStore(ws.databaseUrl);
    try {
      const [run] = await store.recentRuns(5);
      expect(run).toMatchObject({ trigger: 'schedule', startedAt: '2026-03-17T08:00:00.000Z', finishedAt: '2026-03-17T08:00:00.000Z' });
      expect(run!.sources).toEqual([
        { source: dead, status: 'failed', added: 0, updated: 0, unchanged: 0, error: expect.stringMatching(/500/) },
        { source: SEED, status: 'ingested', added: 77, updated: 0, unchanged: 0, error: null },
      ]);
      expect(run!.issues[0]).toMatchObject({ frequency: 'daily', reason: null, issue: { id: 1, sent: 1, failed: 0, resumed: false, paused: null } });
      expect(run!.summary).toBe('sent issue #1 (daily) to 1');
      const health = await store.sourceHealth();
      expect(health).toContainEqual({
        source: dead,
        lastSuccessAt: null,
        lastFailureAt: '2026-03-17T08:00:00.000Z',
        lastError: expect.stringMatching(/500/),
        consecutiveFailures: 1,
        failingSince: '2026-03-17T08:00:00.000Z',
      });
      expect(health).toContainEqual({
        source: SEED,
        lastSuccessAt: '2026-03-17T08:00:00.000Z',
        lastFailureAt: null,
        lastError: null,
        consecutiveFailures: 0,
        failingSince: null,
      });
    } finally {
      await store.close();
    }

    clock.nextDay();
    await withApp({}, clock.now, (app) => runTick(app));
    const s = await status();
    expect(s.json.lastRun.sources.map((x: { status: string }) => x.status)).toEqual(['failed', 'ingested']);
    expect(s.json.lastRun.sources[1]).toMatchObject({ unchanged: 77, added: 0 });
    expect(s.json.lastRun.issues[0]).toMatchObject({ frequency: 'daily', issue: null, reason: 'no-new-papers' });
    expect(s.json.sources).toEqual([
      expect.objectContaining({ source: dead, state: 'failing', consecutiveFailures: 2, failingSince: '2026-03-17T08:00:00.000Z' }),
      expect.objectContaining({ source: SEED, state: 'ok', consecutiveFailures: 0, lastSuccessAt: '2026-03-18T08:00:00.000Z' }),
    ]);
    expect(s.json.nextRun).toEqual({ at: '2026-03-19T08:00:00.000Z', local: '2026-03-19 08:00', timezone: 'UTC' });
    expect(s.text).toMatch(
      /^Last run: 2026-03-18 08:00 UTC \(schedule, took 0\.0 s\): nothing sent: daily: no new papers since issue #1 \(2026-03-17 08:00 UTC\); nothing sent \(1 of 2 sources failed\)$/m,
    );
    expect(s.text).toMatch(new RegExp(`^  ingested ${escape(dead)}: failed: .*500`, 'm'));
    expect(s.text).toMatch(/^ {2}ingested .*trending-papers\.txt: 0 new, 0 updated, 77 unchanged$/m);
    expect(s.text).toMatch(/^Next run: 2026-03-19 08:00 UTC \(SCHEDULE "0 8 \* \* \*"\)$/m);
    expect(s.text).toMatch(new RegExp(`^  ${escape(dead)}: failing \\(2 runs in a row, since 2026-03-17 08:00 UTC; never succeeded\\): .*500`, 'm'));
    expect(s.text).toMatch(/^ {2}\S*trending-papers\.txt: ok \(last success 2026-03-18 08:00 UTC\)$/m);
    // What status showed before is still there.
    expect(s.text).toMatch(/^Papers: 77/m);
    expect(s.text).toMatch(/^Subscribers: 1 active$/m);
    expect(s.text).toMatch(/^Deliveries: 1 sent$/m);
    expect(s.text).toMatch(/^ {2}#1 daily 2026-03-17 08:00 sent: 30 papers; 1 sent$/m);
    expect(s.json.papers.total).toBe(77);
    expect(s.json.lastIssues).toHaveLength(1);
  });

  it('status before any run says so, and gives the next run in TZ and UTC', async () => {
    const clock = dayClock('2026-03-17T12:00:00Z');
    ws = workspace({ TZ: 'Europe/Paris' }, clock.now);
    const s = await status();
    expect(s.json.lastRun).toBeNull();
    expect(s.json.nextRun).toEqual({ at: '2026-03-18T07:00:00.000Z', local: '2026-03-18 08:00', timezone: 'Europe/Paris' });
    expect(s.text).toMatch(/^Last run: none yet/m);
    expect(s.text).toMatch(/^Next run: 2026-03-18 08:00 Europe\/Paris \(07:00 UTC\) \(SCHEDULE "0 8 \* \* \*"\)$/m);
    expect(s.json.sources).toEqual([expect.objectContaining({ source: ws.env.DIGEST_SOURCE, state: 'not-run' })]);
    expect(s.text).toMatch(/trending-papers\.txt: not run yet$/m);
    expect(s.json.alerts).toEqual({ email: false, afterFailures: 3, open: [] });
  });
});

describe('status says why nothing went out', () => {
  it('no new papers', async () => {
    const clock = dayClock();
    ws = workspace({}, clock.now);
    await ws.cli(['subscribers', 'add', 'ada@example.org']);
    await withApp({}, clock.now, (app) => runTick(app));
    clock.nextDay();
    await withApp({}, clock.now, (app) => runTick(app));
    const s = await status();
    expect(s.json.lastRun.summary).toBe('nothing sent: daily: no new papers since issue #1 (2026-03-17 08:00 UTC); nothing sent');
    expect(s.json.lastRun.issues).toEqual([
      { frequency: 'daily', issue: null, reason: 'no-new-papers', note: 'daily: no new papers since issue #1 (2026-03-17 08:00 UTC); nothing sent' },
      { frequency: 'weekly', issue: null, reason: 'not-due', note: 'weekly: not due (goes out on monday)' },
    ]);
    expect(s.text).toMatch(/^Last run: .*: nothing sent: daily: no new papers since issue #1/m);
  });

  it('no subscribers', async () => {
    const clock = dayClock('2026-03-16T08:00:00Z'); // a Monday: the weekly cadence is due too
    ws = workspace({}, clock.now);
    await withApp({}, clock.now, (app) => runTick(app));
    const s = await status();
    expect(s.json.lastRun.issues.map((i: { reason: string }) => i.reason)).toEqual(['no-subscribers', 'no-subscribers']);
    expect(s.json.lastRun.summary).toBe('nothing sent: daily: no active subscribers; nothing sent; weekly: no active subscribers; nothing sent');
    expect(s.text).toMatch(/^Last run: .*: nothing sent: daily: no active subscribers/m);
  });

  it('every source failed', async () => {
    const clock = dayClock();
    ws = workspace({ DIGEST_SOURCE: http.url('/dead'), FETCH_RETRIES: '0' }, clock.now);
    await ws.cli(['subscribers', 'add', 'ada@example.org']);
    await withApp({}, clock.now, (app) => runTick(app));
    const s = await status();
    expect(s.json.lastRun.issues[0]).toMatchObject({ frequency: 'daily', issue: null, reason: 'sources-failed' });
    expect(s.json.lastRun.summary).toBe('nothing sent: daily: no new papers: the source failed; nothing sent');
    expect(s.text).toMatch(/^Last run: .*: nothing sent: daily: no new papers: the source failed; nothing sent$/m);
    expect(s.text).toMatch(/^ {2}ingested http:\/\/127\.0\.0\.1:\d+\/dead: failed: .*500/m);
  });

  it('a paused issue (the SMTP server closes on us) and the cadences it kept from running', async () => {
    const clock = dayClock('2026-03-16T08:00:00Z'); // Monday: weekly is due, but daily pauses first
    const smtp = await startSmtp({ auth: { user: 'paperboy', pass: 's3cret-pass' }, onRcpt: () => reply(421, '4.3.2 Service shutting down, try later') });
    try {
      ws = workspace({ SMTP_URL: smtp.url }, clock.now);
      await ws.cli(['subscribers', 'add', 'ada@example.org']);
      await ws.cli(['subscribers', 'add', 'bob@example.org', '--frequency', 'weekly']);
      await withApp({}, clock.now, (app) => runTick(app));
      const s = await status();
      expect(s.json.lastRun.issues).toEqual([
        {
          frequency: 'daily',
          issue: expect.objectContaining({ id: 1, sent: 0, paused: expect.stringMatching(/421/) }),
          reason: 'paused',
          note: expect.stringMatching(/^daily: issue #1 paused \(0 sent, 1 waiting\): SMTP server closing the connection: 421 /),
        },
        { frequency: 'weekly', issue: null, reason: 'paused', note: 'weekly: not tried: issue #1 paused' },
      ]);
      expect(s.text).toMatch(/^Last run: .*: nothing sent: daily: issue #1 paused \(0 sent, 1 waiting\): .*421.*; weekly: not tried: issue #1 paused$/m);
      expect(s.json.lastRun.summary).toMatch(/^nothing sent: daily: issue #1 paused/);
      expect(s.text).toMatch(/^ {2}#1 daily .* paused: /m);
      expect(s.text + JSON.stringify(s.json)).not.toContain('s3cret-pass');
    } finally {
      await smtp.close();
    }
  });
});

describe('reasons from the issue lock', () => {
  it("a cadence another process holds the lock of is recorded with the lock's own message", async () => {
    const { runIssues } = await import('../../src/pipeline/run-record.js');
    const { runSummary } = await import('../../src/pipeline/describe-run.js');
    const message = 'the issue lock is held by host:42 (send) since 2026-03-17 08:00:01 UTC; gave up waiting, the next tick will try again';
    const issues = runIssues([{ kind: 'nothing', frequency: 'daily', why: { reason: 'locked', message } }], {
      sources: [{ source: 'a', status: 'ingested', added: 3, updated: 0, unchanged: 0, error: null }],
      resumeOnly: false,
      via: 'outbox',
      weeklyDay: 'monday',
    });
    expect(issues).toEqual([
      { frequency: 'daily', issue: null, reason: 'locked', note: `daily: ${message}; nothing sent` },
      { frequency: 'weekly', issue: null, reason: 'not-due', note: 'weekly: not due (goes out on monday)' },
    ]);
    expect(runSummary(issues)).toBe(`nothing sent: daily: ${message}; nothing sent`);
  });
});

describe('the run log', () => {
  it(`keeps the last ${KEEP_RUNS} runs (here 3) and shows a run that never finished as such`, async () => {
    const t = await tempStore();
    try {
      for (let i = 0; i < 5; i++) {
        const id = await t.store.startRun('schedule', `2026-03-1${i}T08:00:00.000Z`);
        await t.store.finishRun(id, { finishedAt: `2026-03-1${i}T08:00:01.000Z`, sources: [], issues: [], summary: `run ${i}` }, 3);
      }
      expect((await t.store.recentRuns(10)).map((r) => r.summary)).toEqual(['run 4', 'run 3', 'run 2']);
      await t.store.startRun('start-up', '2026-03-20T08:00:00.000Z');
      const { describeRun } = await import('../../src/pipeline/describe-run.js');
      const [open] = await t.store.recentRuns(1);
      expect(describeRun(open!)).toEqual(['Last run: 2026-03-20 08:00 UTC (start-up, not finished): running, or stopped before it finished']);
    } finally {
      await t.cleanup();
    }
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
