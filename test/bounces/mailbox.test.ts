/**
 * The bounce mailbox as the worker runs it: a real Dovecot (Debian's dovecot-imapd, started by
 * the test) holding bounce mail about deliveries that a real `paperboy send` made over the
 * in-process SMTP server with a VERP return path; the poll hands each message to
 * `bounceHandler(app.bounces, BOUNCE_DOMAIN)`, which goes through the bounce policy into the
 * real store. A DSN and an ARF complaint suppress exactly their readers, an auto-reply and a
 * report about a stranger suppress nobody, unreadable mail is set aside, nothing is handled
 * twice, and a store that fails leaves the mail in the mailbox for the next poll.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.js';
import { pollBounceMailbox } from '../../src/bounces/imap.js';
import { bounceHandler, startBouncePoller } from '../../src/bounces/mailbox.js';
import { loadConfig } from '../../src/config.js';
import { silentLog } from '../../src/log.js';
import { startDovecot, type TestDovecot } from '../helpers/dovecot.js';
import { eventually } from '../helpers/eventually.js';
import { requires } from '../helpers/requires.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';
import { memoryLog } from '../helpers/webhooks.js';
import { FIXTURES, SEED, type Workspace, workspace } from '../helpers/workspace.js';

const noDovecot = requires('dovecot');

const T0 = Date.parse('2026-03-02T08:00:00Z');
const BOUNCE_DOMAIN = 'bounces.example.org';
const BOUNCES = path.join(FIXTURES, 'bounces');
const READERS = ['linus@kernel.example', 'margaret@apollo.example', 'grace@example.org', 'tim@example.org', 'ken@unix.example'];
const USERS = { bounces1: 'pw-bounces1-s3cret', bounces2: 'pw-bounces2-s3cret', bounces3: 'pw-bounces3-s3cret' };
const PROCESSED = 'Paperboy/Processed';
const UNREADABLE = 'Paperboy/Unreadable';
// Half a header, a broken boundary and bytes that are not UTF-8.
const GARBLED = Buffer.concat([
  Buffer.from('Subject: =?utf-8?B?broken\r\nContent-Type: multipart/report; boundary=\r\n\r\n--\r\n'),
  Buffer.from([0xff, 0xfe, 0x80, 0x0d, 0x0a]),
]);

const fixture = (name: string) => readFileSync(path.join(BOUNCES, name), 'latin1');
const bytes = (s: string) => Buffer.from(s, 'latin1');

describe.skipIf(noDovecot)('the bounce mailbox on a real Dovecot, through the bounce policy', () => {
  let clock = T0;
  let smtp: TestSmtp;
  let ws: Workspace;
  let app: App;
  let dovecot: TestDovecot;

  /** What went out to `to`: its envelope sender (the VERP address) and its Message-ID. */
  const sentTo = (to: string) => {
    const m = smtp.received.find((r) => r.envelope.to[0] === to)!;
    return { verp: m.envelope.from, messageId: m.parsed.messageId!.replace(/^<|>$/g, '') };
  };
  /** The DSN a real Postfix wrote (fixtures/bounces/postfix-verp-dsn.eml), about our message to `to`. */
  const dsnFor = (to: string) => {
    const { verp, messageId } = sentTo(to);
    return bytes(
      fixture('postfix-verp-dsn.eml')
        .replaceAll('bounces+39u-60ac6d653d543f9a@bounces.test', verp)
        .replaceAll('gone.reader@example.net', to)
        .replaceAll('issue-7.d4242.Zm9vYmFy@paperboy.test', messageId)
        .replaceAll('20261127104841.0294420D0B7@mta.paperboy.test', `dsn.${to.replace('@', '.')}@mta.paperboy.test`)
        .replaceAll('Fri, 27 Nov 2026 10:48:4', 'Mon, 2 Mar 2026 09:48:4'),
    );
  };
  /** A real ARF report (arf-01.eml) about our message to `to`, named by its Message-ID only. */
  const arfFor = (to: string) => {
    const { messageId } = sentTo(to);
    return bytes(
      fixture('arf-01.eml')
        .replace('To: redacted@example.net\n', `To: ${to}\nMessage-ID: <${messageId}>\n`)
        // The report's own Message-ID is its external id: one per report.
        .replace('<000000000000000.000000000000@x34.mx.example.net>', `<fbl.${to.replace('@', '.')}@x34.mx.example.net>`)
        .replaceAll('29 Apr 2009 00:00:00', '2 Mar 2026 09:30:00'),
    );
  };
  /** A real vacation reply (rfc3834-01.eml) from `from`, to the return path of our message. */
  const autoReplyFrom = (from: string) => {
    const { verp } = sentTo(from);
    return bytes(
      fixture('rfc3834-01.eml')
        .replace(/^(To|Envelope-to):[^\n]*/gim, `$1: ${verp}`)
        .replace(/^From:[^\n]*/im, `From: ${from}`),
    );
  };
  const readerStatus = () =>
    Object.fromEntries(ws.rows<{ email: string; status: string }>('select email, status from subscribers order by id').map((s) => [s.email, s.status]));
  const eventRows = () =>
    ws
      .rows<{ type: string; source: string; delivery_id: number | null; subscriber_id: number | null; action: string }>(
        'select type, source, delivery_id, subscriber_id, action from events order by id',
      )
      .map((e) => ({
        ...e,
        delivery_id: e.delivery_id === null ? null : Number(e.delivery_id),
        subscriber_id: e.subscriber_id === null ? null : Number(e.subscriber_id),
      }));
  const deliveryId = (email: string) =>
    Number(ws.rows<{ id: number }>('select d.id from deliveries d join subscribers s on s.id = d.subscriber_id where s.email = ?', email)[0]!.id);
  const storeState = () => ({ subscribers: ws.rows('select * from subscribers order by id'), events: ws.rows('select * from events order by id') });
  const counts = async (user: string) => ({
    inbox: (await dovecot.messages(user)).length,
    processed: (await dovecot.messages(user, PROCESSED)).length,
    unreadable: (await dovecot.messages(user, UNREADABLE)).length,
  });
  const poll = (user: string, deps = app.bounces) => pollBounceMailbox({ url: dovecot.url(user), handle: bounceHandler(deps, BOUNCE_DOMAIN), log: silentLog });

  beforeAll(async () => {
    const started = await Promise.allSettled([startDovecot({ users: USERS }).then((d) => (dovecot = d)), startSmtp().then((s) => (smtp = s))]);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    ws = workspace({ SMTP_URL: smtp.url, BOUNCE_DOMAIN }, () => new Date(clock));
    expect((await ws.cli(['ingest', SEED])).code).toBe(0);
    writeFileSync(path.join(ws.dir, 'readers.csv'), `email\n${READERS.join('\n')}\n`);
    expect((await ws.cli(['subscribers', 'import', path.join(ws.dir, 'readers.csv')])).code).toBe(0);
    expect((await ws.cli(['send'])).stdout).toMatch(/5 sent, 0 failed/);
    for (const m of smtp.received) expect(m.envelope.from).toMatch(/^bounces\+[0-9a-z]+-[0-9a-f]{16}@bounces\.example\.org$/);
    clock = T0 + 2 * 3600_000;
    app = await createApp(loadConfig(ws.env, ws.dir), silentLog, { now: () => new Date(clock) });
  });
  afterAll(async () => {
    await app?.close();
    await Promise.all([dovecot?.stop(), smtp?.close()]);
    ws?.cleanup();
  });

  it('a poll suppresses the bounced and the complaining reader only, sets the unreadable aside, and handles nothing twice', async () => {
    const stranger = bytes(fixture('postfix-verp-dsn.eml')); // about an address we never mailed, another VERP domain
    await dovecot.seedMaildir('bounces1', [
      dsnFor('linus@kernel.example'),
      arfFor('margaret@apollo.example'),
      autoReplyFrom('grace@example.org'),
      GARBLED,
      stranger,
    ]);

    expect(await poll('bounces1')).toEqual({ processed: 4, unreadable: 1, failed: 0 });
    expect(await counts('bounces1')).toEqual({ inbox: 0, processed: 4, unreadable: 1 });
    expect(readerStatus()).toEqual({
      'linus@kernel.example': 'suppressed',
      'margaret@apollo.example': 'suppressed',
      'grace@example.org': 'active',
      'tim@example.org': 'active',
      'ken@unix.example': 'active',
    });
    expect(eventRows()).toEqual([
      expect.objectContaining({ type: 'hard-bounce', source: 'imap', delivery_id: deliveryId('linus@kernel.example'), action: 'suppressed: hard bounce 5.1.1' }),
      expect.objectContaining({ type: 'complaint', source: 'imap', delivery_id: deliveryId('margaret@apollo.example'), action: 'suppressed: complaint' }),
      expect.objectContaining({ type: 'hard-bounce', source: 'imap', delivery_id: null, subscriber_id: null, action: expect.stringMatching(/^unmatched/) }),
    ]);

    // Nothing left: a second poll handles nothing. The same DSN delivered again is stored once.
    const before = storeState();
    expect(await poll('bounces1')).toEqual({ processed: 0, unreadable: 0, failed: 0 });
    await dovecot.append('bounces1', dsnFor('linus@kernel.example'));
    expect(await poll('bounces1')).toEqual({ processed: 1, unreadable: 0, failed: 0 });
    expect(storeState()).toEqual(before);
    expect(await counts('bounces1')).toEqual({ inbox: 0, processed: 5, unreadable: 1 });
  });

  it('a store that fails leaves the mail in the mailbox and stops the poll; the next poll with the store back handles it', async () => {
    await dovecot.seedMaildir('bounces2', [dsnFor('tim@example.org'), GARBLED]);
    // An app whose store is gone: every write fails.
    const broken = await createApp(loadConfig(ws.env, ws.dir), silentLog, { now: () => new Date(clock) });
    await broken.close();
    const failed = await poll('bounces2', broken.bounces);
    expect(failed).toMatchObject({ processed: 0, unreadable: 0, failed: 1, stopped: expect.stringMatching(/cannot store a report/) });
    expect(await counts('bounces2')).toEqual({ inbox: 2, processed: 0, unreadable: 0 });
    expect(readerStatus()['tim@example.org']).toBe('active');

    expect(await poll('bounces2')).toEqual({ processed: 1, unreadable: 1, failed: 0 });
    expect(await counts('bounces2')).toEqual({ inbox: 0, processed: 1, unreadable: 1 });
    expect(readerStatus()['tim@example.org']).toBe('suppressed');
    expect(eventRows().filter((e) => e.delivery_id === deliveryId('tim@example.org'))).toHaveLength(1);
  });

  it("the worker's poller, configured by BOUNCE_IMAP_URL, drains the mailbox into the policy", async () => {
    await dovecot.seedMaildir('bounces3', [arfFor('ken@unix.example')]);
    const log = memoryLog();
    const config = loadConfig({ ...ws.env, BOUNCE_IMAP_URL: dovecot.url('bounces3'), BOUNCE_POLL_SECONDS: '3600' }, ws.dir);
    const poller = startBouncePoller(config, app.bounces, log);
    expect(poller).toBeDefined();
    try {
      await eventually(async () => (await counts('bounces3')).processed >= 1, {
        what: () => `the poller to drain the mailbox: ${log.lines.join('\n')}`,
        timeoutMs: 15_000,
        intervalMs: 50,
      });
    } finally {
      await poller!.stop();
    }
    expect(readerStatus()['ken@unix.example']).toBe('suppressed');
    expect(log.lines).toContain('info bounces: 1 processed, 0 unreadable, 0 left for the next poll');
    expect(log.lines.join('\n')).not.toContain(USERS.bounces3);
  });
});
