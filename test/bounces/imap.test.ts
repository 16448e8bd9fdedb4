/**
 * The bounce mailbox against a real Dovecot (Debian's dovecot-imapd, started by the test):
 * the real DSNs, ARF reports and auto-replies in fixtures/bounces/ plus a garbled message are
 * polled, each lands in exactly one of the two folders, nothing is deleted, re-runs handle
 * nothing twice, a failing handler leaves exactly its message behind, and a broken URL,
 * password or server gives one line without the password.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseImapUrl } from '../../src/bounces/imap-url.js';
import { type BounceHandler, bounceMailboxPoller, pollBounceMailbox } from '../../src/bounces/imap.js';
import { parseReport } from '../../src/bounces/parse.js';
import { AppError } from '../../src/errors.js';
import { createLog, silentLog } from '../../src/log.js';
import { freePort, startDovecot, type TestDovecot } from '../helpers/dovecot.js';
import { eventually, sleep } from '../helpers/eventually.js';
import { requires } from '../helpers/requires.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SAMPLES = path.join(ROOT, 'fixtures', 'bounces');
const samples = existsSync(SAMPLES)
  ? readdirSync(SAMPLES)
      .filter((f) => f.endsWith('.eml'))
      .sort()
      .map((f) => readFileSync(path.join(SAMPLES, f)))
  : [];
// Half a header, a broken boundary and bytes that are not UTF-8: what a broken MTA sends.
const GARBLED = Buffer.concat([
  Buffer.from('Subject: =?utf-8?B?broken\r\nContent-Type: multipart/report; boundary=\r\n\r\n--\r\n'),
  Buffer.from([0xff, 0xfe, 0x80, 0x0d, 0x0a]),
]);

const noDovecot = requires('dovecot');

/** The handler the worker will use: the real parser, its verdict mapped to a folder. */
const parserHandler: BounceHandler = async (raw, info) =>
  (await parseReport(raw, { bounceDomain: 'bounces.test', receivedAt: info.receivedAt })).kind === 'unreadable' ? 'unreadable' : 'processed';

/** Same bytes modulo line endings (IMAP sends CRLF whatever the Maildir file has). */
const digest = (raw: Buffer) => createHash('sha256').update(raw.toString('latin1').replace(/\r\n/g, '\n')).digest('hex');
const tally = (raws: Buffer[]) => raws.map(digest).sort();
const PROCESSED = 'Paperboy/Processed';
const UNREADABLE = 'Paperboy/Unreadable';

describe.skipIf(noDovecot)('bounce mailbox on a real Dovecot', () => {
  let dovecot: TestDovecot;
  // A fresh mailbox per test, so tests never see each other's mail; all known to Dovecot from the start.
  const USERS = Object.fromEntries([1, 2, 3, 4, 5, 6, 7, 8].map((n) => [`bounces${n}`, `pw-bounces${n}-s3cret`]));
  let users = 0;
  const newUser = async () => `bounces${++users}`;
  const counts = async (user: string) => ({
    inbox: (await dovecot.messages(user)).length,
    processed: (await dovecot.messages(user, PROCESSED)).length,
    unreadable: (await dovecot.messages(user, UNREADABLE)).length,
  });

  beforeAll(async () => {
    dovecot = await startDovecot({ users: USERS });
  });
  afterAll(async () => {
    await dovecot?.stop();
  });

  it('has the real samples to seed (fixtures/bounces)', () => {
    expect(samples.length).toBeGreaterThan(100);
  });

  it('moves every sample to exactly one folder by its verdict, deletes nothing, and a second poll handles nothing', async () => {
    const user = await newUser();
    await dovecot.seedMaildir(user, samples);
    await dovecot.append(user, GARBLED);
    const seeded = samples.length + 1;
    const verdicts = new Map<string, string[]>([
      ['processed', []],
      ['unreadable', []],
    ]);
    const seen = new Set<number>();
    const handle: BounceHandler = async (raw, info) => {
      expect(seen.has(info.uid)).toBe(false);
      seen.add(info.uid);
      expect(info.receivedAt).toBeInstanceOf(Date);
      const verdict = await parserHandler(raw, info);
      verdicts.get(verdict)!.push(digest(raw));
      return verdict;
    };

    const first = await pollBounceMailbox({ url: dovecot.url(user), handle, log: silentLog, batch: 40 });
    expect(first.failed).toBe(0);
    expect(first.processed + first.unreadable).toBe(seeded);
    expect(seen.size).toBe(seeded);

    const processed = await dovecot.messages(user, PROCESSED);
    const unreadable = await dovecot.messages(user, UNREADABLE);
    expect(await dovecot.messages(user)).toEqual([]);
    expect(processed.length + unreadable.length).toBe(seeded);
    // Each folder holds exactly the messages the handler gave that verdict, byte for byte.
    expect(tally(processed)).toEqual(verdicts.get('processed')!.sort());
    expect(tally(unreadable)).toEqual(verdicts.get('unreadable')!.sort());
    expect(tally([...processed, ...unreadable])).toEqual(tally([...samples, GARBLED]));
    expect(tally(unreadable)).toContain(digest(GARBLED));
    // Created with the server's own delimiter ('.' on a stock Dovecot Maildir), not a literal '/'.
    expect(await dovecot.folders(user)).toEqual(expect.arrayContaining(['Paperboy.Processed', 'Paperboy.Unreadable']));

    const calls: number[] = [];
    const second = await pollBounceMailbox({ url: dovecot.url(user), handle: async (_r, i) => (calls.push(i.uid), 'processed'), log: silentLog });
    expect(second).toEqual({ processed: 0, unreadable: 0, failed: 0 });
    expect(calls).toEqual([]);
    expect(await counts(user)).toEqual({ inbox: 0, processed: processed.length, unreadable: unreadable.length });
  });

  it('leaves exactly the message whose handler throws, and the next poll takes the same bytes', async () => {
    const user = await newUser();
    const mails = [1, 2, 3, 4].map((n) =>
      Buffer.from(`From: mailer-daemon@example.org\r\nSubject: report ${n}\r\nMessage-ID: <r${n}@example.org>\r\n\r\nbody ${n}\r\n`),
    );
    await dovecot.seedMaildir(user, mails);
    const attempts: string[] = [];
    const flaky: BounceHandler = async (raw) => {
      attempts.push(digest(raw));
      if (raw.includes('report 3')) throw new Error('cannot store report 3');
      return 'processed';
    };
    const warnings: string[] = [];
    const log = createLog((l) => warnings.push(l));
    expect(await pollBounceMailbox({ url: dovecot.url(user), handle: flaky, log, batch: 2 })).toEqual({ processed: 3, unreadable: 0, failed: 1 });
    expect(tally(await dovecot.messages(user))).toEqual([digest(mails[2]!)]);
    expect(warnings.join('')).toMatch(/uid \d+ left in INBOX for the next poll: cannot store report 3/);

    const retries: string[] = [];
    const retry: BounceHandler = async (raw) => (retries.push(digest(raw)), 'processed');
    expect(await pollBounceMailbox({ url: dovecot.url(user), handle: retry, log: silentLog })).toEqual({ processed: 1, unreadable: 0, failed: 0 });
    expect(await counts(user)).toEqual({ inbox: 0, processed: 4, unreadable: 0 });
    // The retry gets the very bytes of the failed attempt (so the same external id, which the store dedupes).
    expect(retries).toEqual([digest(mails[2]!)]);
    expect(attempts.filter((d) => d === digest(mails[2]!))).toHaveLength(1);
  });

  it('stops at a store outage and leaves the rest of the mailbox untouched for the next poll', async () => {
    const user = await newUser();
    await dovecot.seedMaildir(
      user,
      [1, 2, 3, 4, 5].map((n) => Buffer.from(`Subject: r${n}\r\n\r\nx\r\n`)),
    );
    let calls = 0;
    const down: BounceHandler = async () => {
      calls++;
      throw new AppError('STORE', 'cannot connect to PostgreSQL');
    };
    const r = await pollBounceMailbox({ url: dovecot.url(user), handle: down, log: silentLog });
    expect(r).toMatchObject({ processed: 0, unreadable: 0, failed: 1, stopped: expect.stringContaining('PostgreSQL') });
    expect(calls).toBe(1);
    // Plain errors: three in a row also read as an outage.
    calls = 0;
    const broken: BounceHandler = async () => {
      calls++;
      throw new Error('ECONNRESET');
    };
    expect(await pollBounceMailbox({ url: dovecot.url(user), handle: broken, log: silentLog })).toMatchObject({ failed: 3, stopped: expect.any(String) });
    expect(calls).toBe(3);
    expect(await counts(user)).toEqual({ inbox: 5, processed: 0, unreadable: 0 });
  });

  it('tries messages that failed before last, so that three that always fail cannot hold up the rest', async () => {
    const user = await newUser();
    await dovecot.seedMaildir(
      user,
      ['poison', 'poison', 'poison', 'fine', 'fine'].map((w, i) => Buffer.from(`Subject: ${w} ${i}\r\n\r\nx\r\n`)),
    );
    const handle: BounceHandler = async (raw) => {
      if (raw.includes('poison')) throw new Error('cannot read this one');
      return 'processed';
    };
    expect(await pollBounceMailbox({ url: dovecot.url(user), handle, log: silentLog })).toMatchObject({ processed: 0, failed: 3, stopped: expect.any(String) });
    expect(await pollBounceMailbox({ url: dovecot.url(user), handle, log: silentLog })).toMatchObject({ processed: 2, failed: 3 });
    const left = await dovecot.messages(user);
    expect(left.map((m) => /Subject: (\w+)/.exec(m.toString())![1])).toEqual(['poison', 'poison', 'poison']);
  });

  it('says in one line when the server is unreachable or the mailbox does not exist', async () => {
    const url = `imap://u:Secret-123@127.0.0.1:${await freePort()}/INBOX`;
    const down = await pollBounceMailbox({ url, handle: async () => 'processed', log: silentLog }).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(AppError);
    expect((down as AppError).code).toBe('SMTP_UNAVAILABLE');
    expect((down as AppError).message).toMatch(/^bounce mailbox imap:\/\/u:\*\*\*@127\.0\.0\.1:\d+\/INBOX: cannot connect: ECONNREFUSED/);
    expect((down as AppError).message).not.toMatch(/Secret-123|\n/);

    const user = await newUser();
    const missing = await pollBounceMailbox({ url: dovecot.url(user, 'Bounces/Nope'), handle: async () => 'processed', log: silentLog }).catch((e: unknown) => e);
    expect((missing as AppError).message).toMatch(/cannot open the mailbox Bounces\/Nope/);
    expect((missing as AppError).message).not.toContain('pw-');
  });

  it('polls on a timer one poll at a time, logs only polls that found something, and stop() waits for the poll in flight', async () => {
    const user = await newUser();
    await dovecot.append(user, 'Subject: first\r\n\r\nx\r\n');
    const lines: string[] = [];
    let calls = 0;
    let active = 0;
    let maxActive = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const handle: BounceHandler = async () => {
      maxActive = Math.max(maxActive, ++active);
      if (++calls === 2) await gate;
      active--;
      return 'processed';
    };
    const poller = bounceMailboxPoller({ url: dovecot.url(user), handle, log: createLog((l) => lines.push(l)), everySeconds: 0.05 });
    await eventually(() => lines.length === 1, { what: "the first poll's line", timeoutMs: 10_000 });
    await sleep(300); // a few empty polls: they log nothing
    expect(lines).toEqual(['bounces: 1 processed, 0 unreadable, 0 left for the next poll\n']);

    await dovecot.append(user, 'Subject: second\r\n\r\nx\r\n');
    await eventually(() => calls === 2, { what: 'the second message to be handled', timeoutMs: 10_000 });
    void poller.pollNow(); // queued behind the poll in flight, never beside it
    let stopped = false;
    const stopping = poller.stop().then(() => (stopped = true));
    await sleep(200);
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(maxActive).toBe(1);
    expect(lines).toHaveLength(2);

    await dovecot.append(user, 'Subject: third\r\n\r\nx\r\n');
    await sleep(300);
    expect(calls).toBe(2);
    expect(await poller.pollNow()).toBeUndefined();
    expect(await counts(user)).toEqual({ inbox: 1, processed: 2, unreadable: 0 });
  });

  it('polls a mailbox other than INBOX, named with / whatever the server delimiter', async () => {
    const user = await newUser();
    await dovecot.seedMaildir(user, []);
    await dovecot.append(user, 'Subject: x\r\n\r\ny\r\n', 'INBOX');
    const fresh = await pollBounceMailbox({ url: dovecot.url(user), handle: async () => 'unreadable', log: silentLog, unreadableFolder: 'Bounces/Later' });
    expect(fresh.unreadable).toBe(1);
    expect(await dovecot.messages(user, 'Bounces/Later')).toHaveLength(1);
    expect(await pollBounceMailbox({ url: dovecot.url(user, 'Bounces/Later'), handle: async () => 'processed', log: silentLog })).toEqual({
      processed: 1,
      unreadable: 0,
      failed: 0,
    });
    expect(await dovecot.messages(user, PROCESSED)).toHaveLength(1);
  });
  // Last: Dovecot delays the next logins from the same address after a failed one.
  it('refuses a wrong password with one line that does not contain it', async () => {
    const user = await newUser();
    const url = dovecot.url(user).replace(/:pw-[^@]+@/, ':Wr0ng-Passw0rd@');
    const err = await pollBounceMailbox({ url, handle: async () => 'processed', log: silentLog }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('SMTP_AUTH');
    expect((err as AppError).message).toMatch(/^bounce mailbox imap:\/\/bounces\d+:\*\*\*@127\.0\.0\.1:\d+\/INBOX: login refused/);
    expect((err as AppError).message).not.toMatch(/Wr0ng|\n/);
  });
});

describe.skipIf(noDovecot)('bounce mailbox over TLS with a self-signed certificate', () => {
  let dovecot: TestDovecot;
  beforeAll(async () => {
    dovecot = await startDovecot({ users: { tls: 'tls-secret-1' }, tls: true });
  });
  afterAll(async () => {
    await dovecot?.stop();
  });

  it('refuses the certificate unless the URL says ?tls=insecure', async () => {
    await dovecot.append('tls', 'Subject: over tls\r\n\r\nx\r\n');
    const url = `imaps://tls:tls-secret-1@127.0.0.1:${dovecot.tlsPort}/INBOX`;
    const err = await pollBounceMailbox({ url, handle: async () => 'processed', log: silentLog }).catch((e: unknown) => e);
    expect((err as AppError).message).toMatch(/TLS certificate not trusted .*\?tls=insecure/);
    expect((err as AppError).message).not.toContain('tls-secret-1');
    expect(await pollBounceMailbox({ url: `${url}?tls=insecure`, handle: async () => 'processed', log: silentLog })).toEqual({
      processed: 1,
      unreadable: 0,
      failed: 0,
    });
  });
});

describe('BOUNCE_IMAP_URL parsing', () => {
  it('reads user, password, host, port, mailbox and tls=insecure', () => {
    expect(parseImapUrl('imaps://bounces%40ex.org:p%40ss@mail.ex.org/Paperboy/Bounces?tls=insecure')).toMatchObject({
      host: 'mail.ex.org',
      port: 993,
      secure: true,
      user: 'bounces@ex.org',
      pass: 'p@ss',
      mailbox: ['Paperboy', 'Bounces'],
      insecureTls: true,
    });
    expect(parseImapUrl('imap://u:p@127.0.0.1')).toMatchObject({
      port: 143,
      secure: false,
      mailbox: ['INBOX'],
      insecureTls: false,
      redacted: 'imap://u:***@127.0.0.1',
    });
  });

  it.each([
    ['http://u:hunter2@h/INBOX', /scheme/],
    ['imap://h/INBOX', /user and password/],
    ['imap://u:hunter2@h/INBOX?tls=off', /unknown option tls=off/],
    ['not a url hunter2', /not a URL/],
  ])('refuses %s in one line without the password', (url, why) => {
    const err = (() => {
      try {
        parseImapUrl(url);
      } catch (e) {
        return e as AppError;
      }
    })();
    expect(err?.code).toBe('CONFIG_INVALID');
    expect(err?.message).toMatch(why);
    expect(err?.message).not.toContain('hunter2');
  });
});
