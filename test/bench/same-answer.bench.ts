/**
 * The subscribe form's promise, measured: `POST /subscribe` answers in the same time whatever the
 * address (new, pending, active, unsubscribed), so that timing the answer tells nobody who is on
 * the list. Paperboy's real server (`createApp` + `serveHttp`) on loopback, the store of the pass
 * (a SQLite file, or PostgreSQL with PAPERBOY_TEST_PG), confirmation emails sent over SMTP to an
 * in-process smtp-server after the answer.
 *
 * One request at a time over a kept-alive connection from a client in a worker thread (its own
 * event loop, as a remote client's), the kinds shuffled within each round, and the server left
 * idle between requests (the email of the previous answer sent), so that each figure is the time
 * one answer takes, as an attacker timing the form would see it. Prints the
 * mean, median and p90 per kind and the difference of means to an active address with its
 * standard error. A benchmark: it prints figures and never fails on a timing.
 *
 *   NODE_ENV=production npx vitest run --config test/bench/vitest.config.ts test/bench/same-answer.bench.ts
 */
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { serve } from '@hono/node-server';
import { afterAll, it } from 'vitest';
import { type App, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createHttpApp } from '../../src/http/server.js';
import { silentLog } from '../../src/log.js';
import { ON_POSTGRES } from '../helpers/database.js';
import { type TestSmtp, startSmtp } from '../helpers/smtp.js';
import { type Workspace, workspace } from '../helpers/workspace.js';

const ROUNDS = Number(process.env.SAME_ANSWER_ROUNDS ?? 600);
const WARMUP_ROUNDS = 60;
const PUBLIC_URL = 'https://news.example.org';
const KINDS = ['new', 'pending', 'active', 'unsubscribed'] as const;
type Kind = (typeof KINDS)[number];

let ws: Workspace | undefined;
let app: App | undefined;
let smtp: TestSmtp | undefined;
let close: (() => Promise<void>) | undefined;
let stopClient: (() => Promise<number>) | undefined;
afterAll(async () => {
  await stopClient?.();
  await close?.();
  await app?.close();
  await smtp?.close();
  ws?.cleanup();
});

/** The worker thread's code: one POST per message, answering with its time, status and body. */
const CLIENT = `
const { parentPort, workerData: w } = require('node:worker_threads');
parentPort.on('message', async (email) => {
  const body = new URLSearchParams({ email, topics: '', frequency: 'daily', website: '', csrf: w.csrf }).toString();
  const started = performance.now();
  const res = await fetch(w.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: w.origin, cookie: w.cookie }, body });
  const text = await res.text();
  parentPort.postMessage({ ms: performance.now() - started, status: res.status, body: text });
});`;

const address = (kind: Kind, i: number) => `${kind.slice(0, 3)}${String(i).padStart(6, '0')}@example.org`;

it('POST /subscribe: the time of an answer by kind of address', async () => {
  smtp = await startSmtp({ parse: false, onMessage: () => void (smtp!.received.length = 0) });
  ws = workspace({ PORT: '0', HOST: '127.0.0.1', PUBLIC_URL, SMTP_URL: smtp.url, SUBSCRIBE_LIMIT_PER_IP: '100000', CONFIRMATIONS_PER_HOUR: '1000000' });
  const total = ROUNDS + WARMUP_ROUNDS;
  // Known addresses, one per request: active and unsubscribed imported, pending ones signed up below.
  const csv = path.join(ws.dir, 'known.csv');
  writeFileSync(
    csv,
    ['email', ...Array.from({ length: total }, (_, i) => address('active', i)), ...Array.from({ length: total }, (_, i) => address('unsubscribed', i)), ''].join(
      '\n',
    ),
  );
  if ((await ws.cli(['subscribers', 'import', csv])).code !== 0) throw new Error('import failed');
  app = await createApp(loadConfig(ws.env, ws.dir), silentLog);
  for (let i = 0; i < total; i++) {
    const s = (await app.store.findSubscriber(address('unsubscribed', i)))!;
    await app.store.setSubscriberStatus(s.id, 'unsubscribed', new Date().toISOString());
  }
  // The app's own routes (createHttpApp, as serveHttp serves them), timed from the request to the
  // answer the route returns: the work done before the answer, on the server's clock.
  const http = createHttpApp(app);
  let handlerMs = 0;
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve(
      {
        fetch: async (req: Request, env: unknown) => {
          const started = performance.now();
          const res = await http.fetch(req, env);
          handlerMs = performance.now() - started;
          return res;
        },
        port: 0,
        hostname: '127.0.0.1',
      },
      () => resolve(s),
    );
  });
  close = () => new Promise<void>((done) => server.close(() => done()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const landing = await fetch(`${url}/`);
  const cookie = /pb_csrf=[^;]+/.exec(landing.headers.get('set-cookie') ?? '')?.[0] ?? '';
  const csrf = /name="csrf" value="([^"]+)"/.exec(await landing.text())?.[1] ?? '';
  // The client runs in a worker thread, as a remote client would: its clock stops when the
  // answer's bytes arrive, not when this thread, busy with the email after the answer, reads them.
  const client = new Worker(CLIENT, { eval: true, workerData: { url: `${url}/subscribe`, origin: PUBLIC_URL, cookie, csrf } });
  stopClient = () => client.terminate();
  const post = async (email: string) => {
    const answer = new Promise<{ ms: number; status: number; body: string }>((resolve) => client.once('message', resolve));
    client.postMessage(email);
    const { ms, status, body } = await answer;
    if (status !== 200) throw new Error(`${email}: ${status}`);
    const server = handlerMs;
    await app!.idle();
    return { ms, server, body };
  };
  for (let i = 0; i < total; i++) await post(address('pending', i));

  const times: Record<Kind, number[]> = { new: [], pending: [], active: [], unsubscribed: [] };
  const serverTimes: Record<Kind, number[]> = { new: [], pending: [], active: [], unsubscribed: [] };
  const bodies = new Set<string>();
  for (let round = 0; round < total; round++) {
    const order = [...KINDS].sort(() => Math.random() - 0.5);
    for (const kind of order) {
      const { ms, server, body } = await post(address(kind, round));
      bodies.add(body);
      if (round >= WARMUP_ROUNDS) {
        times[kind].push(ms);
        serverTimes[kind].push(server);
      }
    }
  }

  const stats = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
    return { mean, median: sorted[Math.floor(sorted.length / 2)]!, p90: sorted[Math.floor(sorted.length * 0.9)]!, se: Math.sqrt(variance / xs.length) };
  };
  const f = (v: number) => `${v.toFixed(2)} ms`;
  const table = (title: string, by: Record<Kind, number[]>) => {
    const active = stats(by.active);
    return [
      title,
      ...KINDS.map((kind) => {
        const s = stats(by[kind]);
        const d = s.mean - active.mean;
        const diff = kind === 'active' ? '' : `  mean − active ${(d >= 0 ? '+' : '') + d.toFixed(2)} ms (± ${Math.sqrt(s.se ** 2 + active.se ** 2).toFixed(2)})`;
        return `  ${kind.padEnd(13)} mean ${f(s.mean)}  median ${f(s.median)}  p90 ${f(s.p90)}${diff}`;
      }),
    ];
  };
  console.log(
    [
      `\nPOST /subscribe, one request at a time over HTTP (${ON_POSTGRES ? 'PostgreSQL' : 'SQLite'}, ${ROUNDS} rounds after ${WARMUP_ROUNDS} of warm-up, NODE_ENV=${process.env.NODE_ENV ?? 'unset'}); distinct answer bodies: ${bodies.size}`,
      ...table('client (a worker thread): request sent → answer read', times),
      ...table('server: request → the answer the routes return', serverTimes),
    ].join('\n'),
  );
});
