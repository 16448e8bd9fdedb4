/**
 * A throwaway working directory with its own store (a SQLite file, or a fresh PostgreSQL
 * database in the PostgreSQL pass), outbox and key, and a way to run `paperboy` in-process
 * against it.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../../src/cli/program.js';
import { createDatabase, dropDatabase, execute, ON_POSTGRES, queryRows, snapshotPostgres } from './database.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const FIXTURES = path.join(ROOT, 'fixtures');
export const SEED = path.join(FIXTURES, 'trending-papers.txt');
export const NEXT_DAY = path.join(FIXTURES, 'trending-papers-next-day.txt');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Workspace {
  dir: string;
  /** The SQLite file (unused in the PostgreSQL pass). */
  dbFile: string;
  /** The store's DATABASE_URL. */
  databaseUrl: string;
  env: Record<string, string>;
  /** Runs `paperboy ARGS` in-process with this workspace's environment (plus `extra`). */
  cli(args: string[], extra?: Record<string, string>): Promise<CliResult>;
  /** The whole store: the SQLite file's bytes (after every command closed it), or every row on PostgreSQL. */
  dbBytes(): Buffer;
  /** The rows of a SELECT on the store (`?` parameters). */
  rows<T = Record<string, unknown>>(select: string, ...params: unknown[]): T[];
  /** Runs a statement on the store behind the CLI's back. */
  exec(statement: string, ...params: unknown[]): void;
  cleanup(): void;
}

/** Creates a workspace; `env` adds or overrides configuration. */
export function workspace(env: Record<string, string> = {}, now?: () => Date): Workspace {
  const dir = mkdtempSync(path.join(tmpdir(), 'paperboy-test-'));
  const dbFile = path.join(dir, 'subscribers', 'paperboy.db');
  const databaseUrl = env.DATABASE_URL ?? (ON_POSTGRES ? createDatabase() : `file:${dbFile}`);
  const base: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    OUTBOX_DIR: path.join(dir, 'outbox'),
    SECRET_KEY: 'test-secret-key-0123456789abcdef0123456789',
    DIGEST_SOURCE: SEED,
    PUBLIC_URL: 'https://news.example.org',
    MAIL_FROM: 'Paperboy <digest@example.org>',
    POSTAL_ADDRESS: 'Paperboy, 1 Test Street, 12345 Testville',
    ...env,
  };
  return {
    dir,
    dbFile,
    databaseUrl,
    env: base,
    async cli(args, extra = {}) {
      let stdout = '';
      let stderr = '';
      const code = await runCli(args, {
        env: { ...base, ...extra },
        cwd: dir,
        stdout: (s) => void (stdout += s),
        stderr: (s) => void (stderr += s),
        ...(now ? { now } : {}),
      });
      return { code, stdout, stderr };
    },
    rows: (select, ...params) => queryRows(databaseUrl, select, params),
    exec: (statement, ...params) => execute(databaseUrl, statement, params),
    dbBytes() {
      if (databaseUrl.startsWith('postgres')) return snapshotPostgres(databaseUrl);
      if (existsSync(`${dbFile}-wal`) && readFileSync(`${dbFile}-wal`).length > 0) {
        throw new Error('the WAL file is not empty: a connection was left open');
      }
      return readFileSync(dbFile);
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
      if (ON_POSTGRES && !env.DATABASE_URL) dropDatabase(databaseUrl);
    },
  };
}
