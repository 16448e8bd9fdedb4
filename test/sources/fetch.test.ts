import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchDigest } from '../../src/sources/fetch.js';
import { type TestHttp, startHttp } from '../helpers/http.js';
import { FIXTURES } from '../helpers/workspace.js';

const atom = readFileSync(path.join(FIXTURES, 'arxiv-cs.AI.atom.xml'));
const fast = { retries: 2, backoffMs: 10, timeoutMs: 500 };

describe('fetching a digest over HTTP', () => {
  let http: TestHttp;
  beforeAll(async () => {
    http = await startHttp({
      '/feed': (_req, res) => res.writeHead(200, { 'content-type': 'application/atom+xml' }).end(atom),
      '/flaky': (_req, res, hit) => (hit <= 2 ? res.writeHead(503).end('busy') : res.writeHead(200).end(atom)),
      '/down': (_req, res) => res.writeHead(500).end('boom'),
      '/slow': (_req, res, hit) => {
        if (hit === 1) setTimeout(() => res.writeHead(200).end(atom), 2000);
        else res.writeHead(200).end(atom);
      },
      '/truncated': (_req, res, hit) => {
        if (hit === 1) {
          res.writeHead(200, { 'content-length': String(atom.length) });
          res.write(atom.subarray(0, 500));
          setTimeout(() => res.destroy(), 20);
        } else res.writeHead(200).end(atom);
      },
      '/etag': (req, res) => {
        if (req.headers['if-none-match'] === '"v1"') res.writeHead(304).end();
        else res.writeHead(200, { etag: '"v1"' }).end(atom);
      },
      '/modified': (req, res) => {
        const lm = 'Wed, 20 Aug 2025 04:00:19 GMT';
        if (req.headers['if-modified-since'] === lm) res.writeHead(304).end();
        else res.writeHead(200, { 'last-modified': lm }).end(atom);
      },
      '/moved': (_req, res) => res.writeHead(301, { location: '/feed' }).end(),
      '/to-ftp': (_req, res) => res.writeHead(302, { location: 'ftp://example.org/feed' }).end(),
      '/error-page': (_req, res) =>
        res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body>Oops</body></html>'),
      '/big': (_req, res) => res.writeHead(200, { 'content-length': '5000' }).end(Buffer.alloc(5000, 'x')),
      '/big-chunked': (_req, res) => {
        res.writeHead(200);
        for (let i = 0; i < 10; i++) res.write(Buffer.alloc(1000, 'x'));
        res.end();
      },
      '/rate-limited': (_req, res, hit) => (hit === 1 ? res.writeHead(429, { 'retry-after': '0' }).end() : res.writeHead(200).end(atom)),
    });
  });
  afterAll(() => http.close());

  it('fetches a feed and returns its validators', async () => {
    const r = await fetchDigest(http.url('/feed'), fast);
    expect(r.status).toBe('ok');
    if (r.status === 'ok') expect(r.body.equals(atom)).toBe(true);
  });

  it('retries a 5xx with backoff and succeeds', async () => {
    const r = await fetchDigest(http.url('/flaky'), fast);
    expect(r.status).toBe('ok');
    expect(http.hits.get('/flaky')).toBe(3);
  });

  it('gives up on a server that keeps failing, saying how often it tried', async () => {
    await expect(fetchDigest(http.url('/down'), fast)).rejects.toThrow(/\/down: HTTP 500 Internal Server Error \(after 3 attempts\)$/);
    expect(http.hits.get('/down')).toBe(3);
  });

  it('times out a slow answer and retries it', async () => {
    const r = await fetchDigest(http.url('/slow'), { ...fast, timeoutMs: 300 });
    expect(r.status).toBe('ok');
    expect(http.hits.get('/slow')).toBe(2);
  });

  it('retries a body cut off in the middle', async () => {
    const r = await fetchDigest(http.url('/truncated'), fast);
    expect(r.status === 'ok' && r.body.length).toBe(atom.length);
    expect(http.hits.get('/truncated')).toBe(2);
  });

  it('sends If-None-Match and If-Modified-Since, and reads a 304 as nothing new', async () => {
    const first = await fetchDigest(http.url('/etag'), fast);
    expect(first.status === 'ok' && first.validators).toEqual({ etag: '"v1"' });
    expect(await fetchDigest(http.url('/etag'), { ...fast, validators: { etag: '"v1"' } })).toEqual({ status: 'not-modified' });
    const lm = await fetchDigest(http.url('/modified'), fast);
    const validators = lm.status === 'ok' ? lm.validators : {};
    expect(await fetchDigest(http.url('/modified'), { ...fast, validators })).toEqual({ status: 'not-modified' });
  });

  it('follows redirects to http(s), and refuses others', async () => {
    const r = await fetchDigest(http.url('/moved'), fast);
    expect(r.status === 'ok' && r.url).toBe(http.url('/feed'));
    await expect(fetchDigest(http.url('/to-ftp'), fast)).rejects.toThrow();
  });

  it('fails at once, clearly, on a 404 and on an HTML error page', async () => {
    await expect(fetchDigest(http.url('/nope'), fast)).rejects.toThrow(/\/nope: HTTP 404 Not Found$/);
    expect(http.hits.get('/nope')).toBe(1);
    await expect(fetchDigest(http.url('/error-page'), fast)).rejects.toThrow(/answered with an HTML page \("Service Unavailable"\), not a digest/);
  });

  it('refuses a body over the size limit, announced or streamed', async () => {
    await expect(fetchDigest(http.url('/big'), { ...fast, maxBytes: 4096 })).rejects.toThrow(/5000 bytes is over the 4096-byte limit/);
    await expect(fetchDigest(http.url('/big-chunked'), { ...fast, maxBytes: 4096 })).rejects.toThrow(/over the 4096-byte limit/);
  });

  it('honours Retry-After on a 429', async () => {
    expect((await fetchDigest(http.url('/rate-limited'), fast)).status).toBe('ok');
    expect(http.hits.get('/rate-limited')).toBe(2);
  });
});
