/**
 * Send figures: the real `paperboy send` executable delivering an issue of the seed digest (30
 * papers) to 20,000 and to 100,000 subscribers over SMTP_POOL=5 connections to Postfix's
 * smtp-sink on loopback, against Postfix's smtp-source sending as many messages of the same size
 * over as many connections to the same sink (the mean of one run before and one after Paperboy).
 * Printed: the message size, Paperboy's rate (as its own report line gives it), smtp-source's
 * rate, their ratio, and Paperboy's peak RSS (from /usr/bin/time). Target: peak RSS under 250 MB
 * at 100,000 subscribers. Setup (ingest, CSV import) is not timed.
 *
 * `npm run bench:send` builds first: the executable under test is dist/src/cli/main.js.
 */
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, it } from 'vitest';
import { defaultDkimThreads } from '../../src/send/dkim-pool.js';
import { ROOT, SEED, type Workspace, workspace } from '../helpers/workspace.js';
import { requires } from '../helpers/requires.js';
import { SMTP_SOURCE, type Sink, TIME, run, startSink } from './sink.js';

const MAIN = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');
const POOL = 5;

const skip = requires(['smtp-sink', 'gnu-time', 'build']);
const haveSource = existsSync(SMTP_SOURCE);
if (!skip && !haveSource) console.warn(`send benchmark: ${SMTP_SOURCE} not found; no smtp-source baseline`);
const bench = skip ? it.skip : it;

let sink: Sink | undefined;
const workspaces: Workspace[] = [];
beforeAll(async () => {
  if (!skip) sink = await startSink(1000);
});
afterAll(async () => {
  await sink?.stop();
  const complaints = sink?.stderr().trim();
  if (complaints) console.warn(`smtp-sink wrote to stderr:\n${complaints}`);
  for (const ws of workspaces.splice(0)) ws.cleanup();
});

/** Every subscriber address has the same length, so every message has the same size. */
const address = (i: number) => `reader${String(i).padStart(6, '0')}@example.org`;
const group = (n: number) => n.toLocaleString('en-US');

function fresh(env: Record<string, string> = {}): Workspace {
  const ws = workspace({ MAX_PAPERS_PER_ISSUE: '30', ...env });
  workspaces.push(ws);
  return ws;
}

async function must(ws: Workspace, args: string[]): Promise<string> {
  const r = await ws.cli(args);
  if (r.code !== 0) throw new Error(`paperboy ${args.join(' ')} exited ${r.code}: ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** A workspace with the seed ingested and `n` active daily subscribers. */
async function prepared(n: number, env: Record<string, string>): Promise<Workspace> {
  const ws = fresh(env);
  await must(ws, ['ingest', SEED]);
  const file = path.join(ws.dir, 'subscribers.csv');
  writeFileSync(file, ['email,frequency', ...Array.from({ length: n }, (_, i) => `${address(i + 1)},daily`), ''].join('\n'));
  const out = await must(ws, ['subscribers', 'import', file]);
  if (!out.includes(`: ${n} added`)) throw new Error(`import: ${out}`);
  return ws;
}

/** The size of one message of the issue: a dry run of the executable to one subscriber. */
let sizeOnce: Promise<number> | undefined;
function messageSize(): Promise<number> {
  sizeOnce ??= (async () => {
    const ws = await prepared(1, {});
    const r = await run(process.execPath, [MAIN, 'send', '--dry-run', '--outbox', 'dry-run'], { cwd: ws.dir, env: { ...ws.env, PATH: process.env.PATH ?? '' } });
    if (r.code !== 0) throw new Error(`send --dry-run exited ${r.code}: ${r.stderr || r.stdout}`);
    const dir = path.join(ws.dir, 'dry-run');
    const files = readdirSync(dir).filter((f) => f.endsWith('.eml'));
    if (files.length !== 1) throw new Error(`send --dry-run wrote ${files.length} .eml files, expected 1: ${r.stdout}`);
    return readFileSync(path.join(dir, files[0]!)).length;
  })();
  return sizeOnce;
}

/** smtp-source sending `n` messages of `size` bytes over `POOL` kept-open sessions: msg/s. */
async function smtpSource(n: number, size: number): Promise<number> {
  const r = await run(SMTP_SOURCE, [
    '-s',
    String(POOL),
    '-m',
    String(n),
    '-l',
    String(size),
    '-d',
    '-f',
    'a@example.org',
    '-t',
    'b@example.org',
    `127.0.0.1:${sink!.port}`,
  ]);
  if (r.code !== 0 || r.stderr.trim()) throw new Error(`smtp-source exited ${r.code}: ${r.stderr}`);
  return n / (r.ms / 1000);
}

interface PaperboyRun {
  sent: number;
  failed: number;
  seconds: number;
  rate: number;
  line: string;
  wallSeconds: number;
  peakRssMb: number;
  rssTrace: number[];
  /** The running rate of each progress line (msg/s since the start of the issue). */
  progressRates: number[];
}

/** `/usr/bin/time -f %M node dist/src/cli/main.js send` in the workspace. */
async function paperboySend(ws: Workspace): Promise<PaperboyRun> {
  const r = await run(TIME, ['-f', '%M', process.execPath, MAIN, 'send'], {
    cwd: ws.dir,
    env: { ...ws.env, PATH: process.env.PATH ?? '' },
    traceChild: true,
    sampleMs: 250,
  });
  const errLines = r.stderr.trim().split('\n');
  const peakKb = Number(errLines.at(-1));
  if (r.code !== 0) throw new Error(`paperboy send exited ${r.code}:\n${r.stdout}${r.stderr}`);
  const line = r.stdout.split('\n').find((l) => l.startsWith('Sent issue')) ?? '';
  const m = /: (\d+) sent, (\d+) failed.* in ([\d.]+) s \((\d+)\/s\)$/.exec(line);
  if (!m || !Number.isFinite(peakKb)) throw new Error(`cannot read the send report:\n${r.stdout}${r.stderr}`);
  const sent = Number(m[1]);
  const rate = Number(m[4]);
  // Off a terminal, `send` logs a progress line every few seconds; anything else on stderr
  // (warnings, errors) is worth seeing.
  const progress = /^issue #\d+: \d+ sent, .* · (\d+)\/s · ETA/;
  const rates = errLines.flatMap((l) => progress.exec(l)?.slice(1, 2) ?? []).map(Number);
  const other = errLines
    .slice(0, -1)
    .filter((l) => !progress.test(l))
    .join('\n')
    .trim();
  if (other) console.warn(`paperboy send wrote to stderr:\n${other}`);
  // The report prints seconds to one decimal; its rate is computed from milliseconds.
  return {
    sent,
    failed: Number(m[2]),
    seconds: rate > 0 ? sent / rate : Number(m[3]),
    rate,
    line,
    wallSeconds: r.ms / 1000,
    peakRssMb: peakKb / 1024,
    rssTrace: r.rssTrace,
    progressRates: rates,
  };
}

/** A few evenly spaced samples of the RSS trace. */
function trace(mb: number[], points = 8): string {
  if (mb.length === 0) return 'n/a';
  const picks = mb.length <= points ? mb : Array.from({ length: points }, (_, i) => mb[Math.round((i * (mb.length - 1)) / (points - 1))]!);
  return picks.map((v) => v.toFixed(0)).join(' → ');
}

async function ledger(ws: Workspace): Promise<string> {
  const status = JSON.parse(await must(ws, ['status', '--json'])) as { deliveries: Record<string, number> };
  return Object.entries(status.deliveries)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');
}

/** DKIM keys for the signed runs: RSA-2048, and Ed25519 for the second signature. */
const RSA_KEY = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;
const ED_KEY = generateKeyPairSync('ed25519', {
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'pem' },
}).privateKey;
const SIGNING: Record<string, Record<string, string>> = {
  unsigned: {},
  'DKIM rsa-sha256': { DKIM_DOMAIN: 'example.org', DKIM_SELECTOR: 'rsa', DKIM_PRIVATE_KEY: RSA_KEY },
  'DKIM rsa-sha256 + ed25519-sha256': {
    DKIM_DOMAIN: 'example.org',
    DKIM_SELECTOR: 'rsa',
    DKIM_PRIVATE_KEY: RSA_KEY,
    DKIM_ED25519_SELECTOR: 'ed',
    DKIM_ED25519_PRIVATE_KEY: ED_KEY,
  },
};

async function scenario(n: number, baseline: 'before and after' | 'after' | 'none', signing: keyof typeof SIGNING = 'unsigned'): Promise<void> {
  const ws = await prepared(n, { SMTP_URL: sink!.url, SMTP_POOL: String(POOL), MAX_PAPERS_PER_ISSUE: '30', ...SIGNING[signing] });
  const size = await messageSize();
  const source: number[] = [];
  if (haveSource && baseline === 'before and after') source.push(await smtpSource(n, size));
  const pb = await paperboySend(ws);
  if (haveSource && baseline !== 'none') source.push(await smtpSource(n, size));
  const sourceRate = source.length ? source.reduce((a, b) => a + b, 0) / source.length : undefined;
  const cpu = cpus();
  const rows: [string, string][] = [
    ['message size', `${group(size)} bytes (${(size / 1024).toFixed(1)} KB, one dry-run .eml)`],
    ['signing', signing === 'unsigned' ? signing : `${signing}, ${defaultDkimThreads()} signing thread(s) (the default on ${availableParallelism()} cores)`],
    [
      'paperboy send',
      `${group(pb.sent)} sent, ${pb.failed} failed in ${pb.seconds.toFixed(2)} s: ${group(pb.rate)} msg/s (process ${pb.wallSeconds.toFixed(1)} s wall, start-up and issue build included)`,
    ],
  ];
  if (sourceRate !== undefined) {
    rows.push(
      [
        `smtp-source -s ${POOL} -d`,
        `${group(Math.round(sourceRate))} msg/s (${source.length === 2 ? `mean of ${source.map((s) => group(Math.round(s))).join(' before, ')} after` : 'one run, after'})`,
      ],
      [
        'paperboy / smtp-source',
        `${(pb.rate / sourceRate).toFixed(2)} (whole process, start-up and planning included: ${(pb.sent / pb.wallSeconds / sourceRate).toFixed(2)})`,
      ],
    );
  }
  rows.push(
    ['paperboy peak RSS', `${pb.peakRssMb.toFixed(0)} MB${n >= 100_000 ? ` (target < 250 MB: ${pb.peakRssMb < 250 ? 'met' : 'MISSED'})` : ''}`],
    ['RSS over the run (MB)', trace(pb.rssTrace)],
    ['progress lines (msg/s)', pb.progressRates.length ? pb.progressRates.map(group).join(' → ') : 'none (a short run logs only its summary)'],
    ['ledger afterwards', await ledger(ws)],
  );
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(
    [
      `\nSend: ${group(n)} subscribers, SMTP_POOL=${POOL}, smtp-sink on loopback (${new Date().toISOString().slice(0, 10)}, ${cpu.length} × ${cpu[0]?.model.trim()}, Node ${process.version})`,
      ...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`),
      `report line: ${pb.line}`,
    ].join('\n'),
  );
}

bench('send to 20,000 subscribers vs smtp-source', async () => {
  await scenario(20_000, 'before and after');
});

bench('send DKIM-signed (RSA-2048) to 20,000 subscribers vs smtp-source', async () => {
  await scenario(20_000, 'before and after', 'DKIM rsa-sha256');
});

bench('send with two DKIM signatures (RSA-2048 and Ed25519) to 20,000 subscribers vs smtp-source', async () => {
  await scenario(20_000, 'after', 'DKIM rsa-sha256 + ed25519-sha256');
});

bench('send to 100,000 subscribers: rate and peak RSS', async () => {
  await scenario(100_000, 'after');
});
