/**
 * Deliverability, content side: SpamAssassin (Debian's package, its shipped rules, local tests
 * only: no DNS, no network) scores the three mails Paperboy sends at 1.0 or less: the digest of
 * the seed issue, the double opt-in confirmation and the welcome. The mails are the real bytes:
 * the digest as `paperboy send` writes it to an outbox, the confirmation and welcome as the HTTP
 * subscribe and confirm routes send them through the same mailer. Every score is printed with the
 * rules that hit, so a failure explains itself.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createHttpApp } from '../../src/http/server.js';
import { silentLog } from '../../src/log.js';
import { formSession } from '../helpers/forms.js';
import { SpamAssassin, type SpamReport, describeReport, headers } from '../helpers/spamassassin.js';
import { requires } from '../helpers/requires.js';
import { type Workspace, workspace } from '../helpers/workspace.js';

const noSpamAssassin = requires('spamassassin');

const PUBLIC_URL = 'https://news.example.org';
const MAIL_FROM = 'Paperboy <digest@news.example.org>';
const MAX_SCORE = 1.0;

type Kind = 'digest' | 'confirmation' | 'welcome';

/**
 * Paperboy hands its mail to a relay (SMTP_URL), and the reader's MX adds a Received header
 * when it takes the mail from that relay; SpamAssassin runs there. Without it, NO_RECEIVED and
 * NO_RELAYS fire, which only says the test skipped the wire. This is the header a Postfix MX
 * writes, with a one-hop chain: the relay straight to the MX, the case SpamAssassin's
 * "direct to MX" heuristics judge most strictly. The relay's address is from IPv6's
 * documentation prefix: the IPv4 documentation ranges (192.0.2/24, 198.51.100/24,
 * 203.0.113/24) would fire RCVD_ILLEGAL_IP, which a real relay's address never does.
 */
function asReceivedByMx(raw: Buffer): Buffer {
  const head = headers(raw.toString('latin1'));
  const value = (name: string) => head.find(([n]) => n.toLowerCase() === name)?.[1] ?? '';
  const to = /<([^>]+)>/.exec(value('to'))?.[1] ?? value('to').trim();
  const sent = new Date(value('date'));
  if (Number.isNaN(sent.getTime()) || !to) throw new Error('the message has no Date or To header');
  const at = new Date(sent.getTime() + 2000).toUTCString().replace('GMT', '+0000 (UTC)');
  const received =
    'Received: from mail.news.example.org (mail.news.example.org [IPv6:2001:db8:25::25])\r\n' +
    '\tby mx.example.com (Postfix) with ESMTPS id 4HxQ2b0Zc3z9sW\r\n' +
    `\tfor <${to}>; ${at}\r\n`;
  return Buffer.concat([Buffer.from(received, 'latin1'), raw]);
}

/** The confirmation without its Date and Message-ID: a broken mail the scorer must catch. */
function withoutDateAndMessageId(raw: Buffer): Buffer {
  const text = raw.toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  const head = text.slice(0, end).replace(/^(?:Date|Message-ID):.*\r\n(?:[ \t].*\r\n)*/gim, '');
  return Buffer.from(head + text.slice(end), 'latin1');
}

describe.skipIf(noSpamAssassin)('SpamAssassin, local rules', () => {
  let ws: Workspace;
  let sa: SpamAssassin;
  const mails = {} as Record<Kind, Buffer>;
  const reports = new Map<string, Promise<SpamReport>>();

  /** Starts scoring in the background, at most two mails at a time: the machine's cores are shared. */
  let running = 0;
  const waiting: (() => void)[] = [];
  const score = (label: string, raw: Buffer) => {
    const job = (async () => {
      while (running >= 2) await new Promise<void>((r) => waiting.push(r));
      running++;
      try {
        return await sa.score(raw);
      } finally {
        running--;
        waiting.shift()?.();
      }
    })();
    job.catch(() => {}); // reported by the test that awaits it
    reports.set(label, job);
  };

  beforeAll(async () => {
    sa = new SpamAssassin();
    ws = workspace({ PUBLIC_URL, MAIL_FROM });

    // The digest of the seed issue, as `paperboy send` writes it (an outbox instead of SMTP).
    expect((await ws.cli(['ingest'])).code).toBe(0);
    expect((await ws.cli(['subscribers', 'add', 'ada@example.org'])).code).toBe(0);
    const digestDir = path.join(ws.dir, 'digest');
    const sent = await ws.cli(['send', '--outbox', digestDir]);
    expect(sent.stdout).toMatch(/Sent issue #1 .*1 sent/);
    mails.digest = readFileSync(path.join(digestDir, 'issue-1-subscriber-1.eml'));

    // A reader subscribes on the landing page and confirms: the confirmation, then the welcome
    // (without topics, so it lists the latest issue's top papers).
    const app = await createApp(loadConfig(ws.env, ws.dir), silentLog);
    try {
      const http = createHttpApp(app);
      const form = await formSession(http, '/', PUBLIC_URL);
      expect((await form.post('/subscribe', { email: 'grace@example.com', frequency: 'daily' })).status).toBe(200);
      await app.idle();
      const outbox = ws.env.OUTBOX_DIR!;
      const find = (prefix: string) => {
        const file = readdirSync(outbox).find((f) => f.startsWith(prefix));
        if (!file) throw new Error(`no ${prefix}*.eml in the outbox`);
        return readFileSync(path.join(outbox, file));
      };
      mails.confirmation = find('confirm-');
      const token = /\/confirm\/([A-Za-z0-9_-]+)/.exec(mails.confirmation.toString('latin1'))?.[1];
      expect(token).toBeDefined();
      const page = await formSession(http, '/', PUBLIC_URL);
      expect((await page.post(`/confirm/${token}`, {})).status).toBeLessThan(400);
      await app.idle();
      mails.welcome = find('welcome-');
    } finally {
      await app.close();
    }
    expect(mails.welcome.toString('latin1')).toContain('X-LLM: Bootstrapping');

    for (const kind of ['digest', 'confirmation', 'welcome'] as const) score(kind, asReceivedByMx(mails[kind]));
    score('control', withoutDateAndMessageId(asReceivedByMx(mails.confirmation)));
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(reports.values());
    sa?.cleanup();
    ws?.cleanup();
  });

  it.each(['digest', 'confirmation', 'welcome'] as const)(
    `scores the %s at ${MAX_SCORE.toFixed(1)} or less`,
    async (kind) => {
      const report = await reports.get(kind)!;
      const text = describeReport(kind, report);
      console.log(text);
      expect(report.score, text).toBeLessThanOrEqual(MAX_SCORE);
    },
    60_000,
  );

  it('is a real check: the same confirmation without Date and Message-ID scores above the bar', async () => {
    const report = await reports.get('control')!;
    const text = describeReport('control (no Date, no Message-ID)', report);
    console.log(text);
    expect(
      report.hits.map((h) => h.rule),
      text,
    ).toEqual(expect.arrayContaining(['MISSING_DATE', 'MISSING_MID']));
    expect(report.score, text).toBeGreaterThan(MAX_SCORE);
  }, 60_000);
});
