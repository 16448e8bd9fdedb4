/**
 * The whole path against a real SMTP server: ingest the seed, three subscribers, send; the
 * next day's page sends only the new papers; a third send sends nothing.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTrendingText } from '../../src/sources/text.js';
import { type TestSmtp, firstAddress, rawHeader, startSmtp } from '../helpers/smtp.js';
import { NEXT_DAY, SEED, type Workspace, workspace } from '../helpers/workspace.js';

const seedTitles = parseTrendingText(readFileSync(SEED, 'utf8'), 'seed', '2025-12-31').papers.map((p) => p.title);
const nextDayTitles = parseTrendingText(readFileSync(NEXT_DAY, 'utf8'), 'next', '2025-12-31').papers.map((p) => p.title);
const newOnNextDay = nextDayTitles.filter((t) => !seedTitles.includes(t));

describe('ingest → send over SMTP', () => {
  let smtp: TestSmtp;
  let ws: Workspace;
  const subscribers = ['ada@example.org', 'Alan@Example.org', 'grace@example.net'];

  beforeAll(async () => {
    smtp = await startSmtp();
    ws = workspace({ SMTP_URL: smtp.url, MAX_PAPERS_PER_ISSUE: '30' });
  });
  afterAll(async () => {
    await smtp.close();
    ws.cleanup();
  });

  it('delivers the seed digest to three subscribers as three complete messages', async () => {
    expect((await ws.cli(['ingest', SEED])).code).toBe(0);
    for (const s of subscribers) expect((await ws.cli(['subscribers', 'add', s])).code).toBe(0);

    const sent = await ws.cli(['send']);
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/Sent issue #1 \(daily\).*3 sent, 0 failed/);
    expect(smtp.received).toHaveLength(3);

    const to = smtp.received.map((m) => m.envelope.to[0]).sort();
    expect(to).toEqual(['Alan@example.org', 'ada@example.org', 'grace@example.net']);
    const selected = seedTitles.slice(0, 30); // no upvotes in the seed: digest order
    const messageIds = new Set<string>();
    for (const m of smtp.received) {
      const { parsed } = m;
      expect(m.envelope.from).toBe('digest@example.org');
      expect(firstAddress(parsed.to)).toBe(m.envelope.to[0]);
      expect(parsed.from?.value[0]).toMatchObject({ name: 'Paperboy', address: 'digest@example.org' });
      expect(parsed.subject).toMatch(/^Paperboy: X-LLM: Bootstrapping/);
      const unsub = rawHeader(parsed, 'List-Unsubscribe')!;
      expect(unsub).toMatch(/^<https:\/\/news\.example\.org\/unsubscribe\/[A-Za-z0-9_-]{34}>$/);
      expect(rawHeader(parsed, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
      expect(parsed.messageId).toMatch(/^<paperboy\.1\.\d+\.[A-Za-z0-9_-]+@example\.org>$/);
      messageIds.add(parsed.messageId!);
      expect(parsed.html).toBeTruthy();
      expect(parsed.text).toBeTruthy();
      const token = unsub.slice(0, -1).split('/').pop()!;
      expect(parsed.html).toContain(`https://news.example.org/unsubscribe/${token}`);
      expect(parsed.text).toContain(`https://news.example.org/unsubscribe/${token}`);
      expect(parsed.text).toContain('Paperboy, 1 Test Street, 12345 Testville');
      for (const title of selected) {
        expect(parsed.text!.replace(/\s+/g, ' ')).toContain(title);
        expect(unescapeHtml(parsed.html as string)).toContain(title);
      }
      expect(parsed.text).not.toContain(seedTitles[30]);
    }
    expect(messageIds.size).toBe(3);
    const tokens = smtp.received.map((m) => rawHeader(m.parsed, 'List-Unsubscribe'));
    expect(new Set(tokens).size).toBe(3);
  });

  it('a second send right after sends nothing', async () => {
    const again = await ws.cli(['send']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/daily: no new papers since issue #1/);
    expect(smtp.received).toHaveLength(3);
  });

  it('after the next day is ingested, delivers only the new papers', async () => {
    const ingest = await ws.cli(['ingest', NEXT_DAY]);
    expect(ingest.stdout).toMatch(new RegExp(`\\(${newOnNextDay.length} new, 0 updated, ${nextDayTitles.length - newOnNextDay.length} unchanged\\)`));
    const sent = await ws.cli(['send']);
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/Sent issue #2 \(daily\).*3 sent/);
    expect(smtp.received).toHaveLength(6);
    for (const m of smtp.received.slice(3)) {
      const text = m.parsed.text!.replace(/\s+/g, ' ');
      for (const t of newOnNextDay) expect(text).toContain(t);
      for (const t of seedTitles) expect(text).not.toContain(t);
      expect(m.parsed.messageId).toMatch(/^<paperboy\.2\./);
    }
  });

  it('a third send delivers nothing, and status says why', async () => {
    const third = await ws.cli(['send']);
    expect(third.code).toBe(0);
    expect(third.stdout).toMatch(/no new papers since issue #2/);
    expect(smtp.received).toHaveLength(6);
    const status = await ws.cli(['status', '--json']);
    const s = JSON.parse(status.stdout);
    expect(s.deliveries.sent).toBe(6);
    expect(s.subscribers.active).toBe(3);
    expect(s.next[0].note).toMatch(/no new papers since issue #2/);
  });
});

function unescapeHtml(s: string): string {
  return s
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
