#!/usr/bin/env node
/**
 * The soak (`npm run soak`, SOAK_MINUTES=30 by default): two `paperboy start` processes on one
 * SQLite database with a per-minute SCHEDULE, new papers arriving every minute, readers with and
 * without topics, an SMTP server that counts every (recipient, Message-ID), and each process
 * restarted gracefully (SIGTERM, then started again) once along the way. At the end it checks that
 * every issue reached every reader it was meant for exactly once, and prints the figures.
 * Needs `npm run build` first. Everything runs on loopback in a temporary folder.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SMTPServer } from 'smtp-server';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 30);
const READERS = Number(process.env.SOAK_READERS ?? 300);
const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');
const dir = mkdtempSync(path.join(tmpdir(), 'paperboy-soak-'));
const source = path.join(dir, 'digest.json');
const log = (s) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${s}`);

// --- the SMTP server: counts each (recipient, Message-ID) ---
const copies = new Map();
let messages = 0;
const smtp = new SMTPServer({
  disabledCommands: ['STARTTLS', 'AUTH'],
  authOptional: true,
  logger: false,
  onData(stream, session, cb) {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      const head = Buffer.concat(chunks).subarray(0, 8192).toString('latin1');
      const id = /^Message-ID:\s*<([^>]+)>/im.exec(head)?.[1] ?? 'none';
      for (const r of session.envelope.rcptTo) {
        const k = `${r.address} ${id}`;
        copies.set(k, (copies.get(k) ?? 0) + 1);
        messages++;
      }
      cb();
    });
  },
});
await new Promise((r) => smtp.listen(0, '127.0.0.1', r));
const smtpPort = smtp.server.address().port;

// --- papers arriving: a new digest every minute, each with 3 new papers ---
const TOPICS = ['diffusion', 'reinforcement learning', 'agents', 'robotics', 'speech'];
let batch = 0;
function writeDigest() {
  batch++;
  const papers = [];
  for (let i = 0; i < 3; i++) {
    const topic = TOPICS[(batch + i) % TOPICS.length];
    papers.push({
      title: `Soak paper ${batch}.${i}: ${topic} at scale`,
      abstract: `A study of ${topic} in batch ${batch}, paper ${i}.`,
      upvotes: (batch * 7 + i * 13) % 50,
    });
  }
  writeFileSync(source, JSON.stringify({ version: 1, date: new Date().toISOString().slice(0, 10), papers }));
}
writeDigest();

const env = {
  PATH: process.env.PATH,
  DATABASE_URL: `file:${path.join(dir, 'paperboy.db')}`,
  SECRET_KEY: 'soak-secret-key-0123456789abcdef0123456789',
  SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
  SMTP_POOL: '3',
  DIGEST_SOURCE: source,
  SCHEDULE: '* * * * *',
  PUBLIC_URL: 'http://127.0.0.1:3990',
  HOST: '127.0.0.1',
  MAIL_FROM: 'Paperboy <digest@example.org>',
};

// --- readers: most without topics, a fifth with one topic, a few weekly (not due: stay silent) ---
const csv = ['email,topics,frequency'];
for (let i = 0; i < READERS; i++) {
  const topic = i % 5 === 0 ? TOPICS[(i / 5) % TOPICS.length] : '';
  csv.push(`reader${i}@example.org,${topic},${i % 50 === 49 ? 'weekly' : 'daily'}`);
}
writeFileSync(path.join(dir, 'readers.csv'), `${csv.join('\n')}\n`);
await run(['subscribers', 'import', path.join(dir, 'readers.csv')]);

function run(args) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`paperboy ${args.join(' ')} exited ${code}: ${out}`))));
  });
}

const lines = [];
function start(name, port) {
  const p = spawn(process.execPath, [BIN, 'start'], { cwd: dir, env: { ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
  const keep = (d) => {
    for (const l of String(d).split('\n').filter(Boolean)) lines.push(`${name}: ${l}`);
  };
  p.stdout.on('data', keep);
  p.stderr.on('data', keep);
  p.exited = new Promise((r) => p.on('exit', (code, signal) => r(signal ?? code)));
  return p;
}

let a = start('A', 3991);
let b = start('B', 3992);
log(`soak: ${MINUTES} min, ${READERS} readers, two \`paperboy start\` on ${dir}`);
const began = Date.now();
const feeder = setInterval(writeDigest, 60_000);
const restarts = [];
for (let minute = 1; minute <= MINUTES; minute++) {
  await new Promise((r) => setTimeout(r, began + minute * 60_000 - Date.now()));
  if (minute === Math.floor(MINUTES / 3)) {
    a.kill('SIGTERM');
    restarts.push(`A: SIGTERM at minute ${minute}, exit ${await a.exited}`);
    a = start('A', 3991);
  }
  if (minute === Math.floor((2 * MINUTES) / 3)) {
    b.kill('SIGTERM');
    restarts.push(`B: SIGTERM at minute ${minute}, exit ${await b.exited}`);
    b = start('B', 3992);
  }
  log(`minute ${minute}: ${messages} messages so far`);
}
clearInterval(feeder);
// Let the last tick finish, then stop both.
await new Promise((r) => setTimeout(r, 20_000));
a.kill('SIGTERM');
b.kill('SIGTERM');
restarts.push(`A: exit ${await a.exited}`, `B: exit ${await b.exited}`);

// --- the verdict ---
const db = new Database(path.join(dir, 'paperboy.db'), { readonly: true });
const issues = db.prepare('select id, frequency, created_at from issues order by id').all();
const byState = db.prepare('select status, count(*) n from deliveries group by status').all();
const expected = db.prepare("select s.email, d.issue_id from deliveries d join subscribers s on s.id = d.subscriber_id where d.status = 'sent'").all();
const flagged = db.prepare('select count(*) n from deliveries where maybe_duplicate = 1').get().n;
const runs = db.prepare('select count(*) n from runs').get().n;
db.close();
const dupes = [...copies.values()].filter((n) => n > 1).length;
const perIssue = new Map();
for (const k of copies.keys()) {
  const issue = /^paperboy\.(\d+)\./.exec(k.split(' ')[1])?.[1];
  perIssue.set(issue, (perIssue.get(issue) ?? 0) + 1);
}
const missing = expected.filter((e) => ![...copies.keys()].some((k) => k.startsWith(`${e.email} paperboy.${e.issue_id}.`))).length;
const lockWaits = lines.filter((l) => /waiting for the .* issue lock/.test(l)).length;
const sameTick = lines.filter((l) => /built this tick|already built/.test(l)).length;
console.log(`\nSOAK RESULT (${new Date().toISOString().slice(0, 10)}, ${MINUTES} min, ${READERS} readers, 2 × paperboy start, SCHEDULE "* * * * *")`);
console.log(
  `issues built: ${issues.length} (daily ${issues.filter((i) => i.frequency === 'daily').length}, weekly ${issues.filter((i) => i.frequency === 'weekly').length}); run records: ${runs}`,
);
console.log(`deliveries by state: ${byState.map((r) => `${r.status} ${r.n}`).join(', ')}`);
console.log(
  `messages received: ${messages}; distinct (reader, Message-ID): ${copies.size}; received more than once: ${dupes}; ledger rows flagged as possible duplicates: ${flagged}`,
);
console.log(`sent in the ledger but never received: ${missing}`);
console.log(`lock waits logged: ${lockWaits}; "already built this tick" lines: ${sameTick}`);
console.log(`restarts: ${restarts.join('; ')}`);
console.log(dupes === 0 && missing === 0 && !byState.some((r) => r.status === 'sending') ? 'VERDICT: every issue reached each reader once' : 'VERDICT: FAILED');
writeFileSync(path.join(dir, 'processes.log'), `${lines.join('\n')}\n`);
console.log(`process logs: ${path.join(dir, 'processes.log')}`);
smtp.close();
process.exit(dupes === 0 && missing === 0 ? 0 : 1);
