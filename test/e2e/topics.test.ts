/**
 * Topics and the weekly issue through the real CLI and a real SMTP server: a topic reader's
 * email holds only the matching papers and its subject names its own top paper; a reader whose
 * topics match nothing gets no email; the weekly issue goes out on WEEKLY_DAY, once.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseTrendingText } from '../../src/sources/text.js';
import { type TestSmtp, startSmtp } from '../helpers/smtp.js';
import { NEXT_DAY, SEED, type Workspace, workspace } from '../helpers/workspace.js';

const seed = parseTrendingText(readFileSync(SEED, 'utf8'), 'seed', '2025-12-31').papers;
/** Seed titles whose title or abstract holds one of `patterns`, in digest order (the seed has no upvotes). */
const matching = (...patterns: RegExp[]) => seed.filter((p) => patterns.some((re) => re.test(`${p.title}\n${p.abstract}`))).map((p) => p.title);
const flat = (s: string | undefined) => (s ?? '').replace(/\s+/g, ' ');

describe('topics and the weekly issue, end to end', () => {
  let smtp: TestSmtp;
  let ws: Workspace;
  let clock = new Date('2026-03-16T08:00:00Z'); // a Monday
  const to = (email: string) => smtp.received.filter((m) => m.envelope.to[0] === email);

  beforeAll(async () => {
    smtp = await startSmtp();
    ws = workspace({ SMTP_URL: smtp.url, MAX_PAPERS_PER_ISSUE: '30', WEEKLY_DAY: 'Mon' }, () => clock);
  });
  afterAll(async () => {
    await smtp.close();
    ws.cleanup();
  });

  it('sends a topic reader only the papers that match, under a subject naming their own top paper', async () => {
    expect((await ws.cli(['ingest', SEED])).code).toBe(0);
    expect((await ws.cli(['subscribers', 'add', 'plain@x.org'])).code).toBe(0);
    expect((await ws.cli(['subscribers', 'add', 'a@x.org', '--topics', 'Sign Language, 3D'])).code).toBe(0);
    expect((await ws.cli(['subscribers', 'add', 'none@x.org', '--topics', 'quantum chemistry'])).code).toBe(0);
    expect((await ws.cli(['subscribers', 'add', 'w@x.org', '--topics', 'surveys', '--frequency', 'weekly'])).code).toBe(0);

    // A dry run writes the same subjects, and leaves the ledger alone.
    const dry = await ws.cli(['send', '--dry-run', '--outbox', 'dry']);
    expect(dry.stdout).toMatch(/Dry run daily: .*: wrote 2 messages/);
    const written = await Promise.all(readdirSync(path.join(ws.dir, 'dry')).map((f) => simpleParser(readFileSync(path.join(ws.dir, 'dry', f)))));
    const dryFor = (email: string) => written.find((m) => m.to && !Array.isArray(m.to) && m.to.value[0]?.address === email)?.subject;

    const sent = await ws.cli(['send']);
    expect(sent.stderr).toBe('');
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/Sent issue #1 \(daily\) "Paperboy: X-LLM: Bootstrapping.*": 2 sent, 0 failed/);
    expect(sent.stdout).toMatch(/Sent issue #2 \(weekly\) "Paperboy weekly: .*": 1 sent, 0 failed/);
    expect(smtp.received).toHaveLength(3);
    expect(to('none@x.org')).toHaveLength(0);

    const mine = matching(/\bsign language\b/i, /\b3D\b/);
    expect(mine.length).toBeGreaterThanOrEqual(3);
    const [a] = to('a@x.org');
    const text = flat(a!.parsed.text);
    for (const t of mine) expect(text).toContain(t);
    for (const t of seed.map((p) => p.title).filter((t) => !mine.includes(t))) expect(text).not.toContain(t);
    expect(a!.parsed.subject).toBe(`Paperboy: ${mine[0]} and ${mine.length - 1} more papers`);
    expect(dryFor('a@x.org')).toBe(a!.parsed.subject);

    const [plain] = to('plain@x.org');
    expect(plain!.parsed.subject).toMatch(/^Paperboy: X-LLM: Bootstrapping.* and 29 more papers$/);
    expect(flat(plain!.parsed.text)).toContain(seed[29]!.title);

    const surveys = matching(/\bsurveys?\b/i);
    const [w] = to('w@x.org');
    expect(w!.parsed.subject).toBe(`Paperboy weekly: ${surveys[0]} and ${surveys.length - 1} more paper${surveys.length > 2 ? 's' : ''}`);
    for (const t of surveys) expect(flat(w!.parsed.text)).toContain(t);
  });

  it('does not send the weekly issue again the same day, nor on other days', async () => {
    clock = new Date('2026-03-16T20:00:00Z');
    const again = await ws.cli(['send']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/weekly: not due \(last issue #2/);
    expect(smtp.received).toHaveLength(3);

    clock = new Date('2026-03-17T08:00:00Z');
    expect((await ws.cli(['ingest', NEXT_DAY])).code).toBe(0);
    const tuesday = await ws.cli(['send']);
    expect(tuesday.code).toBe(0);
    expect(tuesday.stdout).toMatch(/Sent issue #3 \(daily\)/);
    expect(tuesday.stdout).toMatch(/weekly: not due/);
    expect(to('w@x.org')).toHaveLength(1);

    // `--frequency weekly` still forces it.
    const forced = await ws.cli(['send', '--frequency', 'weekly']);
    expect(forced.stdout).toMatch(/Sent issue #4 \(weekly\) "Paperboy weekly: /);
  });
});
