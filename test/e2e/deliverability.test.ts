/**
 * Deliverability end to end, with real parts: the in-process SMTP server answering at RCPT as
 * real servers do, the real CLI (`send`, `status`), the real store (SQLite, or PostgreSQL in the
 * PostgreSQL pass), the bounce mailbox's handler on real DSN/ARF/auto-reply samples, and the
 * HTTP app's webhook route with a Svix signature. Only the clock is fake.
 *
 * - a refusal of the recipient (5.1.1) fails and suppresses; a refusal of the sender (5.7.26
 *   DMARC) fails one delivery, suppresses nobody, pauses the domain (its other rows wait,
 *   unattempted) and does not stop the run; a full mailbox (5.2.2) is soft, and suppresses at
 *   the third soft bounce over three issues;
 * - with BOUNCE_DOMAIN every return path is a VERP address whose token names the delivery;
 * - a DSN and an ARF complaint about our deliveries suppress exactly their readers, once;
 *   an auto-reply changes nothing;
 * - a Resend webhook suppresses; a replay stores nothing; a forged signature changes nothing.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.js';
import { bounceHandler } from '../../src/bounces/mailbox.js';
import { loadConfig } from '../../src/config.js';
import { createHttpApp } from '../../src/http/server.js';
import { silentLog } from '../../src/log.js';
import { Tokens } from '../../src/subscriptions/tokens.js';
import { firstAddress, reply, startSmtp, type TestSmtp } from '../helpers/smtp.js';
import { RESEND_SECRET, resendEvent, svixHeaders } from '../helpers/webhooks.js';
import { FIXTURES, NEXT_DAY, SEED, type Workspace, workspace } from '../helpers/workspace.js';

const T0 = Date.parse('2026-03-02T08:00:00Z');
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const BOUNCE_DOMAIN = 'bounces.example.org';
const BOUNCES = path.join(FIXTURES, 'bounces');

const USER_UNKNOWN = (a: string) => reply(550, `5.1.1 <${a}>: Recipient address rejected: User unknown`);
const DMARC = () => reply(550, "5.7.26 Unauthenticated email from example.org is not accepted due to domain's DMARC policy");
const MAILBOX_FULL = () => reply(552, '5.2.2 mailbox full');

interface LedgerRow {
  id: number;
  issue_id: number;
  subscriber_id: number;
  email: string;
  status: string;
  attempts: number;
  next_attempt_at: string | null;
  message_id: string | null;
  reader: string;
}
interface EventRow {
  type: string;
  source: string;
  delivery_id: number | null;
  subscriber_id: number | null;
  domain: string | null;
  status: string | null;
  feedback_type: string | null;
  action: string;
}

const ledger = (ws: Workspace) =>
  ws
    .rows<LedgerRow>(
      `select d.id, d.issue_id, d.subscriber_id, s.email, d.status, d.attempts, d.next_attempt_at, d.message_id, s.status as reader
       from deliveries d join subscribers s on s.id = d.subscriber_id order by d.id`,
    )
    .map((r) => ({ ...r, id: Number(r.id), issue_id: Number(r.issue_id), subscriber_id: Number(r.subscriber_id), attempts: Number(r.attempts) }));
const deliveryOf = (ws: Workspace, email: string, issueId = 1) => ledger(ws).find((r) => r.email === email && r.issue_id === issueId)!;
const events = (ws: Workspace) =>
  ws.rows<EventRow>('select type, source, delivery_id, subscriber_id, domain, status, feedback_type, action from events order by id').map((e) => ({
    ...e,
    delivery_id: e.delivery_id === null ? null : Number(e.delivery_id),
    subscriber_id: e.subscriber_id === null ? null : Number(e.subscriber_id),
  }));
const readerStatus = (ws: Workspace) =>
  Object.fromEntries(ws.rows<{ email: string; status: string }>('select email, status from subscribers order by id').map((s) => [s.email, s.status]));
/** Everything a report could change: the readers, the events, the ledger, the paused domains. */
const storeState = (ws: Workspace) => ({
  subscribers: ws.rows('select * from subscribers order by id'),
  events: ws.rows('select * from events order by id'),
  deliveries: ws.rows('select * from deliveries order by id'),
  pauses: ws.rows('select * from domain_pauses order by domain'),
});

async function addReaders(ws: Workspace, emails: string[]): Promise<void> {
  writeFileSync(path.join(ws.dir, 'readers.csv'), `email\n${emails.join('\n')}\n`);
  const r = await ws.cli(['subscribers', 'import', path.join(ws.dir, 'readers.csv')]);
  expect(r.code, r.stderr).toBe(0);
  expect(Object.keys(readerStatus(ws))).toEqual(emails);
}

/** A JSON digest of `n` papers no earlier digest had, in the workspace. */
let digests = 0;
function newPapers(ws: Workspace, n = 3): string {
  const tag = ++digests;
  const file = path.join(ws.dir, `papers-${tag}.json`);
  const papers = Array.from({ length: n }, (_, i) => ({
    title: `Deliverability study ${tag}.${i + 1}: sparse attention for mailbox providers`,
    abstract: `Paper ${i + 1} of digest ${tag}, new today.`,
    authors: ['A. Researcher'],
  }));
  writeFileSync(file, JSON.stringify({ version: 1, papers }));
  return file;
}

describe('refusals at RCPT: the reader, the domain and the run', () => {
  let clock = T0;
  let smtp: TestSmtp;
  let ws: Workspace;
  let strictRefuses = true;
  let firstSend = '';
  // Ledger ids follow this order. One connection (SMTP_POOL=1), so "the first" of a domain is well
  // defined: with several, the domain's next readers may already be in flight when the refusal
  // comes back (the pool answers it after an RSET), and they fail too.
  const readers = [
    'ada@example.org',
    'first@strict.example',
    'gone@example.org',
    'grace@example.net',
    'second@strict.example',
    'full@mailbox.example',
    'alan@other.example',
    'bob@example.com',
    'carol@example.com',
    'dave@example.net',
    'erin@other.example',
    // The 12th row is in the second claimed batch (10 rows a batch with one connection).
    'third@strict.example',
  ];
  const accepted = readers.filter((r) => !['gone@example.org', 'full@mailbox.example'].includes(r) && !r.endsWith('@strict.example'));

  beforeAll(async () => {
    smtp = await startSmtp({
      onRcpt: (a) => {
        if (a === 'gone@example.org') return USER_UNKNOWN(a);
        if (a === 'full@mailbox.example') return MAILBOX_FULL();
        if (a.endsWith('@strict.example') && strictRefuses) return DMARC();
        return undefined;
      },
    });
    ws = workspace({ SMTP_URL: smtp.url, SMTP_POOL: '1' }, () => new Date(clock));
    expect((await ws.cli(['ingest', SEED])).code).toBe(0);
    await addReaders(ws, readers);
  });
  afterAll(async () => {
    await smtp?.close();
    ws?.cleanup();
  });

  it('send: the dead address is suppressed, the refused domain is paused with nobody suppressed, the run goes on and exits 0', async () => {
    const sent = await ws.cli(['send']);
    firstSend = sent.stdout;
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toMatch(/Sent issue #1 \(daily\).*: 7 sent, 3 failed/);
    // The operator is told which domain is paused, and that its readers keep their subscriptions.
    expect(sent.stderr).toMatch(
      /strict\.example refused the sender \(550 5\.7\.26 Unauthenticated email from example\.org.*nothing goes to strict\.example for 60 min/,
    );
    expect(`${sent.stdout}${sent.stderr}`).not.toMatch(/paused: .*issue #1|SEND_PAUSED/);

    // Every other reader got exactly one message; the paused domain's other readers were never tried.
    expect(smtp.received.map((m) => m.envelope.to[0]).sort()).toEqual([...accepted].sort());
    for (const a of [...accepted, 'gone@example.org', 'full@mailbox.example', 'first@strict.example']) expect(smtp.rcpt.get(a), a).toBe(1);
    expect(smtp.rcpt.get('second@strict.example')).toBeUndefined();
    expect(smtp.rcpt.get('third@strict.example')).toBeUndefined();

    const rows = new Map(ledger(ws).map((r) => [r.email, r]));
    expect(rows.get('gone@example.org')).toMatchObject({ status: 'failed', reader: 'suppressed' });
    expect(rows.get('first@strict.example')).toMatchObject({ status: 'failed', attempts: 1, reader: 'active' });
    expect(rows.get('full@mailbox.example')).toMatchObject({ status: 'failed', reader: 'active' });
    for (const a of ['second@strict.example', 'third@strict.example']) {
      const row = rows.get(a)!;
      expect(row, a).toMatchObject({ status: 'pending', attempts: 0, reader: 'active' });
      const due = Date.parse(row.next_attempt_at!);
      expect(due - T0, a).toBeGreaterThanOrEqual(59 * 60_000);
      expect(due - T0, a).toBeLessThanOrEqual(61 * 60_000);
    }
    for (const a of accepted) expect(rows.get(a), a).toMatchObject({ status: 'sent', reader: 'active' });
    expect(Object.entries(readerStatus(ws)).filter(([, s]) => s !== 'active')).toEqual([['gone@example.org', 'suppressed']]);

    const pauses = ws.rows<{ domain: string; until: string; reason: string }>('select domain, until, reason from domain_pauses');
    expect(pauses).toEqual([{ domain: 'strict.example', until: expect.any(String), reason: expect.stringContaining('5.7.26') }]);
    expect(Math.abs(Date.parse(pauses[0]!.until) - (T0 + HOUR))).toBeLessThanOrEqual(60_000);

    const byType = (t: string) => events(ws).filter((e) => e.type === t);
    expect(events(ws)).toHaveLength(3);
    expect(byType('hard-bounce')).toEqual([
      expect.objectContaining({
        source: 'smtp',
        delivery_id: rows.get('gone@example.org')!.id,
        subscriber_id: rows.get('gone@example.org')!.subscriber_id,
        domain: 'example.org',
        status: '5.1.1',
      }),
    ]);
    expect(byType('sender-refusal')).toEqual([
      expect.objectContaining({ source: 'smtp', delivery_id: rows.get('first@strict.example')!.id, domain: 'strict.example', status: '5.7.26' }),
    ]);
    expect(byType('soft-bounce')).toEqual([
      expect.objectContaining({ source: 'smtp', delivery_id: rows.get('full@mailbox.example')!.id, domain: 'mailbox.example', status: '5.2.2' }),
    ]);
  });

  it('status shows the refusal and the paused domain; --json has deliverability.pausedDomains', async () => {
    const text = await ws.cli(['status']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^\s+paused: strict\.example until 2026-03-02 09:00 UTC \(.*5\.7\.26.*\)$/m);
    expect(text.stdout).toMatch(/^\s+strict\.example: 0 sent, 0 hard .*, 1 refused the sender$/m);
    expect(text.stdout).toMatch(/WARNING: 1 refusal of the sender/);

    const json = JSON.parse((await ws.cli(['status', '--json'])).stdout);
    const d = json.deliverability;
    expect(d.pausedDomains).toEqual([{ domain: 'strict.example', until: expect.any(String), reason: expect.stringContaining('DMARC') }]);
    expect(d.totals).toMatchObject({ sent: 7, hardBounces: 1, softBounces: 1, complaints: 0, senderRefusals: 1 });
    expect(d.byDomain).toEqual(expect.arrayContaining([expect.objectContaining({ key: 'strict.example', sent: 0, senderRefusals: 1, hardBounces: 0 })]));
    expect(d.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/refusal of the sender/)]));
    // The refused domain's readers are all still subscribed.
    expect(json.subscribers).toMatchObject({ active: 11, suppressed: 1 });
  });

  // BUG (src/store/sql/deliveries.ts, laterDeliveries: "a row never attempted that has a due
  // time was given one by DELIVER_AT"): deferDeliveries (same file) puts a paused domain's rows
  // back with attempts - 1 = 0 and next_attempt_at = the end of the pause, so they are counted as
  // waiting for their reader's local time. Without DELIVER_AT, `send` prints "2 deliveries wait
  // for their local time" and `status` "2 waiting for their local time", instead of saying that
  // they wait for strict.example's pause to end.
  it("the paused domain's waiting rows are not reported as waiting for their local time (no DELIVER_AT here)", async () => {
    expect(firstSend).toMatch(/Sent issue #1/);
    expect(firstSend).not.toMatch(/local time/);
    expect((await ws.cli(['status'])).stdout).not.toMatch(/local time/);
  });

  it('nothing goes to the paused domain before the hour is over; after it, its waiting readers get their message once', async () => {
    clock = T0 + 30 * 60_000;
    const early = await ws.cli(['send']);
    expect(early.code).toBe(0);
    expect(smtp.rcpt.get('second@strict.example')).toBeUndefined();

    strictRefuses = false; // the operator fixed DMARC
    clock = T0 + HOUR + 60_000;
    const later = await ws.cli(['send']);
    expect(later.code, later.stderr).toBe(0);
    expect(later.stdout).toMatch(/Resumed issue #1 .*2 sent, 0 failed/);
    for (const a of ['second@strict.example', 'third@strict.example']) {
      expect(
        smtp.received.filter((m) => m.envelope.to[0] === a),
        a,
      ).toHaveLength(1);
      expect(deliveryOf(ws, a)).toMatchObject({ status: 'sent', attempts: 1 });
    }
    // The one refused before the pause stays failed (not sent twice, nor suppressed).
    expect(deliveryOf(ws, 'first@strict.example')).toMatchObject({ status: 'failed', reader: 'active' });
    expect(smtp.rcpt.get('first@strict.example')).toBe(1);
    expect(smtp.received).toHaveLength(accepted.length + 2);
  });
});

describe('mailbox full (5.2.2) over three issues', () => {
  let clock = T0;
  let smtp: TestSmtp;
  let ws: Workspace;

  beforeAll(async () => {
    smtp = await startSmtp({ onRcpt: (a) => (a === 'full@mailbox.example' ? MAILBOX_FULL() : undefined) });
    ws = workspace({ SMTP_URL: smtp.url }, () => new Date(clock));
    await addReaders(ws, ['ada@example.org', 'full@mailbox.example']);
  });
  afterAll(async () => {
    await smtp?.close();
    ws?.cleanup();
  });

  it('fails each time without suppressing, until the third soft bounce suppresses the reader', async () => {
    const sources = [SEED, NEXT_DAY, newPapers(ws), newPapers(ws)];
    for (const [i, source] of sources.entries()) {
      clock = T0 + i * DAY;
      expect((await ws.cli(['ingest', source])).code).toBe(0);
      const sent = await ws.cli(['send']);
      expect(sent.code, sent.stderr).toBe(0);
      const issue = i + 1;
      if (issue <= 3) {
        expect(sent.stdout, `issue ${issue}`).toMatch(new RegExp(`Sent issue #${issue} \\(daily\\).*: 1 sent, 1 failed`));
        expect(smtp.rcpt.get('full@mailbox.example')).toBe(issue);
        expect(deliveryOf(ws, 'full@mailbox.example', issue)).toMatchObject({ status: 'failed' });
        expect(readerStatus(ws)['full@mailbox.example'], `after issue ${issue}`).toBe(issue < 3 ? 'active' : 'suppressed');
      } else {
        // Suppressed: the fourth issue goes to the other reader only.
        expect(sent.stdout).toMatch(/Sent issue #4 \(daily\).*: 1 sent, 0 failed/);
        expect(smtp.rcpt.get('full@mailbox.example')).toBe(3);
      }
    }
    expect(smtp.received.map((m) => m.envelope.to[0])).toEqual(Array(4).fill('ada@example.org'));
    expect(events(ws).map((e) => [e.type, e.source, e.status, e.action])).toEqual([
      ['soft-bounce', 'smtp', '5.2.2', 'soft bounce 1 of 3 in the last 5 sends'],
      ['soft-bounce', 'smtp', '5.2.2', 'soft bounce 2 of 3 in the last 5 sends'],
      ['soft-bounce', 'smtp', '5.2.2', 'suppressed: 3 soft bounces in the last 5 sends'],
    ]);
    expect(readerStatus(ws)['ada@example.org']).toBe('active');
  });
});

describe('VERP return path (BOUNCE_DOMAIN)', () => {
  let smtp: TestSmtp;
  let ws: Workspace;
  const readers = ['grace@example.org', 'linus@kernel.example', 'margaret@apollo.example'];

  beforeAll(async () => {
    smtp = await startSmtp();
    ws = workspace({ SMTP_URL: smtp.url, BOUNCE_DOMAIN }, () => new Date(T0));
    expect((await ws.cli(['ingest', SEED])).code).toBe(0);
    await addReaders(ws, readers);
    expect((await ws.cli(['send'])).code).toBe(0);
  });
  afterAll(async () => {
    await smtp?.close();
    ws?.cleanup();
  });

  it('MAIL FROM is bounces+TOKEN@BOUNCE_DOMAIN, the token names the delivery and holds no part of the address; From is still MAIL_FROM', () => {
    const tokens = new Tokens(ws.env.SECRET_KEY!);
    expect(smtp.received).toHaveLength(3);
    const seen = new Set<string>();
    for (const m of smtp.received) {
      const to = m.envelope.to[0]!;
      const match = /^bounces\+([^@]+)@bounces\.example\.org$/.exec(m.envelope.from);
      expect(match, m.envelope.from).not.toBeNull();
      const token = match![1]!;
      const delivery = deliveryOf(ws, to);
      expect(tokens.verifyVerp(token)).toBe(delivery.id);
      // Made of the delivery id and a MAC only.
      expect(token).toMatch(/^[0-9a-z]{1,12}-[0-9a-f]{16}$/);
      const [local, domain] = to.split('@') as [string, string];
      for (const part of [local, ...domain.split('.')]) expect(token.toLowerCase()).not.toContain(part.toLowerCase());
      // Another key does not verify it.
      expect(new Tokens('another-secret-key-0123456789abcdefghij').verifyVerp(token)).toBeUndefined();
      seen.add(token);
      expect(m.parsed.from?.value[0]).toMatchObject({ name: 'Paperboy', address: 'digest@example.org' });
      expect(firstAddress(m.parsed.to)).toBe(to);
      expect(m.parsed.messageId).toBe(`<${delivery.message_id!.replace(/^<|>$/g, '')}>`);
    }
    expect(seen.size).toBe(3);
  });
});

describe('bounce mail through the bounce mailbox handler', () => {
  let clock = T0;
  let smtp: TestSmtp;
  let ws: Workspace;
  let app: App;
  let handle: ReturnType<typeof bounceHandler>;
  const readers = ['linus@kernel.example', 'margaret@apollo.example', 'grace@example.org', 'tim@example.org'];
  /** What went out to `to`: its envelope sender (the VERP address) and its Message-ID. */
  const sentTo = (to: string) => {
    const m = smtp.received.find((r) => r.envelope.to[0] === to)!;
    return { verp: m.envelope.from, messageId: m.parsed.messageId!.replace(/^<|>$/g, '') };
  };
  const fixture = (name: string) => readFileSync(path.join(BOUNCES, name), 'latin1');
  const handleRaw = (raw: string) => handle(Buffer.from(raw, 'latin1'), { uid: 1, receivedAt: new Date(clock) });

  beforeAll(async () => {
    smtp = await startSmtp();
    ws = workspace({ SMTP_URL: smtp.url, BOUNCE_DOMAIN }, () => new Date(clock));
    expect((await ws.cli(['ingest', SEED])).code).toBe(0);
    await addReaders(ws, readers);
    expect((await ws.cli(['send'])).stdout).toMatch(/4 sent, 0 failed/);
    clock = T0 + 2 * HOUR;
    app = await createApp(loadConfig(ws.env, ws.dir), silentLog, { now: () => new Date(clock) });
    handle = bounceHandler(app.bounces, BOUNCE_DOMAIN);
  });
  afterAll(async () => {
    await app?.close();
    await smtp?.close();
    ws?.cleanup();
  });

  it('a Postfix DSN sent back to the VERP address suppresses exactly that reader; the same mail again changes nothing', async () => {
    const { verp, messageId } = sentTo('linus@kernel.example');
    const dsn = fixture('postfix-verp-dsn.eml')
      .replaceAll('bounces+39u-60ac6d653d543f9a@bounces.test', verp)
      .replaceAll('gone.reader@example.net', 'linus@kernel.example')
      .replaceAll('issue-7.d4242.Zm9vYmFy@paperboy.test', messageId)
      .replaceAll('digest@paperboy.test', 'digest@example.org')
      .replaceAll('Fri, 27 Nov 2026 10:48:4', 'Mon, 2 Mar 2026 09:48:4');
    expect(dsn).toContain(`To: ${verp}`);
    expect(await handleRaw(dsn)).toBe('processed');
    const linus = deliveryOf(ws, 'linus@kernel.example');
    expect(events(ws)).toEqual([
      expect.objectContaining({
        type: 'hard-bounce',
        source: 'imap',
        delivery_id: linus.id,
        subscriber_id: linus.subscriber_id,
        domain: 'kernel.example',
        status: '5.1.1',
      }),
    ]);
    expect(readerStatus(ws)).toEqual({
      'linus@kernel.example': 'suppressed',
      'margaret@apollo.example': 'active',
      'grace@example.org': 'active',
      'tim@example.org': 'active',
    });

    // The poll ran again before the message was moved: one event, nothing else changes.
    const before = storeState(ws);
    clock += 60_000;
    expect(await handleRaw(dsn)).toBe('processed');
    expect(storeState(ws)).toEqual(before);
  });

  it('an ARF complaint about another delivery suppresses that reader and counts as a complaint in status', async () => {
    const { messageId } = sentTo('margaret@apollo.example');
    const arf = fixture('arf-01.eml')
      .replace('To: redacted@example.net\n', `To: margaret@apollo.example\nMessage-ID: <${messageId}>\n`)
      .replaceAll('Thu, 29 Apr 2009 00:00:00', 'Mon, 2 Mar 2026 09:30:00')
      .replaceAll('29 Apr 2009 00:00:00', '2 Mar 2026 09:30:00');
    expect(arf).toContain(`Message-ID: <${messageId}>`);
    expect(await handleRaw(arf)).toBe('processed');
    const margaret = deliveryOf(ws, 'margaret@apollo.example');
    expect(events(ws).at(-1)).toEqual(
      expect.objectContaining({
        type: 'complaint',
        source: 'imap',
        delivery_id: margaret.id,
        subscriber_id: margaret.subscriber_id,
        feedback_type: 'abuse',
        action: 'suppressed: complaint',
      }),
    );
    expect(readerStatus(ws)).toEqual({
      'linus@kernel.example': 'suppressed',
      'margaret@apollo.example': 'suppressed',
      'grace@example.org': 'active',
      'tim@example.org': 'active',
    });

    const status = await ws.cli(['status', '--json']);
    const d = JSON.parse(status.stdout).deliverability;
    expect(d.totals).toMatchObject({ sent: 4, complaints: 1, hardBounces: 1 });
    expect(d.totals.complaintRate).toBeCloseTo(0.25);
    expect(d.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/^complaint rate 25\.00 % is above 0\.1 %/)]));
    expect((await ws.cli(['status'])).stdout).toMatch(/WARNING: complaint rate 25\.00 % is above 0\.1 %/);
  });

  it('auto-replies (RFC 3834) from a reader to the VERP address change nothing', async () => {
    const { verp } = sentTo('grace@example.org');
    const samples = readdirSync(BOUNCES).filter((f) => /^rfc3834-.*\.eml$/.test(f));
    expect(samples.length).toBeGreaterThan(0);
    const before = storeState(ws);
    for (const name of samples) {
      const raw = fixture(name);
      const split = /\r?\n\r?\n/.exec(raw)!;
      // The reply comes from the reader and goes to the return path it was sent from.
      const head = raw
        .slice(0, split.index)
        .replace(/^(To|Envelope-to|Delivered-To):[^\r\n]*/gim, `$1: ${verp}`)
        .replace(/^From:[^\r\n]*/im, 'From: Grace <grace@example.org>');
      expect(await handleRaw(head + raw.slice(split.index)), name).toBe('processed');
    }
    expect(storeState(ws)).toEqual(before);
    expect(readerStatus(ws)['grace@example.org']).toBe('active');
  });
});

describe('a Resend webhook through the real HTTP app', () => {
  let ws: Workspace;
  let app: App;
  let http: ReturnType<typeof createHttpApp>;
  const post = (body: string, headers: Record<string, string>) => http.request('/webhooks/resend', { method: 'POST', headers, body });
  const bounced = (to: string) =>
    JSON.stringify(
      resendEvent('email.bounced', {
        to: [to],
        bounce: { type: 'Permanent', subType: 'General', message: "The recipient's email provider sent a hard bounce: 550 5.1.1 user unknown" },
      }),
    );

  beforeAll(async () => {
    ws = workspace({ RESEND_WEBHOOK_SECRET: RESEND_SECRET }, () => new Date(T0));
    expect((await ws.cli(['ingest', SEED])).code).toBe(0);
    await addReaders(ws, ['ada@example.org', 'bob@example.org']);
    expect((await ws.cli(['send'])).stdout).toMatch(/2 sent, 0 failed/); // to the outbox
    app = await createApp(loadConfig(ws.env, ws.dir), silentLog);
    http = createHttpApp(app);
  });
  afterAll(async () => {
    await app?.close();
    ws?.cleanup();
  });
  afterEach(async () => {
    await app.idle();
  });

  it("email.bounced for a reader's address suppresses the reader; the same svix-id again stores nothing", async () => {
    const body = bounced('ada@example.org');
    const first = await post(body, svixHeaders(body, { id: 'msg_2dLkQ8bounceAda' }));
    expect(first.status).toBe(200);
    const ada = deliveryOf(ws, 'ada@example.org');
    expect(events(ws)).toEqual([
      expect.objectContaining({ type: 'hard-bounce', source: 'resend', delivery_id: ada.id, subscriber_id: ada.subscriber_id, status: '5.1.1' }),
    ]);
    expect(readerStatus(ws)).toEqual({ 'ada@example.org': 'suppressed', 'bob@example.org': 'active' });

    const before = storeState(ws);
    const again = await post(body, svixHeaders(body, { id: 'msg_2dLkQ8bounceAda' }));
    expect(again.status).toBe(200);
    expect(storeState(ws)).toEqual(before);
  });

  it('a forged signature gets 401 and changes nothing', async () => {
    const before = storeState(ws);
    const body = bounced('bob@example.org');
    const forged = svixHeaders(body, { secret: `whsec_${Buffer.from('not-the-signing-key').toString('base64')}` });
    expect((await post(body, forged)).status).toBe(401);
    // A real signature over another body does not carry over either.
    const signedOther = svixHeaders(bounced('someone@example.org'));
    expect((await post(body, signedOther)).status).toBe(401);
    expect(storeState(ws)).toEqual(before);
    expect(readerStatus(ws)['bob@example.org']).toBe('active');
  });
});
