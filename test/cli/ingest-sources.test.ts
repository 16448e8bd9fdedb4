/**
 * `paperboy ingest` with every format, from files and from a local URL: conditional requests,
 * several sources merged, a dead source writing nothing, arXiv replacements of sent papers
 * skipped, and an empty feed that is not an error.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type TestHttp, startHttp } from '../helpers/http.js';
import { FIXTURES, SEED, type Workspace, workspace } from '../helpers/workspace.js';

const fixture = (f: string) => path.join(FIXTURES, f);
const serve =
  (f: string, headers: Record<string, string> = {}) =>
  (_req: unknown, res: import('node:http').ServerResponse) =>
    res.writeHead(200, headers).end(readFileSync(fixture(f)));

let http: TestHttp;
let ws: Workspace;
beforeAll(async () => {
  http = await startHttp({
    '/trending.txt': serve('trending-papers.txt', { 'content-type': 'text/plain' }),
    '/papers.json': serve('papers.json'),
    '/api/daily_papers': (req, res) => {
      const date = new URL(req.url!, 'http://x').searchParams.get('date');
      if (date !== '2025-08-20') return void res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"no papers for that date"}');
      if (req.headers['if-none-match'] === '"hf-1"') return void res.writeHead(304).end();
      res.writeHead(200, { 'content-type': 'application/json', etag: '"hf-1"' }).end(readFileSync(fixture('hf-daily-papers.json')));
    },
    '/atom/cs.AI': serve('arxiv-cs.AI.atom.xml', { 'content-type': 'application/atom+xml' }),
    '/rss/cs.AI': serve('arxiv-cs.AI.rss.xml', { 'content-type': 'application/rss+xml' }),
    '/api/query': serve('arxiv-api.atom.xml', { 'content-type': 'application/atom+xml' }),
    '/down': (_req, res) => res.writeHead(503).end(),
  });
});
afterAll(() => http.close());
afterEach(() => ws?.cleanup());

const clock = () => new Date('2025-08-20T09:00:00Z');

describe('paperboy ingest from files and URLs', () => {
  it.each([
    ['trending-papers.txt', '/trending.txt', 77],
    ['papers.json', '/papers.json', 7],
    ['hf-daily-papers.json', '/api/daily_papers?date=2025-08-20', 6],
    ['arxiv-cs.AI.atom.xml', '/atom/cs.AI', 2],
    ['arxiv-cs.AI.rss.xml', '/rss/cs.AI', 2],
    ['arxiv-api.atom.xml', '/api/query', 4],
  ])('%s ingests from a file and from a URL alike', async (file, url, count) => {
    ws = workspace({}, clock);
    const fromFile = await ws.cli(['ingest', fixture(file)]);
    expect(fromFile.code).toBe(0);
    expect(fromFile.stdout).toMatch(new RegExp(`: ${count} papers \\(${count} new`));
    const other = workspace({}, clock);
    try {
      const fromUrl = await other.cli(['ingest', http.url(url)]);
      expect(fromUrl.stderr.replace(/warning: .*\n/g, '')).toBe('');
      expect(fromUrl.stdout).toMatch(new RegExp(`: ${count} papers \\(${count} new`));
    } finally {
      other.cleanup();
    }
  });

  it('sends the ETag back; a 304 writes nothing', async () => {
    ws = workspace({}, clock);
    const url = http.url('/api/daily_papers?date={date}');
    expect((await ws.cli(['ingest', url])).stdout).toMatch(/6 papers \(6 new/);
    const before = ws.dbBytes();
    const again = await ws.cli(['ingest', url]);
    expect(again.stdout).toMatch(/0 papers \(0 new, 0 updated, 0 unchanged, 1 not modified since the last fetch\)/);
    expect(ws.dbBytes().equals(before)).toBe(true);
    expect(http.requests.at(-1)!.headers['if-none-match']).toBe('"hf-1"');
  });

  it('merges several sources: the same paper from Hugging Face and arXiv is one paper', async () => {
    ws = workspace({ ARXIV_INCLUDE_CROSS: 'true' }, clock);
    const r = await ws.cli(['ingest', `${http.url('/atom/cs.AI')},${http.url('/api/daily_papers?date=2025-08-20')}`]);
    // 7 papers in the feed (cross-lists included), 6 on Hugging Face, 5 of them the same papers.
    expect(r.stdout).toMatch(/: 8 papers \(8 new/);
    const status = JSON.parse((await ws.cli(['status', '--json'])).stdout);
    expect(status.papers.total).toBe(8);
  });

  it('writes nothing when one of several sources fails', async () => {
    ws = workspace({ FETCH_RETRIES: '1' }, clock);
    await ws.cli(['ingest', SEED]);
    const before = ws.dbBytes();
    const r = await ws.cli(['ingest', `${http.url('/papers.json')},${http.url('/down')}`]);
    expect(r.code).toBe(65);
    expect(r.stderr).toMatch(/\/down: HTTP 503 Service Unavailable \(after 2 attempts\)\n$/);
    expect(ws.dbBytes().equals(before)).toBe(true);
  });

  it('reports an API error answer in one line and writes nothing', async () => {
    ws = workspace({}, clock);
    const r = await ws.cli(['ingest', http.url('/api/daily_papers?date=1999-01-01')]);
    expect(r.code).toBe(65);
    expect(r.stderr).toMatch(/HTTP 400 Bad Request\n$/);
  });
});

describe('arXiv over days', () => {
  it('skips replacements of papers already sent, takes the rest; an empty weekend feed sends nothing', async () => {
    ws = workspace({ ARXIV_INCLUDE_CROSS: 'true' }, clock);
    await ws.cli(['subscribers', 'add', 'ada@example.org']);
    await ws.cli(['ingest', fixture('arxiv-cs.AI.atom.xml')]);
    expect((await ws.cli(['send'])).stdout).toMatch(/Sent issue #1 .*1 sent/);

    const next = await ws.cli(['ingest', fixture('arxiv-cs.AI-next.atom.xml')]);
    expect(next.stdout).toMatch(/3 papers \(2 new, 0 updated, 0 unchanged, 1 revisions of papers already sent skipped\)/);
    const preview = await ws.cli(['preview', '--text']);
    expect(preview.stdout).toContain('Revisiting Easy Option Bias: An Updated Study');
    expect(preview.stdout).toContain('Sparse Mixture-of-Experts Routing');
    expect(preview.stdout).not.toContain('ALIGN: Word Association');
    expect((await ws.cli(['send'])).stdout).toMatch(/Sent issue #2 .*1 sent/);

    const weekend = await ws.cli(['ingest', fixture('arxiv-empty.atom.xml')]);
    expect(weekend.code).toBe(0);
    expect(weekend.stdout).toMatch(/0 papers/);
    expect((await ws.cli(['send'])).stdout).toMatch(/daily: no new papers since issue #2/);
    expect((await ws.cli(['status'])).stdout).toMatch(/Next issue: daily: no new papers since issue #2/);
  });
});
