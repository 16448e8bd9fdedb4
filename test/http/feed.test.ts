import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { XMLValidator } from 'fast-xml-parser';
import { Hono } from 'hono';
import Parser from 'rss-parser';
import { afterEach, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { FEED_ISSUES, feedLink, feedRoutes } from '../../src/http/feed.js';
import { silentLog } from '../../src/log.js';
import { NEXT_DAY, SEED, type Workspace, workspace } from '../helpers/workspace.js';

type Feed = { subtitle: string; id: string; updated: string };
type Entry = { id: string; updated: string; published: string };
const parser = new Parser<Feed, Entry>({ customFields: { feed: ['subtitle', 'id', 'updated'], item: ['updated', 'published'] } });

const DAY1 = new Date('2026-03-17T08:00:00.000Z');
const DAY2 = new Date('2026-03-18T08:00:00.000Z');

let ws: Workspace | undefined;
let app: App | undefined;
afterEach(async () => {
  await app?.close();
  ws?.cleanup();
  app = undefined;
  ws = undefined;
});

/** A workspace whose clock the test moves, and a bare hono app with only the feed on it. */
async function setUp(env: Record<string, string> = {}, prepare: (w: Workspace, at: (d: Date) => void) => Promise<void> = async () => {}) {
  let now = DAY1;
  ws = workspace(env, () => now);
  await prepare(ws, (d) => void (now = d));
  app = await createApp(loadConfig(ws.env, ws.dir), silentLog);
  const http = new Hono();
  feedRoutes(http, app);
  const res = await http.request('/feed.xml');
  const xml = await res.text();
  return { res, xml, feed: await parser.parseString(xml) };
}

async function ok(w: Workspace, args: string[]) {
  const r = await w.cli(args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
}

/** Two daily issues: the seed on day 1, the next day's page on day 2. */
async function twoIssues(w: Workspace, at: (d: Date) => void) {
  await ok(w, ['subscribers', 'add', 'ada@example.org']);
  await ok(w, ['ingest', SEED]);
  await ok(w, ['send']);
  at(DAY2);
  await ok(w, ['ingest', NEXT_DAY]);
  await ok(w, ['send']);
}

describe('GET /feed.xml', () => {
  it('is Atom 1.0 with the newsletter’s title, tagline, self and alternate links, and the newest issue’s time', async () => {
    const { res, xml, feed } = await setUp({}, twoIssues);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).toContain('<feed xmlns="http://www.w3.org/2005/Atom">');
    expect(feed.title).toBe('Paperboy');
    expect(feed.subtitle).toBe('Get trending papers in your email inbox!');
    expect(feed.id).toBe('https://news.example.org/feed.xml');
    expect(feed.feedUrl).toBe('https://news.example.org/feed.xml');
    expect(feed.link).toBe('https://news.example.org/');
    expect(feed.updated).toBe(DAY2.toISOString());
    // Atom wants an author on the feed when its entries have none.
    expect(xml).toMatch(/<author>\s*<name>Paperboy<\/name>/);
  });

  it('has one entry per issue, newest first, linking to its archive page, dated when it was built', async () => {
    const { feed } = await setUp({}, twoIssues);
    const issues = await app!.store.recentIssues(10);
    expect(issues.map((i) => i.id)).toEqual([2, 1]);
    expect(feed.items).toHaveLength(2);
    feed.items.forEach((entry, i) => {
      const issue = issues[i]!;
      expect(entry.title).toBe(issue.subject);
      expect(entry.id).toBe(`https://news.example.org/archive/${issue.id}`);
      expect(entry.link).toBe(`https://news.example.org/archive/${issue.id}`);
      expect(entry.updated).toBe(new Date(issue.createdAt).toISOString());
      expect(entry.published).toBe(entry.updated);
    });
    expect(feed.items.map((e) => e.isoDate)).toEqual([DAY2.toISOString(), DAY1.toISOString()]);
    expect(feed.items[1]!.title).toMatch(/^Paperboy: X-LLM: Bootstrapping/);
  });

  it('lists each issue’s papers (its main variant) as links to the paper pages', async () => {
    const { feed } = await setUp({}, twoIssues);
    for (const [i, entry] of feed.items.entries()) {
      const issue = (await app!.store.recentIssues(10))[i]!;
      const papers = (await app!.store.issueVariants(issue.id)).get(0)!;
      const links = [...entry.content!.matchAll(/<li><a href="([^"]+)">([^<]+)<\/a><\/li>/g)];
      expect(links).toHaveLength(papers.length);
      expect(links[0]![2]).toBe(papers[0]!.title.replaceAll('&', '&#38;'));
      for (const [, href] of links) expect(href).toMatch(/^https?:\/\//);
    }
    expect(feed.items[1]!.content).toContain('X-LLM: Bootstrapping Advanced Large Language Models');
  });

  it('escapes hostile names and titles: still well-formed XML, and the HTML shows them as text', async () => {
    const hostile = '<script>alert("x")</script> & Tom’s <b>"paper"</b> ]]>';
    const { xml, feed } = await setUp({ NEWSLETTER_NAME: 'Papers & <Friends>', NEWSLETTER_TAGLINE: 'A & B <i>c</i>' }, async (w) => {
      const file = path.join(w.dir, 'hostile.json');
      const paper = { title: hostile, abstract: 'An abstract.', url: 'https://example.org/p?a=1&b=<2>' };
      writeFileSync(file, JSON.stringify({ papers: [paper] }));
      await ok(w, ['subscribers', 'add', 'ada@example.org']);
      await ok(w, ['ingest', file, '--format', 'json']);
      await ok(w, ['send']);
    });
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(xml).not.toMatch(/<script|<b>|<i>|<Friends>/);
    // Plain-text elements: the parser gives back exactly what was configured.
    expect(feed.title).toBe('Papers & <Friends>');
    expect(feed.subtitle).toBe('A & B <i>c</i>');
    // type="html" elements hold HTML: the markup is escaped once more, so a reader shows it as text.
    const [entry] = feed.items;
    const subject = (await app!.store.recentIssues(1))[0]!.subject;
    expect(subject).toContain('<script>');
    expect(decodeHtml(entry!.title!)).toBe(subject);
    expect(entry!.title).not.toMatch(/[<>]/);
    expect(entry!.content).not.toMatch(/<script|<b>/);
    expect(decodeHtml(entry!.content!.replace(/<[^>]+>/g, ''))).toContain(hostile);
    expect(entry!.content).toContain('<a href="https://example.org/p?a=1&#38;b=%3C2%3E">');
  });

  it('with no issues is still a valid feed, dated and without entries', async () => {
    const { res, xml, feed } = await setUp();
    expect(res.status).toBe(200);
    expect(XMLValidator.validate(xml)).toBe(true);
    expect(feed.title).toBe('Paperboy');
    expect(feed.items).toEqual([]);
    expect(Number.isNaN(Date.parse(feed.updated))).toBe(false);
    expect(xml).not.toContain('<entry>');
  });

  it(`holds the newest ${FEED_ISSUES} issues only`, async () => {
    ws = workspace();
    app = await createApp(loadConfig(ws.env, ws.dir), silentLog);
    for (let i = 1; i <= FEED_ISSUES + 1; i++) {
      const createdAt = new Date(DAY1.getTime() + i * 86_400_000).toISOString();
      const plan = { frequency: 'daily', createdAt, issueDate: createdAt.slice(0, 10), subject: `Issue ${i}`, paperSeqHi: 0 } as const;
      await app.store.createIssue({ ...plan, variants: [{ variant: 0, paperIds: [] }], overrides: new Map() });
    }
    const http = new Hono();
    feedRoutes(http, app);
    const feed = await parser.parseString(await (await http.request('/feed.xml')).text());
    expect(feed.items).toHaveLength(FEED_ISSUES);
    expect(feed.items[0]!.title).toBe(`Issue ${FEED_ISSUES + 1}`);
    expect(feed.items.at(-1)!.title).toBe('Issue 2');
    expect(feed.updated).toBe(feed.items[0]!.updated);
  });
});

describe('feedLink', () => {
  it('is a <link rel="alternate"> for a page’s head, escaped', () => {
    expect(String(feedLink('https://news.example.org'))).toBe(
      '<link rel="alternate" type="application/atom+xml" title="Atom feed" href="https://news.example.org/feed.xml">',
    );
    expect(String(feedLink('https://news.example.org', 'Papers & "Friends"'))).toContain('title="Papers &amp; &quot;Friends&quot;"');
  });
});

/** Decodes the entities an HTML renderer would (the ones our escaping writes, and XML's). */
function decodeHtml(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
