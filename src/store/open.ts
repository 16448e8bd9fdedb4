/**
 * Opens the store named by DATABASE_URL and brings its schema up to date.
 * `file:PATH` is SQLite (WAL, busy timeout, foreign keys on); `postgres://…` is PostgreSQL
 * through the `pg` driver's pool (Kysely's PostgresDialect).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  Migrator,
  PostgresDialect,
  type PostgresDialectConfig,
  PostgresDriver,
  SqliteDialect,
  SqliteDriver,
} from 'kysely';
import pg from 'pg';
import { redactUrl } from '../config.js';
import { AppError } from '../errors.js';
import type { Dialect } from './dialect.js';
import { type StoreTarget, guardConnection } from './disk-full.js';
import { kyselyStore } from './kysely-store.js';
import { migrations } from './migrations/index.js';
import type { Database as Schema } from './schema.js';
import type { Store } from './store.js';

/** Opens the store for `databaseUrl`; relative `file:` paths resolve against `cwd`. */
export async function openStore(databaseUrl: string, cwd = process.cwd()): Promise<Store> {
  if (databaseUrl.startsWith('file:')) return openSqlite(path.resolve(cwd, databaseUrl.slice('file:'.length)));
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return openPostgres(databaseUrl);
  throw new AppError('CONFIG_INVALID', 'config: DATABASE_URL must be file:PATH or postgres://…');
}

/** Connections per process: a worker uses one at a time; the HTTP server a few. */
const PG_POOL_SIZE = 5;

/** 64-bit integers (bigserial keys, count(*)) as numbers: every key and count here is far below 2^53. */
const INT8_OID = 20;
const pgTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** Connects to PostgreSQL and migrates; a server that cannot be reached is one clear error. */
export async function openPostgres(url: string): Promise<Store> {
  const pool = new pg.Pool({ connectionString: url, max: PG_POOL_SIZE, types: pgTypes, connectionTimeoutMillis: 10_000 });
  // A connection the server dropped while idle (a restart, pg_terminate_backend) must not crash the process.
  pool.on('error', () => {});
  // Nor one terminated while checked out: its query fails (and is retried where that is safe),
  // but the client's own 'error' event would otherwise be unhandled and end the process.
  pool.on('connect', (client) => void client.on('error', () => {}));
  try {
    const client = await pool.connect();
    client.release();
  } catch (err) {
    await pool.end().catch(() => {});
    throw new AppError('STORE', `cannot connect to PostgreSQL at ${redactUrl(url)}: ${(err as Error).message}`, { cause: err });
  }
  const db = new Kysely<Schema>({ dialect: new GuardedPostgresDialect({ pool }) });
  await migrate(db, 'postgres');
  return kyselyStore(db, 'postgres');
}

/** Opens (creating if needed) a SQLite database file and migrates it. */
export async function openSqlite(file: string): Promise<Store> {
  let sqlite: Database.Database;
  try {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    sqlite = new Database(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('synchronous = NORMAL');
    // Erased rows (subscribers forget) are overwritten on disk, not left in free pages.
    sqlite.pragma('secure_delete = ON');
  } catch (err) {
    throw new AppError('STORE', `cannot open the database ${file}: ${(err as Error).message}`, { cause: err });
  }
  const database = withStatementCache(sqlite);
  const db = new Kysely<Schema>({ dialect: new ImmediateSqliteDialect({ database }, database, { label: `the database ${file}`, file }) });
  await migrate(db, 'sqlite');
  return kyselyStore(db, 'sqlite');
}

async function migrate(db: Kysely<Schema>, dialect: Dialect): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations(dialect) },
  });
  let { error, results } = await migrator.migrateToLatest();
  // Processes starting together on a new PostgreSQL database race to create Kysely's own
  // migration tables (its advisory lock comes after): the loser tries once more.
  if (error && dialect === 'postgres') ({ error, results } = await migrator.migrateToLatest());
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new AppError('STORE', `database migration ${failed} failed: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * SQLite transactions that take the write lock at BEGIN (`begin immediate`). A deferred
 * transaction that reads and then writes (ingest, subscribe) fails at once with "database is
 * locked" when another process wrote in between (two schedulers ingesting the same digest);
 * taking the lock first makes it wait (busy_timeout) instead. A write that fails for want of
 * space is said as such (`disk-full.ts`); SQLite has then rolled the transaction back by itself,
 * so no ROLLBACK follows (it would fail, "no transaction is active", and hide the cause).
 */
class ImmediateSqliteDriver extends SqliteDriver {
  #guarded: DatabaseConnection | undefined;

  constructor(
    settings: ConstructorParameters<typeof SqliteDriver>[0],
    private readonly sqlite: Database.Database,
    private readonly target: StoreTarget,
  ) {
    super(settings);
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    this.#guarded ??= guardConnection(connection, this.target);
    return this.#guarded;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.sqlite.inTransaction) await super.rollbackTransaction(connection);
  }
}

/** PostgreSQL through `pg`'s pool, with a full disk (SQLSTATE 53100) said as such (`disk-full.ts`). */
class GuardedPostgresDriver extends PostgresDriver {
  readonly #guarded = new WeakMap<DatabaseConnection, DatabaseConnection>();

  override async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await super.acquireConnection();
    let guarded = this.#guarded.get(connection);
    if (!guarded) {
      guarded = guardConnection(connection, { label: 'PostgreSQL' });
      this.#guarded.set(connection, guarded);
    }
    return guarded;
  }
}

class GuardedPostgresDialect extends PostgresDialect {
  constructor(private readonly settings: PostgresDialectConfig) {
    super(settings);
  }

  override createDriver(): Driver {
    return new GuardedPostgresDriver(this.settings);
  }
}

/** Statements kept prepared, by SQL text. */
const STATEMENT_CACHE = 200;

/**
 * The database as Kysely's SQLite driver sees it, with `prepare` answered from a cache: the
 * driver prepares every query anew, and a send runs the same few (claim, record) thousands of
 * times (`npm run bench:send`: preparing was a third of the store's time). A cached statement
 * still iterating (a streamed query) is not handed out again: that one gets a fresh statement.
 */
function withStatementCache(sqlite: Database.Database): Database.Database {
  const cache = new Map<string, Database.Statement>();
  const prepare = (source: string): Database.Statement => {
    const hit = cache.get(source);
    if (hit && !hit.busy) return hit;
    const stmt = sqlite.prepare(source);
    if (!hit) {
      if (cache.size >= STATEMENT_CACHE) cache.delete(cache.keys().next().value!);
      cache.set(source, stmt);
    }
    return stmt;
  };
  return new Proxy(sqlite, {
    get(target, prop) {
      if (prop === 'prepare') return prepare;
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(
    private readonly settings: ConstructorParameters<typeof SqliteDialect>[0],
    private readonly sqlite: Database.Database,
    private readonly target: StoreTarget,
  ) {
    super(settings);
  }

  override createDriver(): SqliteDriver {
    return new ImmediateSqliteDriver(this.settings, this.sqlite, this.target);
  }
}
