/**
 * Caps and limits hold under real concurrency: 200 POSTs at once over HTTP to the real server
 * (`serveHttp` on a random port), on the store of the pass, confirmation emails counted where
 * they arrive (an in-process SMTP server). Issue 16, item 4: the hourly cap was checked outside
 * the transaction that claims a confirmation, so concurrent sign-ups all saw room (121 emails for
 * a cap of 100 on PostgreSQL).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { serveHttp } from '../../src/http/server.js';
import { silentLog } from '../../src/log.js';
import { type TestSmtp, startSmtp } from '../helpers/smtp.js';
import { type Workspace, workspace } from '../helpers/workspace.js';

const ORIGIN = 'https://news.example.org';
const CONCURRENT = 200;

let ws: Workspace | undefined;
let app: App | undefined;
let smtp: TestSmtp | undefined;
let closeServer: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeServer?.();
  await app?.close();
  await smtp?.close();
  ws?.cleanup();
  app = smtp = ws = closeServer = undefined;
});

/** The real server on a random port, and a browser's session on it (CSRF cookie and token). */
async function serve(env: Record<string, string>) {
  smtp = await startSmtp({ parse: false });
  ws = workspace({ PORT: '0', HOST: '127.0.0.1', SMTP_URL: smtp.url, ...env });
  app = await createApp(loadConfig(ws.env, ws.dir), silentLog);
  const server = await serveHttp(app);
  closeServer = server.close;
  const landing = await fetch(`${server.url}/`);
  const cookie = /pb_csrf=[^;]+/.exec(landing.headers.get('set-cookie') ?? '')?.[0] ?? '';
  const csrf = /name="csrf" value="([^"]+)"/.exec(await landing.text())?.[1] ?? '';
  const post = async (path: string, fields: Record<string, string>) => {
    const res = await fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, cookie },
      body: new URLSearchParams({ ...fields, csrf }).toString(),
    });
    await res.arrayBuffer();
    return res.status;
  };
  return { post };
}

/** Fires `n` requests at once and counts the answers by status. */
async function all(n: number, request: (i: number) => Promise<number>): Promise<Record<number, number>> {
  const statuses = await Promise.all(Array.from({ length: n }, (_, i) => request(i)));
  const counts: Record<number, number> = {};
  for (const s of statuses) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
}

/** Emails that reached the SMTP server, once every confirmation sent after an answer is out. */
async function received(): Promise<string[]> {
  await app!.idle();
  return smtp!.received.map((m) => m.envelope.to[0]!);
}

const pendingRows = () => ws!.rows<{ n: number }>("select count(*) as n from subscribers where status = 'pending'")[0]!.n;

describe(`${CONCURRENT} concurrent requests`, () => {
  it('the hourly cap on confirmation emails: exactly CONFIRMATIONS_PER_HOUR go out, every request answered 200 or 429', async () => {
    const { post } = await serve({ CONFIRMATIONS_PER_HOUR: '10', SUBSCRIBE_LIMIT_PER_IP: '100000' });
    const counts = await all(CONCURRENT, (i) => post('/subscribe', { email: `reader${i}@example.org` }));
    expect(counts).toEqual({ 200: 10, 429: CONCURRENT - 10 });
    const to = await received();
    expect(to).toHaveLength(10);
    expect(new Set(to).size).toBe(10);
    // A refused sign-up stored nothing.
    expect(Number(pendingRows())).toBe(10);
  });

  it('"send me a new link": the same cap holds for new links to expired confirmations', async () => {
    const { post } = await serve({ CONFIRMATIONS_PER_HOUR: '10', SUBSCRIBE_LIMIT_PER_IP: '100000' });
    await app!.store.insertSubscribers(
      Array.from({ length: CONCURRENT }, (_, i) => ({
        email: `late${i}@example.org`,
        status: 'pending' as const,
        topics: [],
        frequency: 'daily' as const,
        source: 'web',
      })),
    );
    const ids: number[] = [];
    for await (const s of app!.store.iterateSubscribers()) ids.push(s.id);
    const expired = new Date(Date.now() - 8 * 24 * 3600_000);
    const counts = await all(CONCURRENT, (i) => post(`/confirm/${app!.tokens.sign('confirm', ids[i]!, expired)}/resend`, {}));
    expect(counts).toEqual({ 200: 10, 429: CONCURRENT - 10 });
    expect(await received()).toHaveLength(10);
  });

  it('the per-address limit: exactly SUBSCRIBE_LIMIT_PER_IP sign-ups from one client', async () => {
    const { post } = await serve({ SUBSCRIBE_LIMIT_PER_IP: '7', CONFIRMATIONS_PER_HOUR: '100000' });
    const counts = await all(CONCURRENT, (i) => post('/subscribe', { email: `reader${i}@example.org` }));
    expect(counts).toEqual({ 200: 7, 429: CONCURRENT - 7 });
    expect(await received()).toHaveLength(7);
    expect(Number(pendingRows())).toBe(7);
  });

  it('one address: one confirmation email however many posts arrive at once', async () => {
    const { post } = await serve({ SUBSCRIBE_LIMIT_PER_IP: '100000', CONFIRMATIONS_PER_HOUR: '100000' });
    const counts = await all(CONCURRENT, () => post('/subscribe', { email: 'ada@example.org', topics: 'rl' }));
    expect(counts).toEqual({ 200: CONCURRENT });
    expect(await received()).toEqual(['ada@example.org']);
    expect(Number(pendingRows())).toBe(1);
  });
});
