/**
 * The whole asynchronous-bounce path with real servers: a message sent with a VERP return path
 * (MAIL FROM:<bounces+TOKEN@bounces.test>) through a real Postfix, refused by the next hop with
 * "550 5.1.1 User unknown"; Postfix writes its DSN to the return path; the DSN lands in the
 * bounce mailbox on a real Dovecot; the poll hands it to the parser, which finds the token of
 * the delivery. The DSN is kept as fixtures/bounces/postfix-verp-dsn.eml (recorded once).
 */
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pollBounceMailbox } from '../../src/bounces/imap.js';
import { parseReport } from '../../src/bounces/parse.js';
import { silentLog } from '../../src/log.js';
import { Tokens } from '../../src/subscriptions/tokens.js';
import { startDovecot, type TestDovecot } from '../helpers/dovecot.js';
import { eventually } from '../helpers/eventually.js';
import { startPostfix, type TestPostfix } from '../helpers/postfix.js';
import { requires } from '../helpers/requires.js';
import { type Received, reply, startSmtp, type TestSmtp } from '../helpers/smtp.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const RECORDED = path.join(ROOT, 'fixtures', 'bounces', 'postfix-verp-dsn.eml');
const skip = requires(['dovecot', 'postfix']);

const tokens = new Tokens('a-test-secret-key-of-at-least-32-characters');
const DELIVERY_ID = 4242;
const READER = 'gone.reader@example.net';

describe.skipIf(skip)('a DSN written by a real Postfix after a VERP send', () => {
  let refusing: TestSmtp;
  let bounceMx: TestSmtp;
  let postfix: TestPostfix;
  let dovecot: TestDovecot;

  beforeAll(async () => {
    // The reader's server refuses the recipient; the bounce domain's MX keeps what comes back.
    refusing = await startSmtp({ onRcpt: (a) => reply(550, `5.1.1 <${a}>: Recipient address rejected: User unknown in virtual mailbox table`) });
    bounceMx = await startSmtp({ parse: false });
    // Both at once (Postfix takes a few seconds), each kept as soon as it runs so afterAll stops it.
    const started = await Promise.allSettled([
      startPostfix({ relayPort: refusing.port, transports: { 'bounces.test': bounceMx.port } }).then((p) => (postfix = p)),
      startDovecot({ users: { bounces: 'bounce-box-secret' } }).then((d) => (dovecot = d)),
    ]);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
  });
  afterAll(async () => {
    await Promise.all([postfix?.stop(), dovecot?.stop(), refusing?.close(), bounceMx?.close()]);
  });

  it('comes back to the return path, is polled from the bounce mailbox, and names the delivery', async () => {
    const verp = tokens.verpToken(DELIVERY_ID);
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: postfix.port, secure: false, ignoreTLS: true });
    await transport.sendMail({
      envelope: { from: `bounces+${verp}@bounces.test`, to: [READER] },
      from: 'Paperboy <digest@paperboy.test>',
      to: READER,
      subject: 'Trending papers, issue 7',
      text: 'Seven papers today.',
      messageId: '<issue-7.d4242.Zm9vYmFy@paperboy.test>',
    });
    transport.close();

    const dsn = await waitFor(() => bounceMx.received[0], postfix);
    // Postfix sends it from the null sender, to the VERP address: the token survives the round trip.
    expect(dsn.envelope).toEqual({ from: '', to: [`bounces+${verp}@bounces.test`] });
    const text = dsn.raw.toString();
    expect(text).toMatch(/^Content-Type: multipart\/report; report-type=delivery-status;/m);
    expect(text).toMatch(/^Status: 5\.1\.1$/m);
    expect(text).toMatch(/^Final-Recipient: rfc822; gone\.reader@example\.net$/m);
    expect(refusing.rcpt.get(READER)).toBe(1);

    await dovecot.append('bounces', dsn.raw);
    const seen: Buffer[] = [];
    const result = await pollBounceMailbox({
      url: dovecot.url('bounces'),
      log: silentLog,
      handle: async (raw, info) => {
        seen.push(raw);
        const report = await parseReport(raw, { bounceDomain: 'bounces.test', receivedAt: info.receivedAt });
        expect(report).toMatchObject({ kind: 'event', event: { type: 'hard-bounce', source: 'imap', status: '5.1.1', recipient: READER } });
        const event = report.kind === 'event' ? report.event : undefined;
        // The token the parser found is the one we sent, and it verifies back to the delivery.
        expect(event?.verpToken).toBe(verp);
        expect(tokens.verifyVerp(event?.verpToken ?? '')).toBe(DELIVERY_ID);
        expect(event?.originalMessageId).toBe('issue-7.d4242.Zm9vYmFy@paperboy.test');
        return 'processed';
      },
    });
    expect(result).toEqual({ processed: 1, unreadable: 0, failed: 0 });
    expect(seen.map(lf)).toEqual([lf(dsn.raw)]);
    expect(await dovecot.messages('bounces')).toEqual([]);
    expect((await dovecot.messages('bounces', 'Paperboy/Processed')).map(lf)).toEqual([lf(dsn.raw)]);

    record(dsn.raw);
  });
});

const lf = (b: Buffer) => b.toString('latin1').replace(/\r\n/g, '\n');

/** Waits for the DSN; fails with Postfix's log, which says what happened to the message. */
function waitFor(get: () => Received | undefined, postfix: TestPostfix, ms = 20_000): Promise<Received> {
  return eventually(get, { what: () => `a DSN; postfix log:\n${postfix.log()}`, timeoutMs: ms, intervalMs: 50 });
}

/** Keeps the first real DSN as a sample for the parser's tests; a fresh clone already has it. */
function record(raw: Buffer): void {
  if (existsSync(RECORDED) || !existsSync(path.dirname(RECORDED))) return;
  writeFileSync(RECORDED, raw);
  const readme = path.join(path.dirname(RECORDED), 'README.md');
  if (existsSync(readme) && !readFileSync(readme, 'utf8').includes('postfix-verp-dsn.eml')) {
    appendFileSync(
      readme,
      '\n`postfix-verp-dsn.eml`: recorded by test/bounces/postfix-dsn.test.ts: the DSN a real Postfix 3.7 wrote for a message sent with a VERP return path (bounces+TOKEN@bounces.test, delivery 4242 under the test key) and refused with 550 5.1.1.\n',
    );
  }
}
