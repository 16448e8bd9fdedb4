/**
 * `kill -9` of a `paperboy worker` (the built executable) at ten points of one send, chosen by a
 * seeded PRNG (the same points on every run), each time replaced by a new worker: every reader
 * gets the issue; a reader gets a second copy only if its row was in flight (claimed by the
 * killed worker, `sending`) at a kill, at most once more per such kill; every reader who got a
 * second copy is flagged maybe_duplicate, and only rows that were in flight are flagged.
 */
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { type Child, paperboy } from '../helpers/child.js';
import { eventually } from '../helpers/eventually.js';
import { requires } from '../helpers/requires.js';
import { type FaultySmtp, startFaultySmtp } from '../helpers/faulty-smtp.js';
import { type Workspace, workspace } from '../helpers/workspace.js';
import { fallDue, killAll, ledger, newsletter, readers, STORE_READ_INTERVAL_MS, states, stopGracefully, writeWaitingIssue } from './newsletter.js';

const READERS = 300;
const POOL = 5;
const BATCH = POOL * 4; // rows per claim
/** What one worker can hold at once: the batch being sent and the next one, claimed while its last messages are in flight. */
const HELD = BATCH * 2;
const SEED = 0x5eed_2026;

/** mulberry32: a small seeded PRNG, so that the kill points are the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Ten kill points (messages accepted so far), one in each tenth of the send: from the start to the last batch. */
function killPoints(seed: number, n = 10): number[] {
  const rnd = prng(seed);
  const span = READERS / n;
  return Array.from({ length: n }, (_, i) => Math.max(1, Math.floor((i + rnd()) * span)));
}

let smtp: FaultySmtp | undefined;
let ws: Workspace | undefined;
let children: Child[] = [];
afterEach(async () => {
  await killAll(children);
  children = [];
  await smtp?.close();
  ws?.cleanup();
});

describe.skipIf(requires('build'))('kill -9 of a worker at ten seeded points', () => {
  it('the points are deterministic', () => {
    expect(killPoints(SEED)).toEqual(killPoints(SEED));
    const points = killPoints(SEED);
    expect(points.every((p, i) => p >= i * 30 && p < (i + 1) * 30 + 1)).toBe(true);
  });

  it('each replacement worker finishes the send: everyone gets it, duplicates only from rows in flight, all flagged', async () => {
    const points = killPoints(SEED);
    let current: Child | undefined;
    let next = 0;
    let armed = false; // the current worker is alive and not yet killed
    let killedAt: (() => void) | undefined;
    smtp = await startFaultySmtp({
      delayMs: 2,
      onAccept: (_to, total) => {
        if (armed && next < points.length && total >= points[next]!) {
          armed = false;
          current!.process.kill('SIGKILL');
          next++;
          killedAt?.();
        }
      },
    });
    ws = workspace({ SMTP_URL: smtp.url, SMTP_POOL: String(POOL) });
    const list = readers(READERS);
    await newsletter(ws, list);
    const issue = await writeWaitingIssue(ws, READERS);
    fallDue(ws, issue);

    /** Per kill: the rows the killed worker held in flight. */
    const inFlight: Set<string>[] = [];
    const heldBy = (pid: number) =>
      new Set(
        ws!
          .rows<{ email: string }>(
            `select s.email from deliveries d join subscribers s on s.id = d.subscriber_id where d.status = 'sending' and d.claimed_by = ?`,
            `${hostname()}:${pid}`,
          )
          .map((r) => r.email),
      );
    for (let kill = 0; kill < points.length; kill++) {
      const killed = new Promise<void>((r) => (killedAt = r));
      current = paperboy(ws, ['worker']);
      children.push(current);
      armed = true;
      await Promise.race([killed, current.exited.then((code) => Promise.reject(new Error(`worker exited with ${code}: ${current!.stderr()}`)))]);
      expect(await current.exited).toBe('SIGKILL');
      // Reaped: the next worker's pid check sees a dead process and takes its rows back at once.
      const held = heldBy(current.pid);
      expect(held.size).toBeLessThanOrEqual(HELD);
      inFlight.push(held);
    }
    expect(next).toBe(points.length);

    // The last replacement finishes the issue.
    current = paperboy(ws, ['worker']);
    children.push(current);
    await eventually(() => smtp!.accepted.size === READERS, { what: 'every reader to get the issue', timeoutMs: 60_000, intervalMs: 100 });
    await eventually(() => states(ws!, issue).sent === READERS, {
      what: 'the ledger to record every message',
      timeoutMs: 30_000,
      intervalMs: STORE_READ_INTERVAL_MS,
    });
    await stopGracefully([current]);

    const rows = ledger(ws, issue);
    expect(rows.map((r) => r.email)).toEqual(list);
    expect(rows.every((r) => r.status === 'sent')).toBe(true);
    expect(ws.rows(`select status from issues where id = ?`, issue)).toEqual([{ status: 'sent' }]);

    const flagged = new Set(rows.filter((r) => r.maybe_duplicate === 1).map((r) => r.email));
    const everInFlight = new Set(inFlight.flatMap((s) => [...s]));
    const duplicated = [...smtp.arrived].filter(([, n]) => n > 1);
    for (const [email, copies] of duplicated) {
      // One more copy at most per kill that caught it in flight, and flagged in the ledger.
      expect(copies - 1, email).toBeLessThanOrEqual(inFlight.filter((s) => s.has(email)).length);
      expect(flagged.has(email), `${email} got ${copies} copies but is not flagged`).toBe(true);
    }
    // Flagged: exactly the rows that were in flight at a kill (they are sent again, so each may have arrived twice).
    expect([...flagged].sort()).toEqual([...everInFlight].sort());
    const extra = duplicated.reduce((a, [, n]) => a + n - 1, 0);
    expect(extra).toBeLessThanOrEqual(inFlight.reduce((a, s) => a + s.size, 0));
    console.log(
      `kill points ${points.join(', ')}: in flight at each kill ${inFlight.map((s) => s.size).join(', ')}; ${extra} duplicate messages, ${flagged.size} rows flagged`,
    );
  }, 90_000);
});
