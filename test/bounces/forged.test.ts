/**
 * Forged bounces (issue 16, item 1). Anyone can mail the bounce address: a report that names
 * `alice@example.org` with 5.1.1, and carries no VERP token (or a made-up one), or a Message-ID
 * guessed from the one the forger received themselves, or only the address, must suppress nobody;
 * nor must a forged ARF complaint; nor may a single 5.7.1 report about a gmail.com address pause
 * gmail.com, however often it is repeated. What it leaves is an unmatched event, listed for the
 * operator in `status`, with no address in it. A report that carries a real VERP token, or the
 * HMAC'd Message-ID of our digest, still acts; refusals of the sender proven by three distinct
 * readers of a domain pause it.
 *
 * Through the real, built CLI (`npm run build` first) in a child process: `paperboy bounces
 * import FILE…`, and `paperboy bounces poll` against a real Dovecot. On SQLite, or PostgreSQL in
 * the PostgreSQL pass.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arfMail, dsnMail, SPAM_REFUSAL, USER_UNKNOWN } from '../helpers/bounce-mail.js';
import { paperboy } from '../helpers/child.js';
import { startDovecot, type TestDovecot } from '../helpers/dovecot.js';
import { requires } from '../helpers/requires.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';
import { SEED, type Workspace, workspace } from '../helpers/workspace.js';

const noBuild = requires('build');
const noDovecot = requires('dovecot', { part: 'the IMAP part' });

const BOUNCE_DOMAIN = 'bounces.example.org';
const READERS = [
  'alice@example.org',
  'bob@example.org',
  'carol@example.org',
  'dave@example.org',
  'erin@example.org',
  'mallory@example.net',
  'g1@gmail.com',
  'g2@gmail.com',
  'g3@gmail.com',
];
/** Local parts that a forged report names: none may be stored anywhere in the events table. */
const NAMED = ['alice', 'bob', 'carol', 'someone'];

interface Report {
  name: string;
  raw: string;
}

/** How reports reach Paperboy: files for `bounces import`, or a mailbox for `bounces poll`. */
interface Channel {
  name: string;
  skip: boolean;
  start?(): Promise<void>;
  stop?(): Promise<void>;
  /** Hands the reports over with the real CLI; resolves once it exited 0. */
  deliver(ws: Workspace, reports: Report[]): Promise<void>;
}

let files = 0;
const importChannel: Channel = {
  name: 'paperboy bounces import',
  skip: noBuild,
  async deliver(ws, reports) {
    const dir = path.join(ws.dir, `reports-${++files}`);
    mkdirSync(dir);
    const paths = reports.map((r) => {
      const file = path.join(dir, `${r.name}.eml`);
      writeFileSync(file, r.raw, 'latin1');
      return file;
    });
    const child = paperboy(ws, ['bounces', 'import', ...paths]);
    expect(await child.exited, child.stderr()).toBe(0);
  },
};

let dovecot: TestDovecot | undefined;
const imapChannel: Channel = {
  name: 'paperboy bounces poll (Dovecot)',
  skip: noBuild || noDovecot,
  async start() {
    dovecot = await startDovecot({ users: { forged: 'pw-forged-s3cret' } });
  },
  async stop() {
    await dovecot?.stop();
  },
  async deliver(ws, reports) {
    const user = 'forged';
    for (const r of reports) await dovecot!.append(user, Buffer.from(r.raw, 'latin1'));
    const child = paperboy(ws, ['bounces', 'poll'], { BOUNCE_IMAP_URL: dovecot!.url(user) });
    expect(await child.exited, child.stderr()).toBe(0);
    expect(child.stdout()).toMatch(new RegExp(`${reports.length} processed, 0 set aside`));
    expect(await dovecot!.messages(user)).toEqual([]);
  },
};

describe.each([importChannel, imapChannel])('forged and genuine bounces through $name', (channel) => {
  let smtp: TestSmtp;
  let ws: Workspace;

  /** What went out to `to`: its VERP return path and its Message-ID. */
  const sentTo = (to: string) => {
    const m = smtp.received.find((r) => r.envelope.to[0] === to)!;
    return { verp: m.envelope.from, messageId: m.parsed.messageId!.replace(/^<|>$/g, '') };
  };
  const idOf = (email: string) => Number(ws.rows<{ id: number }>('select id from subscribers where email = ?', email)[0]!.id);
  const readerStatus = () =>
    Object.fromEntries(ws.rows<{ email: string; status: string }>('select email, status from subscribers order by id').map((s) => [s.email, s.status]));
  const pauses = () => ws.rows<{ domain: string }>('select domain from domain_pauses').map((p) => p.domain);
  const events = () => ws.rows<Record<string, unknown>>('select * from events order by id');
  const status = async () => {
    const r = await ws.cli(['status', '--json']);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout).deliverability;
  };
  let reports = 0;
  const dsn = (s: Omit<Parameters<typeof dsnMail>[0], 'id'>): Report => {
    const id = `report-${++reports}@mx.receiver.example`;
    return { name: `dsn-${reports}`, raw: dsnMail({ ...s, id }) };
  };

  beforeAll(async () => {
    if (channel.skip) return;
    await channel.start?.();
    smtp = await startSmtp();
    ws = workspace({ SMTP_URL: smtp.url, BOUNCE_DOMAIN });
    expect((await ws.cli(['ingest', SEED])).code).toBe(0);
    writeFileSync(path.join(ws.dir, 'readers.csv'), `email\n${READERS.join('\n')}\n`);
    expect((await ws.cli(['subscribers', 'import', path.join(ws.dir, 'readers.csv')])).code).toBe(0);
    expect((await ws.cli(['send'])).stdout).toMatch(new RegExp(`${READERS.length} sent, 0 failed`));
  });
  afterAll(async () => {
    await smtp?.close();
    await channel.stop?.();
    ws?.cleanup();
  });

  it.skipIf(channel.skip)(
    'forged reports (no VERP token, a made-up one, a guessed Message-ID, a bare address, an ARF complaint) suppress nobody and are listed as unmatched',
    async () => {
      // Mallory received a digest: its Message-ID, with Mallory's subscriber id swapped for Bob's, is
      // what the Message-ID of Bob's copy would be if it held nothing secret.
      const mallory = sentTo('mallory@example.net').messageId;
      const guessed = mallory.replace(`.${idOf('mallory@example.net')}.`, `.${idOf('bob@example.org')}.`);
      expect(guessed).not.toBe(mallory);
      await channel.deliver(ws, [
        dsn({ to: `bounces@${BOUNCE_DOMAIN}`, recipient: 'alice@example.org', status: '5.1.1', diagnostic: USER_UNKNOWN('alice@example.org') }),
        dsn({ to: `bounces+1-0123456789abcdef@${BOUNCE_DOMAIN}`, recipient: 'alice@example.org', status: '5.1.1', diagnostic: USER_UNKNOWN('alice@example.org') }),
        dsn({ to: 'digest@example.org', recipient: 'bob@example.org', status: '5.1.1', diagnostic: USER_UNKNOWN('bob@example.org'), originalMessageId: guessed }),
        { name: 'arf', raw: arfMail({ to: 'digest@example.org', recipient: 'carol@example.org', id: 'fbl-1@receiver.example' }) },
      ]);
      expect(readerStatus()).toEqual(Object.fromEntries(READERS.map((r) => [r, 'active'])));
      expect(pauses()).toEqual([]);
      const stored = events();
      expect(stored).toHaveLength(4);
      for (const e of stored) expect(e).toMatchObject({ delivery_id: null, subscriber_id: null, issue_id: null, action: expect.stringMatching(/^unmatched/) });
      // No address that a forged report named is kept: forget could never find it.
      for (const name of NAMED) expect(JSON.stringify(stored)).not.toContain(`${name}@`);

      const d = await status();
      expect(d.unmatched.count).toBe(4);
      expect(d.unmatched.last).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ domain: 'example.org', type: 'hard-bounce', status: '5.1.1', receivedAt: expect.any(String) }),
          expect.objectContaining({ domain: 'example.org', type: 'complaint' }),
        ]),
      );
      expect(JSON.stringify(d.unmatched)).not.toMatch(/alice|bob@|carol/);
      // Forged reports are not bounces of ours: they do not count in the rates.
      expect(d.totals).toMatchObject({ hardBounces: 0, complaints: 0 });
      const text = await ws.cli(['status']);
      expect(text.stdout).toMatch(/4 unmatched reports/);
    },
  );

  it.skipIf(channel.skip)('a single 5.7.1 report naming a gmail.com address, repeated, pauses nothing', async () => {
    const refusals = [1, 2, 3, 4, 5].map((n) =>
      dsn({ to: `bounces@${BOUNCE_DOMAIN}`, recipient: n % 2 ? 'someone@gmail.com' : 'g1@gmail.com', status: '5.7.1', diagnostic: SPAM_REFUSAL }),
    );
    await channel.deliver(ws, refusals);
    expect(pauses()).toEqual([]);
    expect(readerStatus()['g1@gmail.com']).toBe('active');
    expect((await status()).unmatched.count).toBe(9);
    for (const name of NAMED) expect(JSON.stringify(events())).not.toContain(`${name}@`);
  });

  it.skipIf(channel.skip)('a report with the real VERP token, or with our Message-ID alone, still suppresses its reader', async () => {
    const dave = sentTo('dave@example.org');
    const erin = sentTo('erin@example.org');
    await channel.deliver(ws, [
      dsn({ to: dave.verp, recipient: 'dave@example.org', status: '5.1.1', diagnostic: USER_UNKNOWN('dave@example.org'), originalMessageId: dave.messageId }),
      {
        name: 'arf-erin',
        raw: arfMail({ to: 'fbl@example.org', recipient: 'erin@example.org', id: 'fbl-erin@receiver.example', originalMessageId: erin.messageId }),
      },
    ]);
    expect(readerStatus()).toMatchObject({ 'dave@example.org': 'suppressed', 'erin@example.org': 'suppressed', 'alice@example.org': 'active' });
    expect((await status()).totals).toMatchObject({ hardBounces: 1, complaints: 1 });
  });

  it.skipIf(channel.skip)('proven refusals of the sender from one or two readers pause nothing; from three distinct readers they pause gmail.com', async () => {
    const refusal = (to: string) => dsn({ to: sentTo(to).verp, recipient: to, status: '5.7.1', diagnostic: SPAM_REFUSAL, originalMessageId: sentTo(to).messageId });
    await channel.deliver(ws, [refusal('g1@gmail.com'), refusal('g1@gmail.com'), refusal('g1@gmail.com'), refusal('g2@gmail.com')]);
    expect(pauses()).toEqual([]);
    await channel.deliver(ws, [refusal('g3@gmail.com')]);
    expect(pauses()).toEqual(['gmail.com']);
    // The readers keep their subscriptions.
    expect(readerStatus()).toMatchObject({ 'g1@gmail.com': 'active', 'g2@gmail.com': 'active', 'g3@gmail.com': 'active' });
  });

  it.skipIf(channel.skip)('after forget, an address that forged reports named is not kept as suppressed: it can be added again', async () => {
    const forgot = await ws.cli(['subscribers', 'forget', 'alice@example.org']);
    expect(forgot.code, forgot.stderr).toBe(0);
    expect(ws.rows('select * from suppressions')).toEqual([]);
    const added = await ws.cli(['subscribers', 'add', 'alice@example.org']);
    expect(added.code, added.stderr).toBe(0);
    expect(readerStatus()['alice@example.org']).toBe('active');
  });
});
