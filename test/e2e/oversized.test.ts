/**
 * Issue 16, item 5, end to end: a digest with absurd fields (a 2 MB title, a 200 KB abstract,
 * 20,000 authors, a 5,000-character URL) goes through `paperboy ingest`: exit 0, each oversized
 * paper skipped with its reason, the others stored. And a paper stored before the limits (or
 * written behind Paperboy's back) cannot make an email, `/archive/1`, `/feed.xml` or the landing
 * page grow: what they show per paper is capped. Before the fix, one 60 MB title made a 327 MB
 * email and a 126 MB feed.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createHttpApp } from '../../src/http/server.js';
import { silentLog } from '../../src/log.js';
import { openStore } from '../../src/store/open.js';
import { type Workspace, workspace } from '../helpers/workspace.js';

let ws: Workspace | undefined;
afterEach(() => ws?.cleanup());

const MB = 1024 * 1024;
const normal = (n: number) => ({
  title: `A normal paper number ${n}`,
  abstract: `What paper ${n} found, in a few words.`,
  authors: ['Ada Lovelace', 'Alan Turing'],
});

/** The oversized digest, written into the workspace; returns its path. */
function oversizedDigest(dir: string): string {
  const papers = [
    normal(1),
    { title: `Huge title ${'x'.repeat(2 * MB)}`, abstract: 'Short.' },
    normal(2),
    { title: 'Huge abstract', abstract: 'word '.repeat(40_000) },
    { title: 'Too many authors', abstract: 'Short.', authors: Array.from({ length: 20_000 }, (_, i) => `Author Number ${i}`) },
    { title: 'Huge URL', abstract: 'Short.', url: `https://example.org/${'u'.repeat(5000)}` },
    normal(3),
  ];
  const file = path.join(dir, 'oversized.json');
  writeFileSync(file, JSON.stringify({ version: 1, papers }));
  return file;
}

describe('an oversized-field digest', () => {
  it('is ingested without its oversized papers, each skipped with its reason', async () => {
    ws = workspace();
    const r = await ws.cli(['ingest', oversizedDigest(ws.dir)]);
    expect(r.code, r.stderr.slice(0, 500)).toBe(0);
    expect(r.stdout).toMatch(/: 3 papers \(3 new, 0 updated, 0 unchanged\)/);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toEqual([
      expect.stringMatching(/oversized\.json: papers\[1\]: skipped "Huge title x+…": title is 2,097,163 characters, over the limit of 1,000$/),
      expect.stringMatching(/oversized\.json: papers\[3\]: skipped "Huge abstract": abstract is 199,999 characters, over the limit of 10,000$/),
      expect.stringMatching(/oversized\.json: papers\[4\]: skipped "Too many authors": 20,000 authors, over the limit of 10,000$/),
      expect.stringMatching(/oversized\.json: papers\[5\]: skipped "Huge URL": url is 5,020 characters, over the limit of 2,048$/),
    ]);
    expect(r.stderr.length).toBeLessThan(2000);
    expect(ws.rows('select title from papers order by seq').map((p) => p.title)).toEqual([
      'A normal paper number 1',
      'A normal paper number 2',
      'A normal paper number 3',
    ]);
  });

  it('cannot make an email, the archive, the feed or the landing page grow through a paper stored before the limits', async () => {
    ws = workspace();
    const file = path.join(ws.dir, 'normal.json');
    writeFileSync(file, JSON.stringify({ papers: [normal(1), normal(2), normal(3)] }));
    expect((await ws.cli(['ingest', file])).code).toBe(0);
    expect((await ws.cli(['subscribers', 'add', 'ada@example.org'])).code).toBe(0);
    // A row as the 60 MB title's was stored (through the store's own update, on either store).
    const store = await openStore(ws.databaseUrl, ws.dir);
    try {
      const [, second] = await store.papersAfter(0);
      await store.updatePapers([
        {
          ...second!,
          title: `Huge ${'x'.repeat(2 * MB)}`,
          abstract: 'y '.repeat(100_000),
          authors: Array.from({ length: 20_000 }, (_, i) => `Author ${i} ${'n'.repeat(300)}`),
          links: { page: `https://example.org/${'u'.repeat(5000)}`, code: `https://github.com/${'c'.repeat(5000)}` },
          extra: { tldr: 't'.repeat(200_000), keywords: Array.from({ length: 5000 }, () => 'k'.repeat(500)), organization: 'o'.repeat(100_000) },
        },
      ]);
    } finally {
      await store.close();
    }
    expect(ws.rows<{ n: number }>('select length(title) as n from papers order by seq')[1]!.n).toBe(2 * MB + 5);

    const sent = await ws.cli(['send']);
    expect(sent.code, sent.stderr).toBe(0);
    const outbox = path.join(ws.dir, 'outbox');
    const emails = readdirSync(outbox).filter((f) => f.endsWith('.eml'));
    expect(emails).toHaveLength(1);
    const eml = readFileSync(path.join(outbox, emails[0]!));
    expect(eml.length).toBeLessThan(100_000);
    expect(eml.toString()).toContain('Huge xxxx');

    const app = await createApp(loadConfig(ws.env, ws.dir), silentLog);
    try {
      const http = createHttpApp(app);
      for (const page of ['/archive/1', '/feed.xml', '/', '/archive']) {
        const res = await http.request(page);
        expect(res.status, page).toBe(200);
        expect((await res.arrayBuffer()).byteLength, page).toBeLessThan(100_000);
      }
    } finally {
      await app.close();
    }
  });
});
