/**
 * PostgreSQL connections terminated in the middle of a 3,000-message `paperboy send` (the built
 * executable), six times, with `pg_terminate_backend` on every other connection to the store's
 * database (what a restart, a failover or an operator's kill does): the run rides it out. Every
 * reader gets the issue, the ledger ends all sent with no reader missing, and any second copy
 * (at most the messages in flight) is flagged. A message arrives only for a row the ledger
 * records as sent to that reader, with the Message-ID it recorded: nothing unclaimed is sent.
 *
 * PostgreSQL in both passes: in the SQLite pass the test makes its own database on PG_URL.
 */
import { execFile } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { type Child, paperboy } from '../helpers/child.js';
import { createDatabase, dropDatabase } from '../helpers/database.js';
import { requires } from '../helpers/requires.js';
import { type FaultySmtp, startFaultySmtp } from '../helpers/faulty-smtp.js';
import { type Workspace, workspace } from '../helpers/workspace.js';
import { ledger, newsletter, readers } from './newsletter.js';

const READERS = 3000;
const POOL = 5;
// The batch being sent and the one claimed ahead.
const IN_FLIGHT = POOL * 4 * 2;
const TERMINATE_AT = [150, 600, 1100, 1600, 2100, 2600];
const TERMINATE = `select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`;

const skip = requires(['build', 'postgres']);

let smtp: FaultySmtp | undefined;
let ws: Workspace | undefined;
let url: string | undefined;
let child: Child | undefined;
afterEach(async () => {
  if (child && child.process.exitCode === null && child.process.signalCode === null) child.process.kill('SIGKILL');
  await child?.exited;
  await smtp?.close();
  ws?.cleanup();
  if (url) dropDatabase(url);
  url = undefined;
});

describe.skipIf(skip)('PostgreSQL connections terminated during a send', () => {
  it('lose nothing: every reader gets the issue once the run is done, the ledger all sent, duplicates flagged', async () => {
    url = createDatabase();
    const terminations: Promise<number>[] = [];
    const terminate = () =>
      new Promise<number>((resolve) =>
        execFile('psql', ['-X', '-q', '-At', '-d', url!, '-c', TERMINATE], (err, out) => resolve(err ? 0 : out.split('\n').filter((l) => l === 't').length)),
      );
    let next = 0;
    smtp = await startFaultySmtp({
      delayMs: 1,
      onAccept: (_to, total) => {
        if (next < TERMINATE_AT.length && total >= TERMINATE_AT[next]!) {
          next++;
          terminations.push(terminate());
        }
      },
    });
    ws = workspace({ SMTP_URL: smtp.url, SMTP_POOL: String(POOL), DATABASE_URL: url });
    const list = readers(READERS);
    await newsletter(ws, list);

    child = paperboy(ws, ['send']);
    const code = await child.exited;
    expect(code, child.stderr()).toBe(0);
    const killed = await Promise.all(terminations);
    expect(killed).toHaveLength(TERMINATE_AT.length);
    // The terminations hit the run's connections. Whether one hit a query in flight (the run then
    // logs "store unreachable while …" and retries) or an idle one (the pool drops it) is timing:
    // both must lose nothing, and the count of retries is printed below.
    expect(killed.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    expect(child.stdout()).toMatch(/^Sent issue #1 \(daily\) .*: 3000 sent, 0 failed/m);

    const rows = ledger(ws, 1);
    expect(rows.map((r) => r.email)).toEqual(list);
    expect(rows.filter((r) => r.status !== 'sent')).toEqual([]);
    expect(ws.rows(`select status from issues where id = 1`)).toEqual([{ status: 'sent' }]);

    // Every reader got the issue; every message is the one the ledger recorded for its reader.
    expect([...smtp.arrived.keys()].sort()).toEqual(list);
    const ids = new Map(
      ws
        .rows<{ email: string; message_id: string }>(`select s.email, d.message_id from deliveries d join subscribers s on s.id = d.subscriber_id`)
        .map((r) => [r.email, r.message_id]),
    );
    for (const [email, got] of smtp.messageIds) expect(new Set(got), email).toEqual(new Set([ids.get(email)]));
    // Second copies: at most the messages in flight at each termination, and each one flagged.
    const flagged = new Set(rows.filter((r) => r.maybe_duplicate === 1).map((r) => r.email));
    const duplicated = [...smtp.arrived].filter(([, n]) => n > 1);
    expect(duplicated.reduce((a, [, n]) => a + n - 1, 0)).toBeLessThanOrEqual(IN_FLIGHT * TERMINATE_AT.length);
    for (const [email] of duplicated) expect(flagged.has(email), `${email} arrived twice, not flagged`).toBe(true);
    console.log(
      `${killed.join('+')} backends terminated; store retries logged: ${(child.stderr().match(/store unreachable/g) ?? []).length}; duplicates ${duplicated.length}, flagged ${flagged.size}`,
    );
  }, 90_000);
});
