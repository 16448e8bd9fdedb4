/**
 * Several `paperboy worker` processes (the built executable) on one store share an issue
 * through the ledger: claims are atomic, so every reader gets exactly one message and nothing
 * is flagged as a possible duplicate. A claim held by a worker on another host is left alone
 * while its lease holds (no pid check is possible there), then taken, sent and flagged.
 *
 * The issue is written with DELIVER_AT (every reader waits for their local time), then falls
 * due while the workers start together: what a deployment with a scheduler and N workers does.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Child } from '../helpers/child.js';
import { eventually } from '../helpers/eventually.js';
import { requires } from '../helpers/requires.js';
import { type FaultySmtp, startFaultySmtp } from '../helpers/faulty-smtp.js';
import { type Workspace, workspace } from '../helpers/workspace.js';
import { fallDue, killAll, ledger, newsletter, readers, STORE_READ_INTERVAL_MS, states, stopGracefully, workers, writeWaitingIssue } from './newsletter.js';

const READERS = 2000;

let smtp: FaultySmtp | undefined;
let ws: Workspace | undefined;
let children: Child[] = [];
afterEach(async () => {
  await killAll(children);
  children = [];
  await smtp?.close();
  ws?.cleanup();
});

describe.skipIf(requires('build'))('several workers on one store', () => {
  it.each([2, 4])(
    '%i workers started together: every one of 2,000 readers gets exactly one message, nothing flagged',
    async (n) => {
      smtp = await startFaultySmtp({ delayMs: 1 });
      ws = workspace({ SMTP_URL: smtp.url, SMTP_POOL: '3' });
      const list = readers(READERS);
      await newsletter(ws, list);
      const issue = await writeWaitingIssue(ws, READERS);
      expect(smtp.total()).toBe(0);

      fallDue(ws, issue);
      children = workers(ws, n);
      await eventually(() => smtp!.accepted.size === READERS, { what: 'every reader to get the issue', timeoutMs: 60_000, intervalMs: 100 });
      await eventually(() => states(ws!, issue).sent === READERS, {
        what: 'the ledger to record every message',
        timeoutMs: 30_000,
        intervalMs: STORE_READ_INTERVAL_MS,
      });
      await stopGracefully(children);

      // Counted at the SMTP server: one RCPT and one message per reader, nobody else.
      expect([...smtp.accepted.keys()].sort()).toEqual(list);
      expect([...smtp.accepted.values()].every((c) => c === 1)).toBe(true);
      expect([...smtp.rcpt.values()].every((c) => c === 1)).toBe(true);
      expect(smtp.total()).toBe(READERS);
      // The ledger: all sent, one attempt each, none flagged; the issue is finished.
      expect(states(ws, issue)).toEqual({ sent: READERS });
      const rows = ledger(ws, issue);
      expect(rows.filter((r) => r.attempts !== 1 || r.maybe_duplicate !== 0)).toEqual([]);
      expect(ws.rows(`select status from issues where id = ?`, issue)).toEqual([{ status: 'sent' }]);
      // Each message carries the Message-ID the ledger recorded for its reader.
      const ids = new Map(
        ws
          .rows<{ email: string; message_id: string }>(`select s.email, d.message_id from deliveries d join subscribers s on s.id = d.subscriber_id`)
          .map((r) => [r.email, r.message_id]),
      );
      for (const [email, got] of smtp.messageIds) expect(got).toEqual([ids.get(email)]);
      // Who sent how much (informational: how the work was shared depends on start-up times).
      const shares = children.map((c) => /issue #\d+: (\d+) sent/.exec(c.stderr())?.[1] ?? '0');
      console.log(`${n} workers: messages sent per worker ${shares.join(', ')}`);
    },
    90_000,
  );

  it('rows leased by a worker on another host wait for its lease to run out, then are taken and flagged', async () => {
    smtp = await startFaultySmtp();
    ws = workspace({ SMTP_URL: smtp.url, SMTP_POOL: '3' });
    const list = readers(200);
    await newsletter(ws, list);
    const issue = await writeWaitingIssue(ws, list.length);
    fallDue(ws, issue);
    // A worker on another machine claimed 20 rows a moment ago and is still within its lease
    // (no pid check can say it is dead: it is not on this host).
    const held = list.slice(100, 120);
    const now = Date.now();
    ws.exec(
      `update deliveries set status = 'sending', attempts = 1, claimed_by = 'otherhost:123', lease_until = ?, first_attempt_at = ?
        where subscriber_id in (select id from subscribers where email >= ? and email <= ?)`,
      new Date(now + 3600_000).toISOString(),
      new Date(now).toISOString(),
      held[0],
      held.at(-1),
    );
    children = workers(ws, 1);
    await eventually(() => smtp!.accepted.size === 180, { what: 'the 180 unclaimed readers', timeoutMs: 60_000, intervalMs: 100 });
    await eventually(() => states(ws!, issue).sent === 180, { what: 'the ledger to record them', timeoutMs: 30_000, intervalMs: STORE_READ_INTERVAL_MS });
    expect(held.some((a) => smtp!.rcpt.has(a))).toBe(false);
    expect(states(ws, issue)).toEqual({ sent: 180, sending: 20 });
    expect(ws.rows(`select distinct claimed_by from deliveries where status = 'sending'`)).toEqual([{ claimed_by: 'otherhost:123' }]);

    // The other host stopped beating: its lease runs out.
    ws.exec(`update deliveries set lease_until = ? where claimed_by = 'otherhost:123'`, new Date(Date.now() - 1000).toISOString());
    await eventually(() => smtp!.accepted.size === 200, { what: 'the expired claims to be taken and sent', timeoutMs: 30_000, intervalMs: 100 });
    await eventually(() => states(ws!, issue).sent === 200, { what: 'the ledger to record them', timeoutMs: 30_000, intervalMs: STORE_READ_INTERVAL_MS });
    await stopGracefully(children);

    expect([...smtp.accepted.values()].every((c) => c === 1)).toBe(true);
    const rows = ledger(ws, issue);
    expect(rows.filter((r) => r.maybe_duplicate === 1).map((r) => r.email)).toEqual(held);
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    expect(ws.rows(`select status from issues where id = ?`, issue)).toEqual([{ status: 'sent' }]);
  }, 60_000);
});
