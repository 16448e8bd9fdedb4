/**
 * One send through an SMTP server that misbehaves in every way the ledger must survive: 451 for
 * some readers (once, twice), "try again in 30 seconds", 550 user unknown, the connection cut
 * before the final dot and after it (the message arrived, the 250 never came), and 421 in the
 * middle of the run. `paperboy send` is run again as an operator would (the paused run, then the
 * retries, on a fake clock): the ledger ends as one table, written out below, on SQLite and on
 * PostgreSQL alike (in the SQLite pass the scenario also runs on a PostgreSQL database when the
 * server is reachable).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ON_POSTGRES, createDatabase, dropDatabase } from '../helpers/database.js';
import { requires } from '../helpers/requires.js';
import { type FaultySmtp, type DataFault, smtpReply, startFaultySmtp } from '../helpers/faulty-smtp.js';
import { type Workspace, workspace } from '../helpers/workspace.js';
import { ledger, newsletter, readers } from './newsletter.js';

const T0 = Date.parse('2026-03-17T08:00:00Z');
let clock = T0;
const minutes = (m: number) => {
  clock = T0 + m * 60_000;
};

const list = readers(13);
const r = (i: number) => list[i]!;
const GREYLISTED = r(1);
const UNKNOWN = r(2);
const CUT_BEFORE_DOT = r(3);
const CUT_AFTER_DOT = r(5);
const SHUTDOWN = r(6); // 421 at its first RCPT: the run pauses
const GREYLISTED_TWICE = r(7);
const TRY_LATER = r(9);

const rcptFaults = (address: string, attempt: number) => {
  if (address === GREYLISTED && attempt === 1) return smtpReply(451, '4.7.1 Greylisted, please retry');
  if (address === GREYLISTED_TWICE && attempt <= 2) return smtpReply(451, '4.7.1 Greylisted, please retry');
  if (address === TRY_LATER && attempt === 1) return smtpReply(450, '4.2.1 Mailbox busy, try again in 30 seconds');
  if (address === UNKNOWN) return smtpReply(550, '5.1.1 User unknown');
  if (address === SHUTDOWN && attempt === 1) return smtpReply(421, '4.3.2 Service shutting down');
  return undefined;
};
const dataFaults = (address: string, attempt: number): DataFault | undefined => {
  if (address === CUT_BEFORE_DOT && attempt === 1) return 'drop-before-dot';
  if (address === CUT_AFTER_DOT && attempt === 1) return 'drop-after-dot';
  return undefined;
};

/**
 * The ledger after every run, per reader: delivery status, attempts, maybe_duplicate, the
 * subscriber's status, and the copies that arrived at the server.
 */
const EXPECTED: [string, string, number, number, string, number][] = [
  [r(0), 'sent', 1, 0, 'active', 1],
  [GREYLISTED, 'sent', 2, 0, 'active', 1],
  [UNKNOWN, 'failed', 1, 0, 'suppressed', 0],
  // Cut by the server before it read the final dot: one copy arrives. The pool had written the
  // whole message to the socket by then and cannot know how much the server read, so this
  // retry is flagged too ("may have arrived"): a flag errs on the side of saying so.
  [CUT_BEFORE_DOT, 'sent', 2, 1, 'active', 1],
  [r(4), 'sent', 1, 0, 'active', 1],
  // The message arrived before the connection was cut, but no 250 came: by RFC 5321 it was not
  // delivered, so it is sent again and arrives twice. The pool saw the whole message written
  // before the cut, so the retry is flagged as a possible duplicate.
  [CUT_AFTER_DOT, 'sent', 2, 1, 'active', 2],
  // Paused by its 421: its row went back untouched (attempt not counted), then sent on resume.
  [SHUTDOWN, 'sent', 1, 0, 'active', 1],
  [GREYLISTED_TWICE, 'sent', 3, 0, 'active', 1],
  [r(8), 'sent', 1, 0, 'active', 1],
  [TRY_LATER, 'sent', 2, 0, 'active', 1],
  [r(10), 'sent', 1, 0, 'active', 1],
  [r(11), 'sent', 1, 0, 'active', 1],
  [r(12), 'sent', 1, 0, 'active', 1],
];

let smtp: FaultySmtp | undefined;
let ws: Workspace | undefined;
let extraDb: string | undefined;
afterEach(async () => {
  await smtp?.close();
  ws?.cleanup();
  if (extraDb) dropDatabase(extraDb);
  extraDb = undefined;
});

const stores: [string, () => string | undefined][] = [[ON_POSTGRES ? 'PostgreSQL' : 'SQLite', () => undefined]];
if (!ON_POSTGRES && !requires('postgres', { part: 'the PostgreSQL store' })) stores.push(['PostgreSQL (its own database)', () => (extraDb = createDatabase())]);

describe('an SMTP server with every kind of fault', () => {
  it.each(stores)(
    'on %s: the ledger ends as the expected table',
    async (_name, database) => {
      clock = T0;
      smtp = await startFaultySmtp({ rcpt: rcptFaults, data: dataFaults });
      const url = database();
      ws = workspace({ SMTP_URL: smtp.url, SMTP_POOL: '2', ...(url ? { DATABASE_URL: url } : {}) }, () => new Date(clock));
      await newsletter(ws, list);

      // 421 mid-run: paused, exit 75; nobody is marked by it.
      const first = await ws.cli(['send']);
      expect(first.code, first.stderr).toBe(75);
      expect(first.stderr).toMatch(/paused: SMTP server closing the connection: 421/);
      expect(ws.rows(`select count(*) as n from deliveries where status = 'sending'`)).toEqual([{ n: 0 }]);

      // The operator runs send again: the rest goes; deferred rows wait for their time.
      const second = await ws.cli(['send']);
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toMatch(/\d+ sent, 0 failed, \d+ waiting \(next attempt /);

      minutes(10); // every first retry is due (5 min + up to 20%, or the server's 30 s)
      expect((await ws.cli(['send'])).code).toBe(0);
      minutes(10 + 20); // the second retry of the twice-greylisted reader (15 min + up to 20%)
      expect((await ws.cli(['send'])).code).toBe(0);
      minutes(24 * 60); // nothing is left to do
      expect((await ws.cli(['send'])).code).toBe(0);

      const got = ledger(ws, 1).map((row) => [row.email, row.status, row.attempts, row.maybe_duplicate, row.subscriber, smtp!.arrived.get(row.email) ?? 0]);
      expect(got).toEqual(EXPECTED);
      expect(ws.rows(`select status from issues where id = 1`)).toEqual([{ status: 'sent' }]);
      // The RCPT attempts at the server match the ledger, plus the one the 421 refused.
      for (const [email, , attempts] of EXPECTED) expect(smtp.rcpt.get(email), email).toBe(attempts + (email === SHUTDOWN ? 1 : 0));
    },
    60_000,
  );
});
