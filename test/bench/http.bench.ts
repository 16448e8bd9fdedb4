/**
 * HTTP figures: Paperboy's real server (`createApp` + `serveHttp`, a SQLite file, confirmation
 * emails really sent over SMTP to an in-process smtp-server sink) under autocannon on loopback,
 * against a bare hono handler in the same process on another port (the baseline, run before and
 * after each measured run; the ratio to the mean of the two is the figure that matters).
 *
 *   (a) POST /subscribe, a fresh address each request: a pending subscriber is written and a
 *       confirmation email is rendered and sent (after the answer, in the background);
 *   (b) POST /unsubscribe/TOKEN (RFC 8058 one-click), a different active subscriber each request;
 *   (c) the bare hono POST handler, with the same headers and body as (a).
 *
 * autocannon runs in a worker thread (`workers: 1`) so that the load generator does not share the
 * server's event loop; its per-request functions are CommonJS files written to the temp dir.
 * SUBSCRIBE_LIMIT_PER_IP and CONFIRMATIONS_PER_HOUR are raised to their maximums so that the runs
 * measure the work and not 429s. Benchmarks print figures; they never fail on a timing. They do
 * fail when responses are not 200: then the figure would be of the wrong work.
 */
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { Hono } from 'hono';
import { afterAll, it } from 'vitest';
import { type App, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { serveHttp } from '../../src/http/server.js';
import type { Log } from '../../src/log.js';
import { sleep } from '../helpers/eventually.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';
import { type Workspace, workspace } from '../helpers/workspace.js';

const SECONDS = 10;
const WARMUP_SECONDS = 2;
const CONNECTIONS = 10;
/** Active subscribers created for (b); a run stops early if it uses them all (it says so). */
const UNSUBSCRIBE_POOL = 60_000;
const PUBLIC_URL = 'https://news.example.org';
const AUTOCANNON_VERSION = (createRequire(import.meta.url)('autocannon/package.json') as { version: string }).version;

/** A Log that counts what the background email work reports. */
function countingLog() {
  const counts = { confirmationsSent: 0, errors: 0, warnings: 0, firstProblems: [] as string[] };
  const note = (m: string) => void (counts.firstProblems.length < 5 && counts.firstProblems.push(m));
  const log: Log = {
    info: (m) => void (m.startsWith('confirmation email sent') && counts.confirmationsSent++),
    warn: (m) => (counts.warnings++, note(`warning: ${m}`)),
    error: (m) => (counts.errors++, note(`error: ${m}`)),
  };
  return { log, counts };
}

/** Writes a CommonJS module for autocannon's worker (it `require`s functions by path). */
function requestModule(dir: string, name: string, source: string): string {
  const file = path.join(dir, `${name.replace(/[^A-Za-z0-9]+/g, '-')}.cjs`);
  writeFileSync(file, `'use strict';\n${source}\n`);
  return file;
}

/** setupRequest for (a) and (c): a form post with a fresh, fixed-length address each time. */
function subscribeModule(dir: string, name: string, prefix: string, csrf: string): string {
  return requestModule(
    dir,
    name,
    `let n = 0;
module.exports = (req) => {
  n++;
  req.body = 'email=' + encodeURIComponent(${JSON.stringify(prefix)} + String(n).padStart(7, '0') + '@example.org') + '&topics=&frequency=daily&website=&csrf=' + ${JSON.stringify(csrf)};
  return req;
};`,
  );
}

/** setupRequest for (b): the next token of the pool, from `start`. */
function unsubscribeModule(dir: string, name: string, tokensFile: string, start: number): string {
  return requestModule(
    dir,
    name,
    `const tokens = require(${JSON.stringify(tokensFile)});
let i = ${start};
module.exports = (req) => {
  req.path = '/unsubscribe/' + tokens[i++ % tokens.length];
  return req;
};`,
  );
}

interface Figures {
  name: string;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  total: number;
  ok: number;
  statuses: string;
  errors: number;
  timeouts: number;
}

async function load(opts: {
  name: string;
  url: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  setupRequest: string;
  seconds: number;
  maxRequests?: number;
}): Promise<Figures> {
  const r = await autocannon({
    url: opts.url,
    connections: CONNECTIONS,
    pipelining: 1,
    duration: opts.seconds,
    workers: 1,
    ...(opts.maxRequests ? { maxOverallRequests: opts.maxRequests } : {}),
    requests: [{ method: 'POST', path: opts.path, headers: opts.headers, ...(opts.body ? { body: opts.body } : {}), setupRequest: opts.setupRequest }],
  });
  const statuses = Object.entries(r.statusCodeStats ?? {})
    .map(([code, s]) => `${code}×${s.count ?? 0}`)
    .join(' ');
  const total = r.requests.total;
  return {
    name: opts.name,
    seconds: r.duration,
    rps: total / r.duration,
    p50: r.latency.p50,
    p99: r.latency.p99,
    total,
    ok: r['2xx'],
    statuses,
    errors: r.errors,
    timeouts: r.timeouts,
  };
}

/** Fails the run when responses were not all 2xx: the figures would be of the wrong work. */
function checked(f: Figures): Figures {
  const bad = f.total - f.ok + f.errors + f.timeouts;
  if (bad > 0) throw new Error(`${f.name}: ${f.total - f.ok} non-2xx (${f.statuses}), ${f.errors} errors, ${f.timeouts} timeouts out of ${f.total}`);
  return f;
}

const group = (n: number) => Math.round(n).toLocaleString('en-US');
/** Two significant digits: the ratios here are small. */
const ratioText = (r: number) => (r < 0.1 ? r.toPrecision(2) : r.toFixed(2));
/** autocannon's latencies are whole milliseconds; 0 means under 1 ms. */
const ms = (v: number) => (v < 1 ? '<1 ms' : `${v} ms`);

let ws: Workspace | undefined;
let app: App | undefined;
let smtp: TestSmtp | undefined;
const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await app?.close();
  await smtp?.close();
  ws?.cleanup();
});

it('HTTP: subscribe and one-click unsubscribe vs a bare hono handler', async () => {
  // The SMTP sink counts messages and keeps none.
  let mails = 0;
  let mailBytes = 0;
  smtp = await startSmtp({
    parse: false,
    onMessage: (m) => {
      mails++;
      mailBytes += m.raw.length;
      smtp!.received.length = 0;
    },
  });
  ws = workspace({
    PORT: '0',
    HOST: '127.0.0.1',
    PUBLIC_URL,
    SMTP_URL: smtp.url,
    SUBSCRIBE_LIMIT_PER_IP: '100000',
    CONFIRMATIONS_PER_HOUR: '1000000',
  });

  // (b)'s pool: active subscribers, imported before the server opens the store.
  const csv = path.join(ws.dir, 'pool.csv');
  writeFileSync(
    csv,
    ['email,frequency', ...Array.from({ length: UNSUBSCRIBE_POOL }, (_, i) => `pool${String(i).padStart(6, '0')}@example.org,daily`), ''].join('\n'),
  );
  const imported = await ws.cli(['subscribers', 'import', csv]);
  if (imported.code !== 0 || !imported.stdout.includes(`: ${UNSUBSCRIBE_POOL} added`)) throw new Error(`import: ${imported.stdout}${imported.stderr}`);

  const { log, counts } = countingLog();
  app = await createApp(loadConfig(ws.env, ws.dir), log);
  const server = await serveHttp(app);
  closers.push(server.close);
  const port = Number(new URL(server.url).port);
  if (new URL(server.url).hostname !== '127.0.0.1' || !(port > 0)) throw new Error(`serveHttp returned ${server.url}: expected http://127.0.0.1:<port>`);

  const ids: number[] = [];
  for await (const s of app.store.iterateSubscribers()) if (s.status === 'active') ids.push(s.id);
  if (ids.length !== UNSUBSCRIBE_POOL) throw new Error(`expected ${UNSUBSCRIBE_POOL} active subscribers, found ${ids.length}`);
  const tokensFile = path.join(ws.dir, 'tokens.json');
  writeFileSync(tokensFile, JSON.stringify(ids.map((id) => app!.tokens.linkTokens(id).unsubscribe)));

  // A browser's session: GET / sets the CSRF cookie and puts its token in the form.
  const landing = await fetch(`${server.url}/`);
  const page = await landing.text();
  const cookie = /pb_csrf=[^;]+/.exec(landing.headers.get('set-cookie') ?? '')?.[0];
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1];
  if (landing.status !== 200 || !cookie || !csrf) throw new Error(`GET / gave no CSRF cookie and token (status ${landing.status})`);
  const formHeaders = { 'content-type': 'application/x-www-form-urlencoded', origin: PUBLIC_URL, cookie };

  // The baseline: a bare hono POST handler answering a small HTML page, same process.
  const bare = new Hono();
  bare.post('/subscribe', (c) => c.html('<!doctype html><title>Check your inbox</title><p>Thanks.</p>'));
  const bareServer = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: bare.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  closers.push(() => new Promise<void>((done) => bareServer.close(() => done())));
  const bareUrl = `http://127.0.0.1:${(bareServer.address() as AddressInfo).port}`;

  const dir = ws.dir;
  const baseline = (name: string, seconds: number) =>
    load({ name, url: bareUrl, path: '/subscribe', headers: formHeaders, setupRequest: subscribeModule(dir, name, 'b', csrf), seconds });
  const subscribe = (name: string, prefix: string, seconds: number) =>
    load({ name, url: server.url, path: '/subscribe', headers: formHeaders, setupRequest: subscribeModule(dir, name, prefix, csrf), seconds });
  let nextToken = 0;
  const unsubscribe = async (name: string, seconds: number) => {
    const f = await load({
      name,
      url: server.url,
      path: '/unsubscribe/x',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
      setupRequest: unsubscribeModule(dir, name, tokensFile, nextToken),
      seconds,
      maxRequests: UNSUBSCRIBE_POOL - nextToken,
    });
    // Tokens are taken in order; the requests in flight when the run stopped took some too, and
    // a request autocannon built but never sent skipped one: go on after the last one used.
    await settle();
    let last = 0;
    for await (const s of app!.store.iterateSubscribers()) if (s.status === 'unsubscribed') last = Math.max(last, s.id);
    nextToken = ids.indexOf(last) + 1;
    return f;
  };

  // Warm-ups (JIT, SQLite page cache, SMTP pool connections); not reported.
  checked(await baseline('warmup-bare', WARMUP_SECONDS));
  checked(await subscribe('warmup-subscribe', 'w', WARMUP_SECONDS));
  await settle();
  await app.idle();
  checked(await unsubscribe('warmup-unsubscribe', WARMUP_SECONDS));
  const pendingBefore = await countStatus(app, 'pending');

  // The baseline brackets each run; each ratio uses the mean of the two runs around it.
  const bare1 = checked(await baseline('(c) bare hono, 1st', SECONDS));
  const mailsBefore = mails;
  const sentBefore = counts.confirmationsSent;
  const sub = checked(await subscribe('(a) POST /subscribe', 's', SECONDS));
  const mailsDuringLoad = mails - mailsBefore;
  const drainStart = performance.now();
  await settle();
  await app.idle();
  const drainSeconds = (performance.now() - drainStart) / 1000;
  const confirmations = mails - mailsBefore;
  const accepted = (await countStatus(app, 'pending')) - pendingBefore;

  const bare2 = checked(await baseline('(c) bare hono, 2nd', SECONDS));
  const unsubStart = nextToken;
  const unsubscribedBefore = await countStatus(app, 'unsubscribed');
  const unsub = checked(await unsubscribe('(b) POST /unsubscribe/TOKEN', SECONDS));
  const unsubscribed = (await countStatus(app, 'unsubscribed')) - unsubscribedBefore;
  const bare3 = checked(await baseline('(c) bare hono, 3rd', SECONDS));
  const bareA = (bare1.rps + bare2.rps) / 2;
  const bareB = (bare2.rps + bare3.rps) / 2;

  const sqlite = new Database(':memory:');
  const sqliteVersion = (sqlite.prepare('select sqlite_version() as v').get() as { v: string }).v;
  sqlite.close();
  const cpu = cpus();
  const row = (f: Figures, ratio?: number) =>
    `${f.name.padEnd(28)} ${group(f.rps).padStart(7)} req/s  p50 ${ms(f.p50).padStart(6)}  p99 ${ms(f.p99).padStart(6)}  ${ratio === undefined ? ' '.repeat(12) : `ratio ${ratioText(ratio)}`}  (${group(f.total)} answers: ${f.statuses || 'none'}; ${f.errors} errors, ${f.timeouts} timeouts)`;
  console.log(
    [
      `\nHTTP: autocannon ${AUTOCANNON_VERSION} (in a worker thread), ${CONNECTIONS} connections, pipelining 1, ${SECONDS} s per run, loopback (${new Date().toISOString().slice(0, 10)}, ${cpu.length} × ${cpu[0]?.model.trim()}, Node ${process.version}, SQLite ${sqliteVersion} WAL, NODE_ENV=${process.env.NODE_ENV ?? 'unset'}: React's ${process.env.NODE_ENV === 'production' ? 'production' : 'development'} build)`,
      `limits raised so that the runs measure the work, not 429s: SUBSCRIBE_LIMIT_PER_IP=100000, CONFIRMATIONS_PER_HOUR=1000000 (defaults 10 and 100)`,
      row(bare1),
      row(sub, sub.rps / bareA),
      row(bare2),
      row(unsub, unsub.rps / bareB),
      row(bare3),
      `ratios (to the mean of the bare runs before and after): (a)/(c) ${ratioText(sub.rps / bareA)}, (b)/(c) ${ratioText(unsub.rps / bareB)}; latencies have 1 ms resolution`,
      `(a) ${group(accepted)} pending subscribers written (${group(sub.ok)} answers counted; the rest were in flight when the run stopped); ` +
        `${group(confirmations)} confirmation emails (mean ${group(mails ? mailBytes / mails : 0)} bytes) reached the in-process SMTP sink over SMTP_POOL=${app.config.SMTP_POOL} connections, ${group(mailsDuringLoad)} of them during the ${sub.seconds.toFixed(1)} s of load and the rest in the ${drainSeconds.toFixed(2)} s app.idle() took afterwards ` +
        `(${group(confirmations / (sub.seconds + drainSeconds))} emails/s end to end; Paperboy logged ${group(counts.confirmationsSent - sentBefore)} sent)`,
      `(b) ${group(unsubscribed)} active subscribers unsubscribed (${group(unsub.ok)} answers counted), each by its own token, of ${group(UNSUBSCRIBE_POOL - unsubStart)} left after the warm-up${nextToken >= UNSUBSCRIBE_POOL ? ' (the pool ran out: the run stopped early)' : ''}`,
      `log: ${counts.errors} errors, ${counts.warnings} warnings${counts.firstProblems.length ? `: ${counts.firstProblems.join(' | ')}` : ''}`,
    ].join('\n'),
  );
  // Every accepted request wrote its row and sent its email; the ones autocannon counted are among them.
  const problems = [
    counts.errors > 0 && `${counts.errors} errors logged`,
    confirmations !== accepted && `${accepted} pending subscribers but ${confirmations} confirmation emails`,
    (accepted < sub.ok || accepted > sub.ok + CONNECTIONS) && `${accepted} pending subscribers for ${sub.ok} answers`,
    (unsubscribed < unsub.ok || unsubscribed > unsub.ok + CONNECTIONS) && `${unsubscribed} unsubscribed for ${unsub.ok} answers`,
  ].filter(Boolean);
  if (problems.length) throw new Error(`the runs did not do the work they measure: ${problems.join('; ')}`);
});

/** Lets the requests that were in flight when autocannon stopped finish on the server. */
const settle = () => sleep(200);

/** How many subscribers have `status`. */
async function countStatus(app: App, status: string): Promise<number> {
  let n = 0;
  for await (const s of app.store.iterateSubscribers()) if (s.status === status) n++;
  return n;
}
