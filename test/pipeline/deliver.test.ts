/**
 * Delivery against a real SMTP server that refuses some recipients.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type TestSmtp, startSmtp } from '../helpers/smtp.js';
import { SEED, type Workspace, workspace } from '../helpers/workspace.js';

let smtp: TestSmtp | undefined;
let ws: Workspace;
afterEach(async () => {
  await smtp?.close();
  ws?.cleanup();
});

async function setUp(onRcpt: (a: string) => (Error & { responseCode?: number }) | undefined, emails: string[]) {
  smtp = await startSmtp({ onRcpt });
  ws = workspace({ SMTP_URL: smtp.url });
  await ws.cli(['ingest', SEED]);
  for (const e of emails) await ws.cli(['subscribers', 'add', e]);
}

const reply = (code: number, text: string) => Object.assign(new Error(text), { responseCode: code });

describe('delivery failures', () => {
  it('a 5xx for one recipient fails that delivery for good and suppresses the address', async () => {
    await setUp((a) => (a === 'gone@example.org' ? reply(550, 'No such user') : undefined), ['a@example.org', 'gone@example.org', 'b@example.org']);
    const r = await ws.cli(['send']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/2 sent, 1 failed/);
    expect(smtp!.received.map((m) => m.envelope.to[0]).sort()).toEqual(['a@example.org', 'b@example.org']);
    const list = JSON.parse((await ws.cli(['subscribers', 'list', '--json'])).stdout);
    expect(list.find((s: { email: string }) => s.email === 'gone@example.org').status).toBe('suppressed');
    const status = JSON.parse((await ws.cli(['status', '--json'])).stdout);
    expect(status.deliveries).toMatchObject({ sent: 2, failed: 1 });
    expect(status.lastErrors[0]).toMatchObject({ email: 'gone@example.org', error: expect.stringMatching(/550 No such user/) });
    expect((await ws.cli(['subscribers', 'add', 'gone@example.org'])).stderr).toMatch(/suppressed/);
  });

  it('a 4xx defers the delivery: the run exits 75, and the next run delivers it once', async () => {
    let refuse = true;
    await setUp((a) => (refuse && a === 'busy@example.org' ? reply(451, 'Try again later') : undefined), ['a@example.org', 'busy@example.org']);
    const first = await ws.cli(['send']);
    expect(first.code).toBe(75);
    expect(first.stdout).toMatch(/1 sent, 0 failed, 1 deferred/);
    expect(first.stderr).toMatch(/1 deliveries deferred; run `paperboy send` again/);
    refuse = false;
    const second = await ws.cli(['send']);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/Resumed issue #1 .*1 sent/);
    expect(smtp!.received.map((m) => m.envelope.to[0]).sort()).toEqual(['a@example.org', 'busy@example.org']);
  });

  it('a 421 pauses the run without marking anyone, and the next run finishes it without duplicates', async () => {
    let closing = true;
    await setUp((a) => (closing && a === 'c@example.org' ? reply(421, 'Service shutting down') : undefined), ['a@example.org', 'b@example.org', 'c@example.org', 'd@example.org']);
    const first = await ws.cli(['send']);
    expect(first.code).toBe(75);
    expect(first.stderr).toMatch(/paused: SMTP server closing the connection/);
    const status = JSON.parse((await ws.cli(['status', '--json'])).stdout);
    expect(status.deliveries.failed).toBe(0);
    expect(status.deliveries.sending).toBe(0);
    closing = false;
    const second = await ws.cli(['send']);
    expect(second.code).toBe(0);
    const to = smtp!.received.map((m) => m.envelope.to[0]).sort();
    expect(to).toEqual(['a@example.org', 'b@example.org', 'c@example.org', 'd@example.org']);
  });

  it('an unsubscribe before the run is honoured', async () => {
    await setUp(() => undefined, ['a@example.org', 'b@example.org']);
    await ws.cli(['subscribers', 'remove', 'b@example.org']);
    expect((await ws.cli(['send'])).stdout).toMatch(/1 sent/);
    expect(smtp!.received.map((m) => m.envelope.to[0])).toEqual(['a@example.org']);
  });
});

describe('an interrupted run', () => {
  it('sends again what was in flight when it stopped, and says so', async () => {
    await setUp(() => undefined, ['a@example.org', 'b@example.org', 'c@example.org']);
    // Build the issue and claim one delivery as a run would just before a crash.
    const { openSqlite } = await import('../../src/store/open.js');
    const { planNextIssue, isNoIssue } = await import('../../src/issue/builder.js');
    const store = await openSqlite(ws.dbFile);
    const planned = await planNextIssue(store, { frequency: 'daily', cap: 30, now: new Date(), issueDate: '2026-11-26', newsletterName: 'Paperboy' });
    if (isNoIssue(planned)) throw new Error('expected an issue');
    const issue = await store.createIssue(planned.plan);
    expect(await store.claimDeliveries(issue.id, 1, new Date().toISOString())).toHaveLength(1);
    await store.close();

    const r = await ws.cli(['send']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Resumed issue #1 .*3 sent, 0 failed, 1 resent after an interrupted run/);
    expect(r.stderr).toMatch(/1 messages were in flight when an earlier run stopped/);
    expect(smtp!.received).toHaveLength(3);
    expect((await ws.cli(['send'])).stdout).toMatch(/no new papers since issue #1/);
  });
});
