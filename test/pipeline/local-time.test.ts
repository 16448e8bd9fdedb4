/**
 * Delivery at the reader's local time (DELIVER_AT=08:00) with a fake clock: readers in Tokyo,
 * Paris, Los Angeles, UTC+12 and one without a zone (TZ=America/New_York) get one issue over the
 * day, each at 08:00 where they are, across the night the clocks change in America. `send` and
 * the worker run at successive fake times against a real SQLite file and a real SMTP server;
 * `status` counts who is still waiting; a greylisted delivery is retried as before.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { silentLog } from '../../src/log.js';
import type { DeliveryReport } from '../../src/pipeline/delivery-types.js';
import { Lock, runWorker } from '../../src/pipeline/worker.js';
import { eventually, sleep } from '../helpers/eventually.js';
import { type TestSmtp, reply, startSmtp } from '../helpers/smtp.js';
import { SEED, type Workspace, workspace } from '../helpers/workspace.js';

let smtp: TestSmtp | undefined;
let ws: Workspace | undefined;
afterEach(async () => {
  await smtp?.close();
  ws?.cleanup();
  smtp = ws = undefined;
});

const READERS: [string, string[]][] = [
  ['tokyo@example.org', ['--timezone', 'Asia/Tokyo']],
  ['paris@example.org', ['--timezone', 'europe/paris']],
  ['la@example.org', ['--timezone', 'America/Los_Angeles']],
  ['fiji@example.org', ['--timezone', 'Etc/GMT-12']], // UTC+12: 08:00 there when the issue is written
  ['newyork@example.org', []], // no zone: TZ
];

/** Each reader's ledger row of issue 1, read straight from the store. */
function ledger(w: Workspace): Record<string, { status: string; due: string | null; attempts: number }> {
  const rows = w.rows<{ email: string; status: string; due: string | null; attempts: number }>(
    `select s.email, d.status, d.next_attempt_at as due, d.attempts from deliveries d
     join subscribers s on s.id = d.subscriber_id where d.issue_id = 1 order by d.id`,
  );
  return Object.fromEntries(rows.map((r) => [r.email.split('@')[0]!, { status: r.status, due: r.due, attempts: r.attempts }]));
}

const delivered = () => smtp!.received.map((m) => m.envelope.to[0]!.split('@')[0]!);

/** Waits up to 5 s for `ok`, looking every 10 ms. */
const until = (what: string, ok: () => boolean) => eventually(ok, { what, timeoutMs: 5_000, intervalMs: 10 });

describe('DELIVER_AT: one issue over the day, 08:00 wherever each reader is', () => {
  it('writes each reader’s due time, sends each only when due (send, then the worker), and status counts the waiting', async () => {
    let clock = Date.parse('2026-03-07T20:00:00Z'); // Saturday; America springs forward overnight
    smtp = await startSmtp({ onRcpt: (a, n) => (a === 'paris@example.org' && n === 1 ? reply(451, '4.7.1 Greylisted, try again later') : undefined) });
    ws = workspace({ SMTP_URL: smtp.url, DELIVER_AT: '08:00', TZ: 'America/New_York' }, () => new Date(clock));
    await ws.cli(['ingest', SEED]);
    for (const [email, opts] of READERS) expect((await ws.cli(['subscribers', 'add', email, ...opts])).code).toBe(0);

    const first = await ws.cli(['send']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Sent issue #1 \(daily\) "[^"]+": 1 sent, 0 failed, 4 deliveries wait for their local time, the next at 2026-03-07 23:00 UTC via /);
    expect(delivered()).toEqual(['fiji']);
    expect(ledger(ws)).toEqual({
      fiji: { status: 'sent', due: null, attempts: 1 },
      tokyo: { status: 'pending', due: '2026-03-07T23:00:00.000Z', attempts: 0 }, // 08:00 JST on Sunday
      paris: { status: 'pending', due: '2026-03-08T07:00:00.000Z', attempts: 0 }, // 08:00 CET
      newyork: { status: 'pending', due: '2026-03-08T12:00:00.000Z', attempts: 0 }, // 08:00 EDT, not EST: DST began at 02:00
      la: { status: 'pending', due: '2026-03-08T15:00:00.000Z', attempts: 0 }, // 08:00 PDT, not PST
    });
    let status = JSON.parse((await ws.cli(['status', '--json'])).stdout);
    expect(status.waitingForLocalTime).toEqual({ count: 4, next: '2026-03-07T23:00:00.000Z' });
    expect(status.lastIssues[0]).toMatchObject({ id: 1, status: 'sending', deliveries: { sent: 1, pending: 4 } });
    expect((await ws.cli(['status'])).stdout).toContain('  4 waiting for their local time, the next at 2026-03-07 23:00 UTC\n');

    // A minute before Tokyo's 08:00: nothing is due, nothing goes, and it is not a retry.
    clock = Date.parse('2026-03-07T22:59:00Z');
    const early = await ws.cli(['send']);
    expect(early.stdout).toContain('Issue #1 (daily): 4 deliveries wait for their local time, the next at 2026-03-07 23:00 UTC\n');
    expect(early.stdout).not.toContain('retried');
    expect(delivered()).toEqual(['fiji']);

    clock = Date.parse('2026-03-07T23:00:00Z');
    expect((await ws.cli(['send'])).stdout).toMatch(
      /Resumed issue #1 .*: 1 sent, 0 failed, 3 deliveries wait for their local time, the next at 2026-03-08 07:00 UTC via /,
    );
    expect(delivered()).toEqual(['fiji', 'tokyo']);

    // Paris at 08:00 CET: greylisted, so deferred on the retry schedule; the others still wait.
    clock = Date.parse('2026-03-08T07:00:00Z');
    const paris = await ws.cli(['send']);
    expect(paris.code).toBe(0);
    expect(paris.stdout).toMatch(
      /: 0 sent, 0 failed, 1 deferred \(next attempt 2026-03-08 07:0[56] UTC\), 2 deliveries wait for their local time, the next at 2026-03-08 12:00 UTC via /,
    );
    expect(ledger(ws).paris).toMatchObject({ status: 'pending', attempts: 1 });
    status = JSON.parse((await ws.cli(['status', '--json'])).stdout);
    expect(status.waitingForLocalTime).toEqual({ count: 2, next: '2026-03-08T12:00:00.000Z' });

    // The rest of the day is the worker's: it wakes up for each reader's 08:00, not before.
    const app = await createApp(loadConfig(ws.env, ws.dir), silentLog, { now: () => new Date(clock) });
    const mailer = app.mailer();
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const reports: DeliveryReport[] = [];
    const worker = runWorker(app.sendDeps(mailer), { stopped, idleMs: 10, lock: new Lock(), onReport: (r) => reports.push(r) });
    try {
      clock = Date.parse('2026-03-08T07:10:00Z'); // the retry is due
      await until('the retry to Paris', () => delivered().includes('paris'));
      clock = Date.parse('2026-03-08T11:59:00Z');
      await sleep(150);
      expect(delivered()).toEqual(['fiji', 'tokyo', 'paris']);
      expect((await app.store.status(5)).waitingForLocalTime).toEqual({ count: 2, next: '2026-03-08T12:00:00.000Z' });
      clock = Date.parse('2026-03-08T12:00:00Z');
      await until('New York', () => delivered().includes('newyork'));
      expect((await app.store.getIssue(1))!.status).toBe('sending');
      clock = Date.parse('2026-03-08T14:59:59Z');
      await sleep(150);
      expect(delivered()).not.toContain('la');
      clock = Date.parse('2026-03-08T15:00:00Z');
      await until('Los Angeles', () => delivered().includes('la'));
    } finally {
      stop();
      await worker;
      await mailer.close();
    }
    expect(reports.find((r) => r.sent === 1 && r.waitingForLocalTime === 1)).toMatchObject({ nextLocalTime: '2026-03-08T15:00:00.000Z' });
    expect(await app.store.getIssue(1)).toMatchObject({ status: 'sent' });
    expect((await app.store.status(5)).waitingForLocalTime).toEqual({ count: 0, next: null });
    await app.close();
    expect(delivered()).toEqual(['fiji', 'tokyo', 'paris', 'newyork', 'la']);
    expect(smtp.rcpt.get('paris@example.org')).toBe(2);
    expect(Object.values(ledger(ws)).map((r) => r.status)).toEqual(['sent', 'sent', 'sent', 'sent', 'sent']);
  });

  it('without DELIVER_AT, everyone gets the issue at once, as before (no due time written)', async () => {
    const clock = Date.parse('2026-03-07T20:00:00Z');
    smtp = await startSmtp();
    ws = workspace({ SMTP_URL: smtp.url, TZ: 'America/New_York' }, () => new Date(clock));
    await ws.cli(['ingest', SEED]);
    for (const [email, opts] of READERS) await ws.cli(['subscribers', 'add', email, ...opts]);
    expect((await ws.cli(['send'])).stdout).toMatch(/: 5 sent, 0 failed via /);
    expect(Object.values(ledger(ws))).toEqual(Array(5).fill({ status: 'sent', due: null, attempts: 1 }));
    expect(JSON.parse((await ws.cli(['status', '--json'])).stdout).waitingForLocalTime).toEqual({ count: 0, next: null });
  });
});
