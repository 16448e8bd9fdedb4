/**
 * What every SQL concern shares: the Kysely handle (the database, or one transaction on it) with
 * its dialect, transactions on that handle, and batching. Each concern's queries (`papers.ts`,
 * `subscribers.ts`, …) are constructed with one `SqlContext`; the store (`../kysely-store.ts`)
 * composes them, all on the same context, so that inside a transaction every concern writes
 * to that one transaction.
 */
import { type Kysely, type Transaction, sql } from 'kysely';
import type { Dialect } from '../dialect.js';
import type { Database } from '../schema.js';
import type { TransactionOptions } from '../store.js';

/** The database, or one transaction on it. */
export type Db = Kysely<Database> | Transaction<Database>;

/** The advisory lock key of serialised transactions on PostgreSQL (any constant; 'pb' + 'wr'). */
const WRITE_LOCK = 0x7062_7772;

/** Rows per INSERT: keeps every statement under SQLite's bound-parameter limit. */
export const BATCH = 500;

/** The handle the queries of every concern share, and transactions on it. */
export class SqlContext {
  constructor(
    readonly db: Db,
    readonly dialect: Dialect,
  ) {}

  /** True when the handle is a transaction: a nested `transaction` then runs inside it. */
  get inTransaction(): boolean {
    return this.db.isTransaction;
  }

  /**
   * Runs `fn` in one transaction, given the context bound to it (this one, inside a transaction
   * already). See `Store.transaction` for what `opts.concurrent` means.
   */
  async transaction<T>(fn: (tx: SqlContext) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
    if (this.inTransaction) return fn(this);
    return (this.db as Kysely<Database>).transaction().execute(async (trx) => {
      // SQLite's transactions take its one write lock at BEGIN (open.ts); PostgreSQL's take this one.
      if (this.dialect === 'postgres' && !opts.concurrent) await sql`select pg_advisory_xact_lock(${WRITE_LOCK})`.execute(trx);
      return fn(new SqlContext(trx, this.dialect));
    });
  }

  /** Closes the database (not a transaction: its owner does). */
  async close(): Promise<void> {
    if (!this.inTransaction) await (this.db as Kysely<Database>).destroy();
  }
}

/**
 * What one concern's queries start from: the shared context, and its handle and dialect at
 * hand. Public methods of a subclass are what it adds to the store (`../kysely-store.ts`).
 */
export abstract class Queries {
  protected readonly db: Db;
  protected readonly dialect: Dialect;

  constructor(protected readonly ctx: SqlContext) {
    this.db = ctx.db;
    this.dialect = ctx.dialect;
  }
}

/** `items` in slices of at most `size` (statements that stay under the parameter limit). */
export function* chunks<T>(items: T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
