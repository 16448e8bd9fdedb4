/**
 * The sending engine against real SMTP servers that inject faults: 4xx for some recipients,
 * 5xx for others, a connection dropped in the middle of DATA, 421, many errors in a row, an
 * unsubscribe mid-run. Only the clock is fake: retries are due when the ledger says so.
 */
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { isNoIssue, planNextIssue } from '../../src/issue/builder.js';
import { openStore } from '../../src/store/open.js';
import { type SmtpFaults, type TestSmtp, reply, startSmtp } from '../helpers/smtp.js';
import { NEXT_DAY, SEED, type Workspace, workspace } from '../helpers/workspace.js';

let smtp: TestSmtp | undefined;
let ws: Workspace;
afterEach(async () => {
  await smtp?.close();
  ws?.cleanup();
});

const T0 = Date.parse('2026-01-05T08:00:00Z');
let clock = T0;
const at = (minutes: number) => {
  clock = T0 + minutes * 60_000;
};
const emails = (n: number) => Array.from({ length: n }, (_, i) => `reader${String(i).padStart(3, '0')}@example.org`);

async function setUp(faults: SmtpFaults, subscribers: string[], env: Record<string, string> = {}) {
  clock = T0;
  smtp = await startSmtp(faults);
  ws = workspace({ SMTP_URL: smtp.url, ...env }, () => new Date(clock));
  await ws.cli(['ingest', SEED]);
  const csv = `email\n${subscribers.join('\n')}\n`;
  const { writeFileSync } = await import('node:fs');
  writeFileSync(`${ws.dir}/subs.csv`, csv);
  expect((await ws.cli(['subscribers', 'import', `${ws.dir}/subs.csv`])).code).toBe(0);
}

const receivedBy = () => smtp!.received.map((m) => m.envelope.to[0]!);
const status = async () => JSON.parse((await ws.cli(['status', '--json'])).stdout);

describe('4xx: retried on the schedule, never before its time', () => {
  it('delivers everyone in the end when 10% get 451 twice', async () => {
    const list = emails(40);
    const busy = new Set(list.filter((_, i) => i % 10 === 3));
    await setUp({ onRcpt: (a, n) => (busy.has(a) && n <= 2 ? reply(451, '4.7.1 Greylisted, please retry') : undefined) }, list);

    const first = await ws.cli(['send']);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/36 sent, 0 failed, 4 deferred \(next attempt 2026-01-05 08:0\d UTC\)/);
    for (const a of busy) expect(smtp!.rcpt.get(a)).toBe(1);

    at(4); // before the 5-minute retry: nothing is tried
    await ws.cli(['send']);
    for (const a of busy) expect(smtp!.rcpt.get(a)).toBe(1);

    at(7); // second attempt, 451 again: next one 15 minutes on
    expect((await ws.cli(['send'])).stdout).toMatch(/Resumed issue #1 .*0 sent, 0 failed, 4 deferred/);
    for (const a of busy) expect(smtp!.rcpt.get(a)).toBe(2);

    at(20);
    await ws.cli(['send']);
    for (const a of busy) expect(smtp!.rcpt.get(a)).toBe(2);

    at(26);
    expect((await ws.cli(['send'])).stdout).toMatch(/Resumed issue #1 .*4 sent, 0 failed/);
    expect(receivedBy().sort()).toEqual([...list].sort());
    const s = await status();
    expect(s.deliveries).toMatchObject({ sent: 40, pending: 0, sending: 0, failed: 0 });
    expect(s.lastIssues[0].status).toBe('sent');
  });

  it('honours "try again in N seconds" from the server', async () => {
    const list = emails(3);
    await setUp({ onRcpt: (a, n) => (a === list[1] && n === 1 ? reply(450, 'Mailbox busy, try again in 30 seconds') : undefined) }, list);
    expect((await ws.cli(['send'])).stdout).toMatch(/2 sent, 0 failed, 1 deferred \(next attempt 2026-01-05 08:00 UTC\)/);
    clock = T0 + 29_000;
    await ws.cli(['send']);
    expect(smtp!.rcpt.get(list[1]!)).toBe(1);
    clock = T0 + 31_000;
    await ws.cli(['send']);
    expect(receivedBy().sort()).toEqual(list);
  });

  it('gives up after 48 hours of 4xx: failed, not suppressed', async () => {
    const list = emails(2);
    await setUp({ onRcpt: (a) => (a === list[0] ? reply(452, 'Mailbox full') : undefined) }, list);
    // Follow the schedule the run reports: each time, come back when the next attempt is due.
    let out = (await ws.cli(['send'])).stdout;
    for (let i = 0; i < 30; i++) {
      const next = /next attempt (\d{4}-\d\d-\d\d \d\d:\d\d) UTC/.exec(out);
      if (!next) break;
      clock = Date.parse(`${next[1]!.replace(' ', 'T')}:00Z`) + 60_000;
      out = (await ws.cli(['send'])).stdout;
    }
    // 5 min, 15, 30, 1 h, 2 h, then every 4 h (plus up to 20% jitter), and a last try at 48 h.
    expect(smtp!.rcpt.get(list[0]!)).toBeGreaterThanOrEqual(15);
    expect(smtp!.rcpt.get(list[0]!)).toBeLessThanOrEqual(18);
    expect(clock - T0).toBeGreaterThanOrEqual(48 * 3600_000);
    const s = await status();
    expect(s.deliveries).toMatchObject({ sent: 1, failed: 1, pending: 0 });
    expect(s.lastErrors[0]).toMatchObject({ email: list[0], error: expect.stringMatching(/^gave up after 48 h: 452 Mailbox full/) });
    expect(s.subscribers.active).toBe(2);
  });
});

describe('5xx: failed for good, address suppressed', () => {
  it('tries each of 5% bad addresses once, suppresses them, and skips them in the next issue', async () => {
    const list = emails(40);
    const gone = new Set([list[7]!, list[30]!]);
    await setUp({ onRcpt: (a) => (gone.has(a) ? reply(550, '5.1.1 No such user') : undefined) }, list);
    expect((await ws.cli(['send'])).stdout).toMatch(/38 sent, 2 failed/);
    for (const a of gone) expect(smtp!.rcpt.get(a)).toBe(1);
    const subs = JSON.parse((await ws.cli(['subscribers', 'list', '--json'])).stdout) as { email: string; status: string }[];
    expect(
      subs
        .filter((s) => s.status === 'suppressed')
        .map((s) => s.email)
        .sort(),
    ).toEqual([...gone].sort());

    at(60 * 24);
    await ws.cli(['ingest', NEXT_DAY]);
    expect((await ws.cli(['send'])).stdout).toMatch(/Sent issue #2 .*38 sent, 0 failed/);
    for (const a of gone) expect(smtp!.rcpt.get(a)).toBe(1);
  });
});

describe('a connection dropped in the middle of DATA', () => {
  it('is retried, and the message arrives once', async () => {
    const list = emails(6);
    await setUp({ dropDuringData: (a, n) => a === list[2] && n === 1 }, list);
    expect((await ws.cli(['send'])).stdout).toMatch(/5 sent, 0 failed, 1 deferred/);
    at(7);
    expect((await ws.cli(['send'])).stdout).toMatch(/1 sent/);
    expect(receivedBy().filter((a) => a === list[2])).toHaveLength(1);
    expect(receivedBy().sort()).toEqual(list);
  });
});

describe('pausing', () => {
  it('421 pauses the run without marking anyone; the next run finishes it without duplicates', async () => {
    let closing = true;
    const list = emails(12);
    await setUp({ onRcpt: (a) => (closing && a === list[5] ? reply(421, '4.3.2 Service shutting down') : undefined) }, list);
    const first = await ws.cli(['send']);
    expect(first.code).toBe(75);
    expect(first.stderr).toMatch(/paused: SMTP server closing the connection/);
    const s = await status();
    expect(s.deliveries.failed).toBe(0);
    expect(s.deliveries.sending).toBe(0);
    expect(s.lastIssues[0].status).toBe('paused');
    closing = false;
    const second = await ws.cli(['send']);
    expect(second.code).toBe(0);
    expect(receivedBy().sort()).toEqual(list);
  });

  it('pauses after MAX_SEND_ERRORS failures in a row, with a clear message', async () => {
    const list = emails(30);
    await setUp({ onRcpt: () => reply(450, 'Mailbox unavailable') }, list, { MAX_SEND_ERRORS: '5', SMTP_POOL: '1' });
    const r = await ws.cli(['send']);
    expect(r.code).toBe(75);
    expect(r.stderr).toMatch(/paused: 5 failed sends in a row \(last: 450 Mailbox unavailable\); run `paperboy send` again to resume/);
    const s = await status();
    expect(s.deliveries.pending).toBe(30);
  });
});

describe('unsubscribes during a run', () => {
  it('are honoured for every message not yet claimed', async () => {
    const list = emails(200);
    const late = new Set(list.slice(120));
    let unsubscribed = false;
    await setUp(
      {
        dataDelayMs: 2,
        parse: false,
        onMessage: () => {
          if (unsubscribed || smtp!.received.length < 40) return;
          unsubscribed = true;
          ws.exec(`update subscribers set status = 'unsubscribed' where email in (${[...late].map(() => '?').join(',')})`, ...late);
        },
      },
      list,
    );
    await ws.cli(['send']);
    expect(unsubscribed).toBe(true);
    expect(receivedBy().filter((a) => late.has(a))).toEqual([]);
    expect((await status()).deliveries).toMatchObject({ sent: 120, skipped: 80 });
  });
});

/** Builds the issue and claims one delivery for `worker` with a lease of `leaseMs`, as a run would just before stopping. */
async function claimOneAs(worker: string, leaseMs: number): Promise<void> {
  const store = await openStore(ws.databaseUrl);
  const planned = await planNextIssue(store, { frequency: 'daily', cap: 30, now: new Date(T0), issueDate: '2026-01-05', newsletterName: 'Paperboy' });
  if (isNoIssue(planned)) throw new Error('expected an issue');
  const issue = await store.createIssue(planned.plan);
  const claim = { limit: 1, now: new Date(T0).toISOString(), leaseUntil: new Date(T0 + leaseMs).toISOString(), worker };
  expect(await store.claimDeliveries(issue.id, claim)).toHaveLength(1);
  await store.close();
}

describe('an interrupted run', () => {
  it('sends again what a dead process had in flight, and flags it', async () => {
    await setUp({}, emails(3));
    // Claimed by a process that cannot exist (pid above Linux's largest pid_max), with a long lease.
    await claimOneAs(`${hostname()}:4194305`, 3600_000);

    const r = await ws.cli(['send']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Resumed issue #1 .*3 sent, 0 failed, 1 resent after an interrupted run \(possible duplicates\)/);
    expect(r.stderr).toMatch(/1 messages were in flight when an earlier run stopped/);
    expect(smtp!.received).toHaveLength(3);
    expect((await status()).possibleDuplicates).toBe(1);
  });

  it('leaves the rows of a live worker alone until its lease runs out', async () => {
    await setUp({}, emails(2));
    // This test process is alive: its claim stands.
    await claimOneAs(`${hostname()}:${process.pid}`, 600_000);
    expect((await ws.cli(['send'])).stdout).toMatch(/1 sent/);
    at(11);
    expect((await ws.cli(['send'])).stdout).toMatch(/1 sent, 0 failed, 1 resent after an interrupted run/);
    expect(smtp!.received).toHaveLength(2);
  });
});
