/**
 * Scale figures: one 30-paper issue of the seed digest delivered to 100,000 and to 1,000,000
 * active daily subscribers, into Postfix's smtp-sink on loopback, by the real built executable
 * (`dist/src/cli/main.js worker`): on PostgreSQL with 1, 2 and 4 worker processes started
 * together, and on SQLite with one. Each store first gets a realistic sent-log: 30 earlier daily
 * issues (of 30 other papers each) already sent to every reader, i.e. 30 ledger rows per reader,
 * seeded with SQL (as are the readers: no CLI adds).
 *
 * Measured (setup is never timed):
 * - plan: `planNextIssue` (builder.ts) and `store.createIssue` of its plan, in this process,
 *   against the seeded store, once per store and size. The PostgreSQL runs with 1, 2, 4 workers
 *   send that same issue: between them its ledger rows are put back to pending and the table
 *   vacuumed (not timed). On PostgreSQL the claim statement is also EXPLAIN ANALYZEd (rolled back)
 *   on the fresh issue and its plan printed.
 * - msg/s: messages sent / (last `updated_at` − first `first_attempt_at` of the issue's sent
 *   rows): from the first claim to the last result, as the ledger records them. Also the wall
 *   time from spawning the workers to the ledger holding nothing pending or sending. A send still
 *   going after SCALE_SEND_SECONDS (default 60) is stopped with SIGTERM (graceful) and marked *:
 *   its figures are over what it sent in that time.
 * - peak RSS: VmHWM of each worker process (/proc/PID/status) read just before its SIGTERM.
 * - CPU: seconds of CPU (utime+stime from /proc) over the send of the workers, of the PostgreSQL
 *   server processes and of smtp-sink, and the machine's busy share (/proc/stat).
 * - DB time per batch: inside the workers (a preload, `--import`, that wraps the store's methods
 *   and changes nothing else) the wall time of each top-level ledger transaction: the claim
 *   (claimDeliveries: BEGIN, the claiming CTE/UPDATE … RETURNING, the subscribers SELECT, COMMIT)
 *   and the record (deliver.ts's transaction around recordDeliveries + releaseDeliveries,
 *   COMMIT included). "per batch" = claim + record of one batch of SMTP_POOL × 4 = 20 messages;
 *   printed as medians and p95s, and as the share of the workers' send time spent waiting on them.
 * - smtp-source: Postfix's smtp-source sending 20,000 messages of the same size to the same sink
 *   over 5 and over 20 sessions (what 1 and 4 workers open), once, for reference.
 *
 * `SCALE_SIZES=100000` (comma-separated) runs a subset; `SCALE_STORES=postgres,sqlite` and
 * `SCALE_WORKERS=1,2,4` likewise; `SCALE_EARLIER=10` seeds a shorter sent-log (default 30). Skips (visibly) without smtp-sink, the build, or PostgreSQL.
 * `npm run bench:scale` builds first.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, it } from 'vitest';
import { type App, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { isNoIssue, planNextIssue } from '../../src/issue/builder.js';
import { silentLog } from '../../src/log.js';
import { ingestDigests } from '../../src/pipeline/ingest.js';
import { parseDigest } from '../../src/sources/index.js';
import { createDatabase, dropDatabase, psql, PG_URL } from '../helpers/database.js';
import { ROOT, SEED, type Workspace, workspace } from '../helpers/workspace.js';
import { eventually } from '../helpers/eventually.js';
import { requires } from '../helpers/requires.js';
import { SMTP_SOURCE, type Sink, run, startSink } from './sink.js';

const MAIN = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');
const POOL = 5;
const EARLIER = Number(process.env.SCALE_EARLIER || 30);
/** A send still going after this long is stopped (SIGTERM) and its rate taken over what it sent. */
const CAP_S = Number(process.env.SCALE_SEND_SECONDS || 60);
const BASELINE = 20_000;
const list = (v: string | undefined, dflt: string) =>
  (v || dflt)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const SIZES = list(process.env.SCALE_SIZES, '100000,1000000').map(Number);
const STORES = list(process.env.SCALE_STORES, 'postgres,sqlite');
const WORKERS = list(process.env.SCALE_WORKERS, '1,2,4').map(Number);

const skip = requires(['smtp-sink', 'build']);
const havePg = !skip && STORES.includes('postgres') && !requires('postgres', { part: 'the PostgreSQL runs' });
const bench = skip ? it.skip : it;

const group = (n: number) => Math.round(n).toLocaleString('en-US');
const address = (i: number) => `reader${String(i).padStart(7, '0')}@example.org`;
const started = Date.now();
const progress = (s: string) => console.log(`[scale ${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s] ${s}`);

let sink: Sink | undefined;
const workspaces: Workspace[] = [];
const lines: string[] = [];
const facts: Record<string, string> = {};
beforeAll(async () => {
  if (!skip) sink = await startSink(1000);
});
afterAll(async () => {
  await sink?.stop();
  const complaints = sink?.stderr().trim();
  if (complaints) console.warn(`smtp-sink wrote to stderr:\n${complaints}`);
  for (const ws of workspaces.splice(0)) ws.cleanup();
  if (lines.length) {
    const c = cpus();
    const width = Math.max(...Object.keys(facts).map((k) => k.length));
    console.log(
      [
        `\nScale: one 30-paper issue (MAX_PAPERS_PER_ISSUE=30) to N subscribers, ${EARLIER} earlier issues in the sent-log, SMTP_POOL=${POOL} per worker, smtp-sink on loopback`,
        ...Object.entries({ date: new Date().toISOString().slice(0, 10), cpu: `${c.length} × ${c[0]?.model.trim()}`, node: process.version, ...facts }).map(
          ([k, v]) => `${k.padEnd(Math.max(width, 4))}  ${v}`,
        ),
        '',
        ...lines,
      ].join('\n'),
    );
  }
});

// ---------------------------------------------------------------------------------------------
// The probe: loaded into each worker with --import; times the ledger's transactions.

const PROBE = `
import { AsyncLocalStorage } from 'node:async_hooks';
import { writeFileSync } from 'node:fs';
import { SqlContext } from ${JSON.stringify(pathToFileURL(path.join(ROOT, 'dist/src/store/sql/context.js')).href)};
import { DeliveryQueries } from ${JSON.stringify(pathToFileURL(path.join(ROOT, 'dist/src/store/sql/deliveries.js')).href)};
const als = new AsyncLocalStorage();
const claims = [], records = [], sizes = [];
const tx = SqlContext.prototype.transaction;
SqlContext.prototype.transaction = function (fn, opts) {
  if (this.inTransaction) return tx.call(this, fn, opts);
  const state = { kind: undefined };
  const t0 = performance.now();
  return als.run(state, () => tx.call(this, fn, opts)).finally(() => {
    if (state.kind === 'record') records.push(performance.now() - t0);
  });
};
// claimDeliveries is one top-level transaction of its own (BEGIN … COMMIT): timed whole.
const claim = DeliveryQueries.prototype.claimDeliveries;
DeliveryQueries.prototype.claimDeliveries = async function (...a) {
  if (this.ctx.inTransaction) return claim.apply(this, a);
  const t0 = performance.now();
  const jobs = await claim.apply(this, a);
  claims.push(performance.now() - t0);
  sizes.push(jobs.length);
  return jobs;
};
const record = DeliveryQueries.prototype.recordDeliveries;
DeliveryQueries.prototype.recordDeliveries = function (...a) {
  const s = als.getStore();
  if (s && a[0]?.length) s.kind = 'record';
  return record.apply(this, a);
};
process.on('exit', () => writeFileSync(process.env.SCALE_PROBE_OUT + '.' + process.pid + '.json', JSON.stringify({ claims, records, sizes })));
`;

// ---------------------------------------------------------------------------------------------
// Stores: raw SQL for seeding and polling, on either dialect.

interface Raw {
  exec(text: string): Promise<void>;
  one<T = Record<string, unknown>>(text: string): Promise<T>;
  all<T = Record<string, unknown>>(text: string): Promise<T[]>;
  close(): Promise<void>;
}

function rawPg(url: string): Raw {
  const pool = new pg.Pool({ connectionString: url, max: 1, idleTimeoutMillis: 0 });
  return {
    exec: async (t) => void (await pool.query(t)),
    one: async (t) => (await pool.query(t)).rows[0],
    all: async (t) => (await pool.query(t)).rows,
    close: () => pool.end(),
  };
}

function rawSqlite(file: string): Raw {
  const db = new Database(file);
  db.pragma('busy_timeout = 60000');
  return {
    exec: async (t) => void db.exec(t),
    one: async (t) => db.prepare(t).get() as never,
    all: async (t) => db.prepare(t).all() as never,
    close: async () => void db.close(),
  };
}

type Kind = 'postgres' | 'sqlite';

interface Store {
  kind: Kind;
  ws: Workspace;
  app: App;
  raw: Raw;
  url: string;
}

const NOW = () => new Date();
const day = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();

/** A migrated store with `n` readers, 30 earlier issues sent to all of them, and the seed ingested. */
async function seeded(kind: Kind, n: number): Promise<Store> {
  const url = kind === 'postgres' ? createDatabase() : '';
  const ws = workspace({
    ...(url ? { DATABASE_URL: url } : {}),
    MAX_PAPERS_PER_ISSUE: '30',
    SMTP_URL: sink!.url,
    SMTP_POOL: String(POOL),
  });
  workspaces.push(ws);
  if (url) {
    const cleanup = ws.cleanup;
    ws.cleanup = () => {
      cleanup();
      dropDatabase(url);
    };
  }
  const app = await createApp(loadConfig(ws.env, ws.dir), silentLog); // migrates
  const raw = kind === 'postgres' ? rawPg(ws.databaseUrl) : rawSqlite(ws.dbFile);
  const t0 = Date.now();
  if (kind === 'sqlite') await raw.exec('pragma synchronous = off; pragma journal_mode = wal; pragma cache_size = -262144');
  // Rows valid by construction: no per-row foreign-key triggers while seeding (reset below).
  else await raw.exec('set synchronous_commit = off; set session_replication_role = replica');
  const seq =
    kind === 'postgres' ? 'generate_series(1, N) as g(i)' : '(with recursive c(i) as (select 1 union all select i + 1 from c where i < N) select i from c) as g';
  const series = (count: number) => seq.replace('N', String(count));
  const tx = async (body: string) => raw.exec(kind === 'postgres' ? body : `begin; ${body}; commit`);
  const cat = (...p: string[]) => (kind === 'postgres' ? `concat(${p.join(', ')})` : p.join(' || '));
  const pad7 = kind === 'postgres' ? "lpad(i::text, 7, '0')" : "substr('0000000' || i, -7, 7)";
  // 900 earlier papers (30 per earlier issue), none of them in the seed.
  await tx(
    `insert into papers (id, title_key, title, abstract, first_seen_at, updated_at, source)
     select ${cat("'old-'", 'i')}, ${cat("'old paper '", 'i')}, ${cat("'Old paper '", 'i')}, 'An earlier paper.', '${day(40)}', '${day(40)}', 'bench'
     from ${series(EARLIER * 30)}`,
  );
  await tx(
    `insert into subscribers (email, email_key, status, topics, frequency, source, created_at, updated_at, confirmed_at)
     select ${cat("'reader'", pad7, "'@example.org'")}, ${cat("'reader'", pad7, "'@example.org'")}, 'active', '[]', 'daily', 'bench', '${day(60)}', '${day(60)}', '${day(60)}'
     from ${series(n)}`,
  );
  // The sent-log goes in without the ledger's secondary indexes, which are built again after it
  // (the same schema in the end, minutes faster at 30 million rows).
  const INDEXES = [
    ['deliveries_issue_status', 'deliveries (issue_id, status)'],
    ['deliveries_subscriber', 'deliveries (subscriber_id, status)'],
    ['deliveries_claimable', 'deliveries (status, next_attempt_at, id)'],
  ];
  for (const [name] of INDEXES) await raw.exec(`drop index ${name}`);
  if (kind === 'postgres') await raw.exec('alter table deliveries drop constraint deliveries_issue_subscriber');
  progress(`${kind} ${group(n)}: ${group(n)} subscribers seeded (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  for (let k = 1; k <= EARLIER; k++) {
    const at = day(EARLIER + 1 - k);
    await tx(
      `insert into issues (frequency, status, created_at, finished_at, paper_seq_hi, subject, issue_date)
       values ('daily', 'sent', '${at}', '${at}', ${k * 30}, 'Paperboy: earlier issue ${k}', '${at.slice(0, 10)}')`,
    );
    await tx(
      `insert into issue_papers (issue_id, variant, position, paper_id)
       select ${k}, 0, i - 1, ${cat("'old-'", `(${(k - 1) * 30} + i)`)} from ${series(30)}`,
    );
    await tx(
      `insert into deliveries (issue_id, subscriber_id, variant, status, attempts, message_id, sent_at, updated_at, first_attempt_at, reply)
       select ${k}, id, 0, 'sent', 1, ${cat(`'paperboy.${k}.'`, 'id', "'.abcdef012345@example.org'")}, '${at}', '${at}', '${at}', '250 2.0.0 Ok: queued as 4ZxQ1k2Lm3'
       from subscribers order by id`,
    );
    if (k % 5 === 0 || k === EARLIER)
      progress(`${kind} ${group(n)}: sent-log ${k}/${EARLIER} issues (${group(k * n)} ledger rows, ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  const ti = Date.now();
  if (kind === 'postgres') {
    await raw.exec('set session_replication_role = origin');
    await raw.exec("set maintenance_work_mem = '1GB'");
    await raw.exec('alter table deliveries add constraint deliveries_issue_subscriber unique (issue_id, subscriber_id)');
  }
  for (const [name, on] of INDEXES) await raw.exec(`create index ${name} on ${on}`);
  progress(`${kind} ${group(n)}: ledger indexes rebuilt (${((Date.now() - ti) / 1000).toFixed(0)} s)`);
  await ingestDigests(app.store, [parseDigest(readFileSync(SEED, 'utf8'), 'seed', 'auto', { today: new Date().toISOString().slice(0, 10) })], NOW());
  await raw.exec(kind === 'postgres' ? 'vacuum analyze' : 'analyze');
  if (kind === 'sqlite') await raw.exec('pragma synchronous = normal; pragma wal_checkpoint(truncate)');
  const size = kind === 'postgres' ? Number((await raw.one<{ b: string }>('select pg_database_size(current_database()) as b')).b) : statSync(ws.dbFile).size;
  progress(`${kind} ${group(n)}: seeded in ${((Date.now() - t0) / 1000).toFixed(0)} s; store ${(size / 2 ** 30).toFixed(2)} GiB`);
  return { kind, ws, app, raw, url: ws.databaseUrl };
}

interface Plan {
  issueId: number;
  planMs: number;
  createMs: number;
  recipients: number;
}

/**
 * Puts an issue's ledger back as createIssue wrote it, for the next send (not timed): rows a
 * stopped run released are pending again but keep their first attempt time, so they are reset too.
 */
async function resetIssue(s: Store, issueId: number): Promise<void> {
  const t = Date.now();
  await s.raw.exec(
    `update deliveries set status = 'pending', attempts = 0, claimed_by = null, lease_until = null, first_attempt_at = null,
       sent_at = null, message_id = null, reply = null, last_error = null, next_attempt_at = null, maybe_duplicate = 0
     where issue_id = ${issueId} and (status <> 'pending' or first_attempt_at is not null)`,
  );
  await s.raw.exec(`update issues set status = 'sending', finished_at = null where id = ${issueId}`);
  await s.raw.exec(s.kind === 'postgres' ? 'vacuum analyze deliveries' : 'analyze');
  progress(`${s.kind}: issue #${issueId} reset to pending, ledger vacuumed (${((Date.now() - t) / 1000).toFixed(1)} s, not timed)`);
}

/** EXPLAIN ANALYZE of the claim statement (PostgreSQL; rolled back): its plan's first lines and time. */
async function explainClaim(s: Store, issueId: number): Promise<string[]> {
  const now = new Date().toISOString();
  await s.raw.exec('begin');
  try {
    const rows = await s.raw.all<{ 'QUERY PLAN': string }>(
      `explain (analyze, buffers) with picked as materialized (select id from deliveries where issue_id = ${issueId} and status = 'pending'
         and (next_attempt_at is null or next_attempt_at <= '${now}') order by id limit 20 for update skip locked)
       update deliveries set status = 'sending', attempts = deliveries.attempts + 1, claimed_by = 'explain', lease_until = '${now}',
         first_attempt_at = coalesce(deliveries.first_attempt_at, '${now}'), updated_at = '${now}'
       from picked where deliveries.id = picked.id returning deliveries.id`,
    );
    return rows.map((r) => r['QUERY PLAN']);
  } finally {
    await s.raw.exec('rollback');
  }
}

/** Plans and writes the next issue. */
async function planIssue(s: Store): Promise<Plan> {
  const opts = s.app.buildOptions('daily', NOW());
  let t = performance.now();
  const planned = await planNextIssue(s.app.store, opts);
  const planMs = performance.now() - t;
  if (isNoIssue(planned)) throw new Error(`no issue: ${planned.reason}`);
  t = performance.now();
  const issue = await s.app.store.createIssue(planned.plan);
  const createMs = performance.now() - t;
  progress(
    `${s.kind}: planned issue #${issue.id} in ${(planMs / 1000).toFixed(2)} s, wrote it in ${(createMs / 1000).toFixed(2)} s (${group(planned.recipients)} recipients)`,
  );
  return { issueId: issue.id, planMs, createMs, recipients: planned.recipients };
}

// ---------------------------------------------------------------------------------------------
// /proc readings.

function procStatus(pid: number, key: string): number | undefined {
  try {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

const TICK = 100; // USER_HZ
/** utime + stime of a process, in seconds. */
function cpuOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / TICK;
  } catch {
    return 0;
  }
}

/** CPU seconds of every live process whose command name is `comm`, by pid. */
function cpuByComm(comm: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === comm) out.set(Number(d), cpuOf(Number(d)));
    } catch {
      // gone
    }
  }
  return out;
}
const sumDelta = (a: Map<number, number>, b: Map<number, number>) => [...b].reduce((s, [pid, v]) => s + v - (a.get(pid) ?? 0), 0);

/** Busy and total jiffies of the machine. */
function machine(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - f[3]! - (f[4] ?? 0), total };
}

// ---------------------------------------------------------------------------------------------
// The send.

const q = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};

interface SendFigures {
  capped: boolean;
  sent: number;
  other: string;
  rate: number;
  ledgerSeconds: number;
  wallSeconds: number;
  rssMb: number[];
  workerCpu: number;
  pgCpu: number;
  sinkCpu: number;
  busy: number;
  claimMs: number[];
  recordMs: number[];
  batchSizes: number[];
}

async function send(s: Store, issueId: number, workers: number): Promise<SendFigures> {
  const probe = path.join(s.ws.dir, 'probe.mjs');
  writeFileSync(probe, PROBE);
  const out = path.join(s.ws.dir, `probe-${workers}`);
  const env = { ...s.ws.env, PATH: process.env.PATH ?? '', NODE_ENV: 'production', SCALE_PROBE_OUT: out };
  const pg0 = cpuByComm('postgres');
  const sink0 = cpuByComm('smtp-sink');
  const m0 = machine();
  const t0 = performance.now();
  const children: { child: ChildProcess; stderr: string; stdout: string; exit: Promise<number | null> }[] = [];
  for (let i = 0; i < workers; i++) {
    const child = spawn(process.execPath, ['--import', pathToFileURL(probe).href, MAIN, 'worker'], { cwd: s.ws.dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const c = { child, stderr: '', stdout: '', exit: new Promise<number | null>((r) => child.once('exit', (code) => r(code))) };
    child.stdout!.setEncoding('utf8').on('data', (d: string) => void (c.stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => void (c.stderr += d));
    children.push(c);
  }
  const open = `select count(*) as n from deliveries where issue_id = ${issueId} and status in ('pending', 'sending')`;
  let lastLog = Date.now();
  // Until nothing is left to send, or the cap (no deadline of its own: the cap is the deadline).
  const ended = await eventually(
    async () => {
      if (children.some((c) => c.child.exitCode !== null)) {
        throw new Error(`a worker exited early:\n${children.map((c) => c.stdout + c.stderr).join('\n')}`);
      }
      const left = await s.raw.one<{ n: number | string | boolean }>(
        `select exists(select 1 from deliveries where issue_id = ${issueId} and status in ('pending', 'sending')) as n`,
      );
      if (!Number(left.n) || left.n === false) return 'sent';
      if (performance.now() - t0 > CAP_S * 1000) return 'capped';
      if (Date.now() - lastLog > 15_000) {
        lastLog = Date.now();
        const n = Number((await s.raw.one<{ n: string }>(open)).n);
        progress(`${s.kind} × ${workers}: ${group(n)} deliveries left`);
      }
      return false;
    },
    { what: 'the workers to send the issue', timeoutMs: Infinity, intervalMs: 250 },
  );
  const capped = ended === 'capped';
  if (capped) progress(`${s.kind} × ${workers}: still sending after ${CAP_S} s: stopping the workers (SIGTERM); the rate is taken over what was sent`);
  const wallSeconds = (performance.now() - t0) / 1000;
  // Stopped early: the workers take SIGTERM like any other; rows claimed but not sent go back to pending.
  const rssMb = children.map((c) => procStatus(c.child.pid!, 'VmHWM') ?? NaN);
  const workerCpu = children.reduce((a, c) => a + cpuOf(c.child.pid!), 0);
  const pgCpu = sumDelta(pg0, cpuByComm('postgres'));
  const sinkCpu = sumDelta(sink0, cpuByComm('smtp-sink'));
  const m1 = machine();
  for (const c of children) c.child.kill('SIGTERM');
  const codes = await Promise.all(children.map((c) => c.exit));
  if (codes.some((c) => c !== 0)) throw new Error(`worker exit codes ${codes.join(', ')}:\n${children.map((c) => c.stderr).join('\n')}`);
  const noise = children
    .map((c) =>
      c.stderr
        .split('\n')
        .filter((l) => l.trim() && !/^issue #\d+: \d+ sent/.test(l) && !/INFO|info/.test(l))
        .join('\n'),
    )
    .join('\n')
    .trim();
  if (noise) console.warn(`workers wrote to stderr:\n${noise.slice(0, 2000)}`);

  const counts = await s.raw.one<Record<string, number | string>>(
    `select sum(case when status = 'sent' then 1 else 0 end) as sent, sum(case when status <> 'sent' then 1 else 0 end) as other,
            min(first_attempt_at) as first, max(updated_at) as last from deliveries where issue_id = ${issueId}`,
  );
  const ledgerSeconds = (Date.parse(String(counts.last)) - Date.parse(String(counts.first))) / 1000;
  const sent = Number(counts.sent);
  const claimMs: number[] = [];
  const recordMs: number[] = [];
  const batchSizes: number[] = [];
  for (const f of readdirSync(s.ws.dir).filter((f) => f.startsWith(path.basename(out) + '.'))) {
    const p = JSON.parse(readFileSync(path.join(s.ws.dir, f), 'utf8')) as { claims: number[]; records: number[]; sizes: number[] };
    claimMs.push(...p.claims);
    recordMs.push(...p.records);
    batchSizes.push(...p.sizes.filter((x) => x > 0));
    rmSync(path.join(s.ws.dir, f));
  }
  return {
    capped,
    sent,
    other: String(counts.other ?? 0),
    rate: sent / ledgerSeconds,
    ledgerSeconds,
    wallSeconds,
    rssMb,
    workerCpu,
    pgCpu,
    sinkCpu,
    busy: (m1.busy - m0.busy) / (m1.total - m0.total),
    claimMs,
    recordMs,
    batchSizes,
  };
}

/** The size of one message of the issue: a dry run of the executable to one subscriber. */
async function messageSize(): Promise<number> {
  const ws = workspace({ MAX_PAPERS_PER_ISSUE: '30' });
  workspaces.push(ws);
  const env = { ...ws.env, PATH: process.env.PATH ?? '' };
  for (const args of [
    ['ingest', SEED],
    ['subscribers', 'add', address(1)],
    ['send', '--dry-run', '--outbox', 'dry-run'],
  ]) {
    const r = await run(process.execPath, [MAIN, ...args], { cwd: ws.dir, env });
    if (r.code !== 0) throw new Error(`paperboy ${args.join(' ')} exited ${r.code}: ${r.stderr || r.stdout}`);
  }
  const dir = path.join(ws.dir, 'dry-run');
  const files = readdirSync(dir).filter((f) => f.endsWith('.eml'));
  if (files.length !== 1) throw new Error(`send --dry-run wrote ${files.length} .eml files`);
  return readFileSync(path.join(dir, files[0]!)).length;
}

async function smtpSource(n: number, sessions: number, size: number): Promise<number> {
  const r = await run(SMTP_SOURCE, [
    '-s',
    String(sessions),
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

const ms = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(x < 10 ? 2 : 0)} ms`);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function row(cells: string[], widths: number[]): string {
  return cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
}
const HEAD = [
  'store',
  'subscribers',
  'workers',
  'sent',
  'msg/s',
  'wall s',
  'peak RSS MB (each)',
  'CPU s wrk/pg/sink',
  'busy',
  'claim p50/p95',
  'record p50/p95',
  'DB/batch p50',
  'DB share',
];
const WIDTHS = [8, 11, 7, 9, 7, 7, 22, 19, 5, 15, 15, 12, 8];

function sendLine(kind: Kind, n: number, w: number, f: SendFigures): string {
  const batches = Math.min(f.claimMs.length, f.recordMs.length);
  const perBatch = Array.from({ length: batches }, (_, i) => f.claimMs[i]! + f.recordMs[i]!);
  // The share of the workers' send time spent in the ledger's transactions.
  const share = (sum(f.claimMs) + sum(f.recordMs)) / (w * f.ledgerSeconds * 1000);
  return row(
    [
      kind,
      group(n),
      String(w),
      group(f.sent) + (f.capped ? '*' : f.other !== '0' ? ` (+${f.other})` : ''),
      group(f.rate),
      f.wallSeconds.toFixed(1),
      f.rssMb.map((r) => r.toFixed(0)).join(' '),
      `${f.workerCpu.toFixed(0)}/${f.pgCpu.toFixed(0)}/${f.sinkCpu.toFixed(0)}`,
      `${(f.busy * 100).toFixed(0)}%`,
      `${ms(q(f.claimMs, 0.5))}/${ms(q(f.claimMs, 0.95))}`,
      `${ms(q(f.recordMs, 0.5))}/${ms(q(f.recordMs, 0.95))}`,
      ms(q(perBatch, 0.5)),
      `${(share * 100).toFixed(0)}%`,
    ],
    WIDTHS,
  );
}

bench(
  'scale: plan and send to 100k and 1M subscribers',
  async () => {
    progress(`sizes ${SIZES.join(', ')}; stores ${STORES.join(', ')}; PostgreSQL workers ${WORKERS.join(', ')}`);
    const size = await messageSize();
    facts['message size'] = `${group(size)} bytes (one dry-run .eml of the issue)`;
    facts.sqlite = String((new Database(':memory:').prepare('select sqlite_version() as v').get() as { v: string }).v);
    if (havePg) facts.postgresql = psql(PG_URL, 'show server_version').trim() + ` (shared_buffers ${psql(PG_URL, 'show shared_buffers').trim()})`;
    if (existsSync(SMTP_SOURCE)) {
      const base = [];
      for (const sessions of [POOL, 4 * POOL]) base.push(`${group(await smtpSource(BASELINE, sessions, size))} msg/s over ${sessions} sessions`);
      facts['smtp-source -d'] = `${base.join(', ')} (${group(BASELINE)} messages of that size, same sink)`;
      progress(`baseline: ${facts['smtp-source -d']}`);
    } else facts['smtp-source -d'] = `${SMTP_SOURCE} not found: no baseline`;

    const plans: string[] = [];
    const explains: string[] = [];
    const sends: string[] = [];
    for (const n of SIZES) {
      for (const kind of STORES as Kind[]) {
        if (kind === 'postgres' && !havePg) continue;
        const s = await seeded(kind, n);
        try {
          const p = await planIssue(s);
          plans.push(`${kind.padEnd(8)}  ${group(n).padEnd(11)}  ${ms(p.planMs).padStart(9)}  ${ms(p.createMs).padStart(11)}  ${group(p.recipients)}`);
          if (kind === 'postgres') {
            const plan = await explainClaim(s, p.issueId);
            const time = plan.find((l) => l.startsWith('Execution Time')) ?? '';
            const removed = plan.find((l) => l.includes('Rows Removed by Filter'))?.trim() ?? '';
            const scan =
              plan
                .find((l) => /Scan using|Seq Scan|Bitmap/.test(l))
                ?.trim()
                .replace(/\s+\(cost.*$/, '') ?? '';
            explains.push(`${kind} ${group(n)}, fresh issue: claim of 20 ${time.replace('Execution Time: ', 'took ')}; ${scan}; ${removed}`);
            progress(`EXPLAIN ANALYZE claim:\n${plan.join('\n')}`);
          }
          for (const [i, w] of (kind === 'postgres' ? WORKERS : [1]).entries()) {
            if (i > 0) await resetIssue(s, p.issueId);
            progress(`${kind} ${group(n)}: sending with ${w} worker${w > 1 ? 's' : ''}`);
            const f = await send(s, p.issueId, w);
            sends.push(sendLine(kind, n, w, f));
            progress(`${kind} ${group(n)} × ${w}: ${group(f.sent)} sent at ${group(f.rate)} msg/s`);
            console.log(row(HEAD, WIDTHS));
            console.log(sends.at(-1));
          }
        } finally {
          await s.raw.close();
          await s.app.close();
          const ws = workspaces.splice(workspaces.indexOf(s.ws), 1)[0]!;
          ws.cleanup();
        }
      }
    }
    lines.push(
      `Planning with ${EARLIER} earlier issues sent to every reader (${EARLIER} ledger rows per reader; in-process, wall time):`,
      `${'store'.padEnd(8)}  ${'subscribers'.padEnd(11)}  ${'plan'.padStart(9)}  ${'createIssue'.padStart(11)}  recipients`,
      ...plans,
      '',
      ...(explains.length ? ['The claim statement on PostgreSQL (EXPLAIN ANALYZE, rolled back):', ...explains, ''] : []),
      'Sending (msg/s: sent ÷ first claim → last result in the ledger; wall: spawn → ledger settled; RSS: VmHWM per worker;',
      '  CPU s: workers / PostgreSQL server processes / smtp-sink over the send; busy: whole machine;',
      '  claim, record: wall time of each ledger transaction in the workers; DB/batch: claim + record of one batch of 20;',
      '  DB share: their sum ÷ (workers × send time)):',
      `  * = still sending after ${CAP_S} s (SCALE_SEND_SECONDS): stopped with SIGTERM, figures over what was sent`,
      row(HEAD, WIDTHS),
      ...sends,
    );
  },
  3 * 3600_000,
);
