/**
 * A store that cannot write because its disk is full, said as such: one line, `AppError('STORE')`
 * (exit 74, EX_IOERR), instead of the driver's error or, on SQLite, "cannot rollback - no
 * transaction is active" (SQLite rolls a transaction back by itself when a write fails for want of
 * space, and the ROLLBACK that follows then fails and hides the cause). The transaction is gone
 * either way, so the store is as it was before it.
 */
import { statfsSync } from 'node:fs';
import path from 'node:path';
import type { DatabaseConnection } from 'kysely';
import { AppError } from '../errors.js';

/** Where the store writes: a SQLite file (whose file system can be asked how full it is), or a server. */
export interface StoreTarget {
  /** For messages: "the database subscribers/paperboy.db", "PostgreSQL". */
  label: string;
  /** The SQLite file, if any. */
  file?: string;
}

/** Under this much free space, a SQLite I/O error is taken for a full disk (a write of a few pages failed). */
const NEARLY_FULL_BYTES = 256 * 1024;

function freeBytes(file: string): number | undefined {
  try {
    const st = statfsSync(path.dirname(file));
    return st.bavail * st.bsize;
  } catch {
    return undefined;
  }
}

/**
 * The AppError for `err` when it says the disk is full: SQLite's SQLITE_FULL, an SQLite I/O error
 * on a file system with (nearly) no room left, PostgreSQL's `disk_full` (SQLSTATE 53100). Else
 * undefined: the error is something else and goes on as it is.
 */
export function diskFullError(err: unknown, target: StoreTarget): AppError | undefined {
  if (err instanceof AppError) return undefined;
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const full =
    code === 'SQLITE_FULL' ||
    code === '53100' ||
    (code.startsWith('SQLITE_IOERR') && target.file !== undefined && (freeBytes(target.file) ?? Infinity) < NEARLY_FULL_BYTES);
  if (!full) return undefined;
  const why = String(e.message ?? err).split('\n')[0];
  return new AppError(
    'STORE',
    `the disk is full: cannot write to ${target.label} (${why}); nothing was written by the failed step: free some space and run it again`,
    {
      cause: err,
    },
  );
}

/**
 * `connection` with every query's "disk full" failure turned into {@link diskFullError}'s
 * AppError. Everything else (streams, the driver's own symbol-keyed methods) reaches the
 * connection as it is.
 */
export function guardConnection(connection: DatabaseConnection, target: StoreTarget): DatabaseConnection {
  const executeQuery: DatabaseConnection['executeQuery'] = async (query) => {
    try {
      return await connection.executeQuery(query);
    } catch (err) {
      throw diskFullError(err, target) ?? err;
    }
  };
  return new Proxy(connection, {
    get(c, prop) {
      if (prop === 'executeQuery') return executeQuery;
      const value = Reflect.get(c, prop, c);
      return typeof value === 'function' ? value.bind(c) : value;
    },
  });
}
