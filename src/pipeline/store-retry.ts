/**
 * Riding out a store that is briefly away: a PostgreSQL connection terminated by a restart, a
 * failover or `pg_terminate_backend`, a server not accepting connections for a moment, SQLite
 * busy past its timeout. The pool drops the dead connection; the call is made again on a new
 * one, with backoff, for up to `maxMs`. Only idempotent work goes through here (a claim whose
 * answer was lost is put back by its caller; recording a batch twice writes the same rows).
 *
 * Logic about an outage, not SQL: it imports no driver and reads an error by its code and
 * message only, so the core (delivery, the bounce mailbox's caller) may use it.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** SQLSTATE classes and codes, and driver errors, that mean "the connection, not the query". */
const TRANSIENT_SQLSTATE = /^(08|57P0[123]|53300|40001|40P01)/;
const TRANSIENT_TEXT =
  /Connection terminated|connection error|not queryable|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|timeout exceeded when trying to connect|the database system is (starting up|shutting down)|SQLITE_BUSY|database is locked/i;

/** True when `err` says the store was unreachable, not that the statement was wrong. */
export function isTransientStoreError(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && (TRANSIENT_SQLSTATE.test(e.code) || /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|SQLITE_BUSY)$/.test(e.code))) return true;
    if (typeof e.message === 'string' && TRANSIENT_TEXT.test(e.message)) return true;
  }
  return false;
}

/** How `withStoreRetry` retries, and what it says meanwhile. */
export interface StoreRetryOptions {
  /** What is being done, for the log line ("recording a batch"). */
  what: string;
  warn: (line: string) => void;
  /** Give up after this long (default 2 min): the error is thrown. */
  maxMs?: number;
  /** Called before each new attempt (e.g. to put back what a lost answer claimed). */
  beforeRetry?: () => Promise<void>;
  /** Stop retrying when this turns true (a stop request). */
  abandon?: () => boolean;
  signal?: AbortSignal;
}

/** Runs `fn`, again after a transient store error, with backoff from 250 ms up to 5 s. */
export async function withStoreRetry<T>(fn: () => Promise<T>, opts: StoreRetryOptions): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      const waited = Date.now() - started;
      if (!isTransientStoreError(err) || waited >= (opts.maxMs ?? 120_000) || opts.abandon?.()) throw err;
      const delay = Math.min(5000, 250 * 2 ** (attempt - 1));
      opts.warn(`store unreachable while ${opts.what} (${(err as Error).message.split('\n')[0]}); trying again in ${delay} ms`);
      await sleep(delay, undefined, opts.signal ? { signal: opts.signal } : {}).catch(() => {});
      // The retry's own preparation may fail on a store still away: the next round tries again.
      if (opts.beforeRetry) await opts.beforeRetry().catch(() => {});
    }
  }
}
