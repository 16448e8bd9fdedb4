import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseReport } from '../../src/bounces/parse.js';
import type { BounceEvent, EventType } from '../../src/domain.js';
import type { ParsedReport } from '../../src/bounces/parse.js';

/**
 * The real DSNs, ARF reports and auto-replies (copied into fixtures/bounces from
 * ../shared/samples/bounces, which a CI clone does not have): every one is parsed without
 * throwing, and lands where it should. A message set aside is named below with the reason.
 */
const DIR = fileURLToPath(new URL('../../fixtures/bounces/', import.meta.url));
// The collection's names only: other tests keep their own fixtures beside these.
const SAMPLES = readdirSync(DIR)
  .filter((f) => /^(?:arf|lhost-\w+|rfc3464|rfc3834)-\d+\.eml$/.test(f))
  .sort();
const RECEIVED = new Date('2026-01-01T00:00:00Z');
const parse = (raw: Buffer, bounceDomain?: string) => parseReport(raw, { receivedAt: RECEIVED, ...(bounceDomain ? { bounceDomain } : {}) });

/** Samples that are rightly not an event, with why. Everything else is one. */
const SET_ASIDE: Record<string, { kind: 'ignored' | 'unreadable'; why: string }> = {
  'arf-18.eml': { kind: 'ignored', why: 'ARF auth-failure (RFC 6591): our DMARC failed, "Delivery-Result: delivered"; not the reader complaining' },
  'arf-19.eml': { kind: 'ignored', why: 'ARF auth-failure: a DKIM failure report, "Delivery-Result: delivered"' },
  'arf-20.eml': { kind: 'ignored', why: 'ARF auth-failure: an OpenDMARC failure report' },
  'lhost-amazonses-12.eml': { kind: 'ignored', why: 'Amazon SES "Delivery" notification: the message was delivered' },
  'lhost-amazonses-13.eml': { kind: 'ignored', why: 'Amazon SES "Delivery" notification: the message was delivered' },
  'lhost-exim-38.eml': { kind: 'ignored', why: 'Exim "Warning: message delayed 24 hours": still being retried' },
  'lhost-exim-41.eml': { kind: 'ignored', why: 'Exim "Warning: message delayed 24 hours": still being retried' },
  'lhost-gmail-06.eml': { kind: 'ignored', why: 'Gmail "Delivery Status Notification (Delay)"' },
  'lhost-gmail-08.eml': { kind: 'ignored', why: 'Gmail "Delivery Status Notification (Delay)"' },
  'lhost-gmail-09.eml': { kind: 'ignored', why: 'Gmail "Delivery Status Notification (Delay)"' },
  'lhost-gmail-17.eml': { kind: 'ignored', why: 'Gmail "Delivery Status Notification (Delay)"' },
  'lhost-postfix-75.eml': { kind: 'ignored', why: "Postfix's SMTP error transcript to its postmaster (a 451 on its own queue), not a bounce of a sent message" },
  'rfc3464-07.eml': { kind: 'ignored', why: 'DSN with Action: delayed' },
  'rfc3464-09.eml': { kind: 'ignored', why: 'DSN with Action: delayed' },
  'rfc3464-28.eml': { kind: 'ignored', why: 'DSN with Action: deliverable (a success report)' },
  'rfc3464-34.eml': { kind: 'ignored', why: 'Postfix "Delayed Mail (still being retried)"' },
  'rfc3464-55.eml': { kind: 'ignored', why: 'Gmail DSN with Action: delayed' },
};

/** Samples whose event is of another type than their family's. */
const OTHER_TYPE: Record<string, EventType> = {
  'lhost-amazonses-11.eml': 'complaint', // an SES *complaint* notification mailed through SNS
};

/** Bounces that name no address: matched by the returned Message-ID alone. */
const NO_ADDRESS: Record<string, string> = {
  'lhost-postfix-64.eml': 'Postfix says "Delivery report unavailable": no recipient fields, no address in the text',
};

const BOUNCES: EventType[] = ['hard-bounce', 'soft-bounce', 'sender-refusal'];

function expectedFor(file: string): { kind: ParsedReport['kind']; types?: EventType[] } {
  const aside = SET_ASIDE[file];
  if (aside) return { kind: aside.kind };
  const other = OTHER_TYPE[file];
  if (other) return { kind: 'event', types: [other] };
  if (file.startsWith('arf-')) return { kind: 'event', types: ['complaint'] };
  if (file.startsWith('rfc3834-')) return { kind: 'ignored' };
  return { kind: 'event', types: BOUNCES };
}

async function eventOf(file: string): Promise<BounceEvent> {
  const r = await parse(readFileSync(DIR + file));
  if (r.kind !== 'event') throw new Error(`${file}: ${r.kind} (${r.reason})`);
  return r.event;
}

describe('every sample in fixtures/bounces', () => {
  it('has them all, with the licence and the README', () => {
    expect(SAMPLES.length).toBe(217);
    expect(readdirSync(DIR)).toEqual(expect.arrayContaining(['LICENSE', 'README.md']));
    for (const file of Object.keys({ ...SET_ASIDE, ...OTHER_TYPE, ...NO_ADDRESS })) expect(SAMPLES).toContain(file);
  });

  it.each(SAMPLES)('%s', async (file) => {
    const r = await parse(readFileSync(DIR + file));
    const want = expectedFor(file);
    expect(r.kind, r.kind === 'event' ? r.event.type : r.reason).toBe(want.kind);
    if (r.kind !== 'event') return expect(r.reason).toBeTruthy();
    const e = r.event;
    expect(want.types).toContain(e.type);
    expect(e.source).toBe('imap');
    expect(e.externalId).toMatch(/\S/);
    expect(new Date(e.occurredAt).toISOString()).toBe(e.occurredAt);
    expect(e.recipient ?? e.originalMessageId ?? e.verpToken, 'something to match it by').toBeTruthy();
    if (e.recipient) expect(e.recipient).toBe(e.recipient.toLowerCase());
    if (e.originalMessageId) expect(e.originalMessageId).not.toMatch(/[<>\s]/);
    if (e.diagnostic) expect(e.diagnostic.length <= 300 && !/[\r\n]/.test(e.diagnostic)).toBe(true);
    if (e.type === 'complaint') expect(e.feedbackType).toBeTruthy();
    else if (!NO_ADDRESS[file]) expect(e.recipient, 'a bounce names the address').toBeTruthy();
  });
});

describe('what the samples say, across MTAs', () => {
  it.each<[string, EventType, string, string | undefined]>([
    ['lhost-gmail-01.eml', 'hard-bounce', 'userunknown@example.jp', '5.1.1'],
    ['lhost-gmail-16.eml', 'soft-bounce', 'mailboxfull@bouncehammer.jp', '5.2.2'],
    ['lhost-gmail-04.eml', 'sender-refusal', 'kijitora@example.com', '5.7.1'], // blocked using cbl.abuseat.org
    ['lhost-exim-02.eml', 'hard-bounce', 'kijitora@example.jp', '5.1.1'],
    ['lhost-exim-01.eml', 'sender-refusal', 'kijitora@example.ed.jp', '5.7.0'], // refused at MAIL FROM
    ['lhost-exim-60.eml', 'soft-bounce', 'nyaan%gol.com@q002.kijitora.gol.com', '5.0.0'], // "mailbox is full", address from X-Failed-Recipients
    ['lhost-office365-01.eml', 'hard-bounce', 'kijitora@example.com', '5.1.10'], // no delivery-status part: read from the text
    ['lhost-office365-03.eml', 'sender-refusal', 'kijitora@example.com', '5.1.0'], // SPF, despite 5.1.0
    ['lhost-office365-12.eml', 'soft-bounce', 'kijitora@cr.neko.nyaan.jp', '5.2.2'],
    ['lhost-amazonses-01.eml', 'sender-refusal', 'shironeko@example.co.jp', '5.7.1'], // SES summary 5.1.0 over the remote 5.7.1
    ['lhost-amazonses-03.eml', 'soft-bounce', 'kijitora@example.jp', '5.2.2'],
    ['lhost-amazonses-10.eml', 'hard-bounce', 'bounce@simulator.amazonses.com', '5.1.1'], // SNS envelope around SES JSON
    ['lhost-postfix-30.eml', 'hard-bounce', 'kijitora@example.br', '5.4.1'], // Office 365 directory-based edge blocking
    ['lhost-postfix-70.eml', 'sender-refusal', 'kijitora@google.example.com', '5.7.26'], // DMARC
    ['lhost-postfix-59.eml', 'soft-bounce', 'kijitora@ggl.example.org', '5.2.1'], // Gmail: receiving too fast, not dead
    ['lhost-postfix-05.eml', 'soft-bounce', 'kijitora@example.org', '4.1.1'], // gave up on a 450: transient, not hard
    ['lhost-postfix-07.eml', 'hard-bounce', 'kijitora@user.example.or.jp', undefined], // plain text, Postfix layout
    ['rfc3464-04.eml', 'soft-bounce', 'kijitora@mailx-53.neko.example.edu', '5.5.0'], // multipart/report without boundaries
    ['rfc3464-65.eml', 'hard-bounce', 'kijitora@example.it', '5.0.0'], // Gmail "Address not found", reason from the text
  ])('%s → %s %s %s', async (file, type, recipient, status) => {
    const e = await eventOf(file);
    expect({ type: e.type, recipient: e.recipient, status: e.status }).toEqual({ type, recipient, status });
  });

  it('reads complaints: ARF, Outlook.com JMRP, Apple unsubscribe, SES', async () => {
    expect(await eventOf('arf-02.eml')).toMatchObject({ type: 'complaint', feedbackType: 'abuse', recipient: 'this-local-part-does-not-exist-on-yahoo@yahoo.com' });
    expect(await eventOf('arf-12.eml')).toMatchObject({ feedbackType: 'opt-out', recipient: 'user@example.com' });
    expect(await eventOf('arf-22.eml')).toMatchObject({
      feedbackType: 'abuse',
      recipient: 'kijitora@example.com',
      originalMessageId: '0000000000fffffffff0000000000000@example.com',
    });
    expect(await eventOf('arf-26.eml')).toMatchObject({ feedbackType: 'opt-out', recipient: 'example@icloud.com' });
    expect(await eventOf('lhost-amazonses-11.eml')).toMatchObject({ type: 'complaint', feedbackType: 'abuse', recipient: 'complaint@simulator.amazonses.com' });
  });

  it("keeps the matching keys: the returned Message-ID, the report's own id, the report's time", async () => {
    expect(await eventOf('lhost-gmail-01.eml')).toMatchObject({
      externalId: '047d7bdca0c250c6c004fe72bd32@google.com',
      originalMessageId: 'D992C2C3-F175-4C4D-97E2-53A90E4E5BF5@gmail.com',
      occurredAt: '2014-07-18T07:31:02.000Z',
    });
    // Exim's plain-text bounce: the copy of the message follows "------ This is a copy …".
    expect((await eventOf('lhost-exim-01.eml')).originalMessageId).toBe('E1P1ce6-000Egt-GZ@e1.example.org');
  });

  it('ignores the RFC 3834 auto-replies, and Exim bounces that say "auto-replied" are still bounces', async () => {
    for (const f of SAMPLES.filter((s) => s.startsWith('rfc3834-'))) expect((await parse(readFileSync(DIR + f))).kind).toBe('ignored');
    expect(readFileSync(DIR + 'lhost-exim-02.eml', 'latin1')).toMatch(/^Auto-Submitted: auto-replied/m);
    expect((await eventOf('lhost-exim-02.eml')).type).toBe('hard-bounce');
  });
});

/** A minimal Postfix-style DSN mailed to a VERP address, returning our message's headers. */
function dsn({ to = 'bounces+abc123@bounces.example.org', messageId = '<dsn-1@mx.example.net>', returned = true, recipient = 'Reader@Example.com' } = {}): Buffer {
  const lines = [
    'From: MAILER-DAEMON@mx.example.net (Mail Delivery System)',
    `To: ${to}`,
    'Subject: Undelivered Mail Returned to Sender',
    'Date: Wed, 31 Dec 2025 10:00:00 +0000',
    ...(messageId ? [`Message-ID: ${messageId}`] : []),
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
    '',
    '--B',
    'Content-Type: text/plain',
    '',
    'Your message could not be delivered.',
    '',
    '--B',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.net',
    'Arrival-Date: Wed, 31 Dec 2025 09:59:58 +0000',
    '',
    ...(recipient ? [`Final-Recipient: rfc822; ${recipient}`] : []),
    'Action: failed',
    'Status: 5.1.1',
    'Diagnostic-Code: smtp; 550 5.1.1 <reader@example.com>: Recipient address',
    '    rejected: User unknown in local recipient table',
    '',
    ...(returned
      ? [
          '--B',
          'Content-Type: text/rfc822-headers',
          '',
          'From: Paperboy <news@example.org>',
          'To: reader@example.com',
          'Message-ID: <paperboy.4.17.x@example.org>',
          'Subject: Trending papers',
          '',
        ]
      : []),
    '--B--',
    '',
  ];
  return Buffer.from(lines.join('\r\n'));
}

describe('synthetic reports', () => {
  it('finds the VERP token of bounces+TOKEN@<bounceDomain> and the returned Message-ID', async () => {
    const r = await parse(dsn(), 'bounces.example.org');
    expect(r).toEqual({
      kind: 'event',
      event: expect.objectContaining({
        type: 'hard-bounce',
        verpToken: 'abc123',
        originalMessageId: 'paperboy.4.17.x@example.org',
        recipient: 'reader@example.com',
        status: '5.1.1',
        externalId: 'dsn-1@mx.example.net',
        occurredAt: '2025-12-31T09:59:58.000Z',
        diagnostic: '550 5.1.1 <reader@example.com>: Recipient address rejected: User unknown in local recipient table',
      }),
    });
  });

  it('takes no token from another domain when the bounce domain is set', async () => {
    for (const to of ['bounces+abc123@elsewhere.example', 'bounces+abc123@bounces.example.org.elsewhere.example']) {
      const r = await parse(dsn({ to }), 'bounces.example.org');
      expect(r.kind === 'event' && r.event.verpToken, to).toBe(undefined);
    }
  });

  it('names a report without a Message-ID by a hash of its bytes, the same each time', async () => {
    const raw = dsn({ messageId: '' });
    const [a, b] = await Promise.all([parse(raw), parse(raw)]);
    expect(a.kind === 'event' && a.event.externalId).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(a).toEqual(b);
  });

  it('sets aside a failure it cannot match to anything', async () => {
    const r = await parse(dsn({ to: 'ops@example.org', returned: false, recipient: '' }));
    expect(r.kind).toBe('unreadable');
  });

  it('ignores auto-replies that say so only in a header or an encoded subject', async () => {
    const mail = (headers: string) => Buffer.from(`From: reader@example.com\r\nTo: bounces+abc123@bounces.example.org\r\n${headers}\r\n\r\nBack on Monday.\r\n`);
    for (const h of [
      'Subject: =?UTF-8?Q?Out_of_Office=3A_Trending_papers?=',
      'Subject: Re: Trending papers\r\nX-Autoreply: yes',
      'Subject: Re: x\r\nPrecedence: auto_reply',
    ]) {
      expect(await parse(mail(h)), h).toEqual({ kind: 'ignored', reason: expect.stringMatching(/auto-reply/) });
    }
  });

  it('never throws: empty, garbage, 2 MB of random bytes, a mail that is no report', async () => {
    const inputs = [
      Buffer.alloc(0),
      Buffer.from('\u0000\u0001\u00ff garbage\r\n\r\n\u0000'),
      randomBytes(2 * 1024 * 1024),
      Buffer.concat([Buffer.from('From: MAILER-DAEMON@example.org\r\nSubject: Undelivered Mail\r\n\r\n'), randomBytes(2 * 1024 * 1024)]),
      Buffer.from('From: a@example.org\r\nTo: b@example.org\r\nSubject: hello\r\n\r\nJust a letter.\r\n'),
    ];
    for (const raw of inputs) {
      const r = await parse(raw);
      expect(r.kind, raw.length ? raw.subarray(0, 40).toString('latin1') : 'empty').toBe('unreadable');
      expect(r.kind !== 'event' && r.reason).toBeTruthy();
    }
  });
});

/** A plain-text bounce as Yahoo, AOL and qmail write them: no delivery-status part. */
function plainBounce(body: string, { from = 'MAILER-DAEMON@mta.example.net', subject = 'failure notice', to = 'bounces+abc123@bounces.example.org' } = {}): Buffer {
  const head = [`From: ${from}`, `To: ${to}`, `Subject: ${subject}`, 'Date: Wed, 31 Dec 2025 10:00:00 +0000', 'Message-ID: <plain-1@mta.example.net>', ''];
  const copy = [
    '',
    '--- Below this line is a copy of the message.',
    '',
    'From: Paperboy <news@example.org>',
    'To: reader@example.com',
    'Message-ID: <paperboy.4.17.x@example.org>',
    'Subject: Trending papers',
    '',
    'Hello.',
    '',
  ];
  return Buffer.from([...head, ...body.split('\n'), ...copy].join('\r\n'));
}

const YAHOO = 'Sorry, we were unable to deliver your message to the following address.\n\n<reader@example.com>:\n';
const QMAIL =
  "Hi. This is the qmail-send program at mta.example.net.\nI'm afraid I wasn't able to deliver your message to the following addresses.\nThis is a permanent error; I've given up. Sorry it didn't work out.\n\n<reader@example.com>:\n";

describe("issue 16: plain-text bounces are read like the others, and the sender's refusals never count against the reader", () => {
  it.each<[string, Buffer, EventType, string | undefined]>([
    // Yahoo's and AOL's "NNN: X.Y.Z" and "NNN: : text" (sisimai lhost-yahoo-10, lhost-aol).
    [
      'Yahoo "550: 5.1.1 <addr>... User Unknown"',
      plainBounce(`${YAHOO}550: 5.1.1 <reader@example.com>... User Unknown`, { subject: 'Failure Notice' }),
      'hard-bounce',
      '5.1.1',
    ],
    ['AOL "550: : User unknown"', plainBounce(`${YAHOO}550: : User unknown`, { subject: 'Failure Notice' }), 'hard-bounce', undefined],
    [
      'Yahoo "501: 5.1.8 Sender address rejected"',
      plainBounce(`${YAHOO}501: 5.1.8 Sender address rejected`, { subject: 'Failure Notice' }),
      'sender-refusal',
      '5.1.8',
    ],
    [
      'Yahoo "554 invalid IP for sending"',
      plainBounce(`${YAHOO}Remote host said: 554 INVALID IP FOR SENDING MAIL OF DOMAIN example.org [RCPT_TO]`),
      'sender-refusal',
      undefined,
    ],
    // qmail-remote says which step was refused (sisimai lhost-qmail-04, -08, -11, -13, -21).
    [
      'qmail, HELO name rejected',
      plainBounce(
        `${QMAIL}Connected to 192.0.2.112 but my name was rejected.\nRemote host said: 501 5.0.0 Invalid domain name\nI'm not going to try again; this message has been in the queue too long.`,
      ),
      'sender-refusal',
      '5.0.0',
    ],
    [
      'qmail, sender rejected',
      plainBounce(`${QMAIL}Connected to 192.0.2.7 but sender was rejected.\nRemote host said: 553 sorry, your envelope sender domain must exist (#5.7.1)`),
      'sender-refusal',
      '5.7.1',
    ],
    [
      'qmail, "552 disk quota exceeded"',
      plainBounce(`${QMAIL}192.0.2.1 does not like recipient.\nRemote host said: 552 Error: disk quota exceeded\nGiving up on 192.0.2.20.`),
      'soft-bounce',
      undefined,
    ],
    ['qmail, no mailbox', plainBounce(`${QMAIL}Sorry, no mailbox here by that name. (#5.1.1)`), 'hard-bounce', '5.1.1'],
    ['vpopmail, no mailbox', plainBounce(`${QMAIL}Sorry, no mailbox here by that name. vpopmail (#5.1.1)`), 'hard-bounce', '5.1.1'],
    ['qmail, no such host', plainBounce(`${QMAIL}Sorry, I couldn't find any host named example.invalid. (#5.1.2)`), 'hard-bounce', '5.1.2'],
    [
      'qmail, a deferral for our reputation that it gave up on',
      plainBounce(
        `${QMAIL}Remote host said: 421 4.7.0 [TSS04] Messages from 192.0.2.25 temporarily deferred due to unexpected volume or user complaints\nI'm not going to try again; this message has been in the queue too long.`,
      ),
      'sender-refusal',
      '4.7.0',
    ],
  ])('%s', async (_name, raw, type, status) => {
    const r = await parse(raw);
    expect(r.kind === 'event' ? { type: r.event.type, recipient: r.event.recipient, status: r.event.status } : r).toEqual({
      type,
      recipient: 'reader@example.com',
      status,
    });
  });

  it('reads a qmail bounce mailed to the very address that failed (a forward to itself), not "unreadable"', async () => {
    // sisimai lhost-qmail-08: the failed address is also the bounce's own To.
    const raw = plainBounce(
      `${QMAIL.replace('reader@example.com', 'shironeko@example.ad.jp')}192.0.2.1 does not like recipient.\nRemote host said: 552 Error: disk quota exceeded`,
      { to: 'shironeko@example.ad.jp' },
    );
    const r = await parse(raw);
    expect(r.kind === 'event' && { type: r.event.type, recipient: r.event.recipient }).toEqual({ type: 'soft-bounce', recipient: 'shironeko@example.ad.jp' });
  });

  it('reads a DSN whose Status says 5.1.1 but whose remote reply refuses our HELO name as a refusal of the sender', async () => {
    const raw = Buffer.from(
      dsn()
        .toString('latin1')
        .replace(
          '550 5.1.1 <reader@example.com>: Recipient address\r\n    rejected: User unknown in local recipient table',
          '550 5.1.1 Rejected: HELO/EHLO hostname does not exist',
        ),
      'latin1',
    );
    const r = await parse(raw, 'bounces.example.org');
    expect(r.kind === 'event' && r.event.type).toBe('sender-refusal');
  });
});

describe("when the reporter's diagnostic names no reason, the report's own words decide", () => {
  const exchange = [
    'Your message',
    '  To:      Readers',
    '  Subject: Trending papers',
    'did not reach the following recipient(s):',
    'reader@example.com on Wed, 31 Dec 2025 10:00:00 +0000',
    '    The recipient name is not recognized',
    '    MSEXCH:IMS:Example:SITE:MX01 0 (000C05A6) Unknown Recipient',
  ].join('\n');

  it.each<[string, Buffer, EventType]>([
    // Exchange 5.5's IMS (flufl.bounce's groupwise/microsoft samples, sisimai lhost-exchange2003).
    [
      'Exchange IMS: "The recipient name is not recognized"',
      plainBounce(exchange, { subject: 'Undeliverable: Trending papers', from: 'System Administrator <postmaster@example.com>' }),
      'hard-bounce',
    ],
    // Domino says it in the subject.
    [
      'Domino, in the subject',
      plainBounce('Your message\n  Subject: Trending papers\nwas not delivered to:\n  reader@example.com', {
        subject: 'DELIVERY FAILURE: User reader (reader@example.com) not listed in Domino Directory',
        from: 'Postmaster@example.com',
      }),
      'hard-bounce',
    ],
    // MDaemon words a permanent failure "Warning: … User unknown!": not a delay notice.
    [
      'MDaemon "Warning: … User unknown!"',
      plainBounce('reader@example.com - no such user here.\nThere is no user by that name at this server.', {
        subject: 'Warning: reader@example.com - User unknown!',
        from: 'MDaemon@example.com',
      }),
      'hard-bounce',
    ],
    // A bulleted list of possible causes is no verdict.
    [
      'a list of possible causes',
      plainBounce(`${QMAIL}Delivery failed.\nThe most common reasons are:\n- the e-mail address doesn't exist\n- the mailbox is full`),
      'soft-bounce',
    ],
    // Exim's "undisclosed address" (a pipe or file) is not a "closed address".
    [
      'Exim, an undisclosed address',
      plainBounce(
        'This message was created automatically by mail delivery software.\n\nA message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent error. The following address(es) failed:\n\n  an undisclosed address\n    (generated from reader@example.com)',
        { subject: 'Mail delivery failed: returning message to sender' },
      ),
      'soft-bounce',
    ],
  ])('%s', async (_name, raw, type) => {
    const r = await parse(raw);
    expect(r.kind === 'event' ? { type: r.event.type, recipient: r.event.recipient } : r).toEqual({ type, recipient: 'reader@example.com' });
  });

  it('reads a DSN whose Action says "failure" as failed', async () => {
    const raw = dsn().toString('latin1').replace('Action: failed', 'Action: failure');
    const r = await parse(Buffer.from(raw, 'latin1'));
    expect(r.kind === 'event' && r.event.type).toBe('hard-bounce');
  });

  it('ignores out-of-office replies whose subject is in another language', async () => {
    const mail = (subject: string) =>
      Buffer.from(`From: reader@example.com\r\nTo: bounces+abc123@bounces.example.org\r\nSubject: ${subject}\r\n\r\nBack on Monday.\r\n`);
    for (const s of [
      'Automatische Antwort: Trending papers',
      'Autosvar: Trending papers',
      '=?UTF-8?Q?Automatyczna_odpowied=C5=BA=3A_Trending_papers?=',
      'Risposta automatica: Trending papers',
    ]) {
      expect(await parse(mail(s)), s).toEqual({ kind: 'ignored', reason: expect.stringMatching(/auto-reply/) });
    }
  });
});

describe('reports that arrive wrapped or announce a delay', () => {
  it('reads a DSN that a gateway forwarded whole as a message/rfc822 attachment', async () => {
    const inner = dsn().toString('latin1');
    const outer = [
      'From: postmaster@gateway.example.net',
      'To: bounces+abc123@bounces.example.org',
      'Subject: Delivery Status Notification (Failure)',
      'Date: Wed, 31 Dec 2025 10:05:00 +0000',
      'Message-ID: <wrap-1@gateway.example.net>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="W"',
      '',
      '--W',
      'Content-Type: message/rfc822',
      'Content-Disposition: attachment; filename=originalmail.eml',
      '',
      inner,
      '--W--',
      '',
    ].join('\r\n');
    const r = await parse(Buffer.from(outer, 'latin1'), 'bounces.example.org');
    expect(r.kind === 'event' && { type: r.event.type, recipient: r.event.recipient }).toEqual({ type: 'hard-bounce', recipient: 'reader@example.com' });
  });

  it('ignores a "Mail Delivery Warning" that only postpones delivery', async () => {
    const raw = plainBounce(
      'Delivery of email to this address\n"reader@example.com"\nhas been postponed due to a full mailbox.\nWe will continue to try to deliver your message over the next few days.',
      {
        subject: 'Mail Delivery Warning',
        from: 'Postmaster <postmaster@example.com>',
      },
    );
    expect((await parse(raw)).kind).toBe('ignored');
  });
});

describe('challenge-response notices are not bounces', () => {
  // Challenge-response filters (Boxbe, Bluebottle, SpamArrest, Mailblocks, ChoiceMail…) answer
  // mail from unknown senders with a request to verify or whitelist themselves, often dressed up as
  // a DSN with a 4.7.0 status. The reader's address works and nothing was refused for good: nothing to do.
  const notice = (body: string, extra: string[] = []) =>
    Buffer.from(
      [
        'From: noreply@screening.example.net',
        'To: bounces+abc123@bounces.example.org',
        'Subject: Re: Trending papers (Action Required)',
        'Date: Wed, 31 Dec 2025 10:00:00 +0000',
        'Message-ID: <cr-1@screening.example.net>',
        ...extra,
        '',
        ...body.split('\n'),
        '',
      ].join('\r\n'),
    );

  it('a plain notice asking the sender to verify or add themselves is ignored', async () => {
    for (const body of [
      'Your message to reader@example.com has been waitlisted.\nPlease add yourself to my Guest List so your messages will be delivered.',
      'This account is protected by a challenge-response filter. Please click the link below to verify that you are a real person.',
      'I am using a spam filter. To get your message delivered, please confirm that you sent it by visiting the address below.',
    ]) {
      const r = await parse(notice(body));
      expect(r, body).toEqual({ kind: 'ignored', reason: expect.stringMatching(/challenge-response/) });
    }
  });

  it('even dressed as a DSN with a 4.7.0 status', async () => {
    const raw = Buffer.from(
      [
        'From: noreply@screening.example.net',
        'To: bounces+abc123@bounces.example.org',
        'Subject: Re: Trending papers (Action Required)',
        'Date: Wed, 31 Dec 2025 10:00:00 +0000',
        'Message-ID: <cr-2@screening.example.net>',
        'MIME-Version: 1.0',
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'Your message was waitlisted. Please add yourself to my Guest List: sender not pre-approved.',
        '--b',
        'Content-Type: message/delivery-status',
        '',
        'Reporting-MTA: dns; screening.example.net',
        '',
        'Final-Recipient: rfc822; reader@example.com',
        'Action: failed',
        'Status: 4.7.0',
        'Diagnostic-Code: X-Notice; Sender not pre-approved. Follow the instructions in the notice',
        '--b--',
        '',
      ].join('\r\n'),
    );
    expect(await parse(raw)).toEqual({ kind: 'ignored', reason: expect.stringMatching(/challenge-response/) });
  });

  it('a real refusal that mentions verification still counts', async () => {
    const r = await parse(plainBounce(`${YAHOO}550 5.1.1 <reader@example.com>: Recipient address rejected: User unknown\n`));
    expect(r.kind === 'event' && r.event.type).toBe('hard-bounce');
  });
});
