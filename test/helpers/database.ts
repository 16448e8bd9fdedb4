/**
 * Which store the suite runs on. `npm test` runs on SQLite files; `npm run test:pg` (and the
 * second pass of `.ci/run`) sets PAPERBOY_TEST_PG to a PostgreSQL server's URL, and every
 * workspace and temporary store then gets a fresh database of its own on that server (C
 * collation, as SQLite orders text), dropped when the test is done or, at the latest, after
 * its file. Also a synchronous way for tests to read and poke the store behind the CLI's back
 * on either (better-sqlite3, or psql).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { afterAll } from 'vitest';

/** The PostgreSQL server of the PostgreSQL pass (its admin database), or undefined on SQLite. */
export const TEST_PG = process.env.PAPERBOY_TEST_PG || undefined;
export const ON_POSTGRES = TEST_PG !== undefined;

/** The server the PostgreSQL-only tests use in either pass: the machine's local one by default. */
export const PG_URL = TEST_PG ?? process.env.PAPERBOY_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let reachable: boolean | undefined;
/** True when PG_URL answers (psql present and the server up). */
export function postgresReachable(): boolean {
  if (reachable === undefined) {
    try {
      psql(PG_URL, 'select 1');
      reachable = true;
    } catch {
      reachable = false;
    }
  }
  return reachable;
}

const created = new Set<string>();
afterAll(() => {
  for (const url of created) dropDatabase(url);
});

/** Creates an empty database on `server` (default PG_URL) and returns its URL. */
export function createDatabase(server = PG_URL): string {
  const name = `paperboy_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  psql(server, `create database ${name} template template0 encoding 'UTF8' lc_collate 'C' lc_ctype 'C'`);
  const u = new URL(server);
  u.pathname = `/${name}`;
  created.add(u.toString());
  return u.toString();
}

/** Drops a database made by createDatabase, closing whatever is still connected to it. */
export function dropDatabase(url: string): void {
  if (!created.delete(url)) return;
  const u = new URL(url);
  const name = u.pathname.slice(1);
  u.pathname = `/${new URL(PG_URL).pathname.slice(1)}`;
  try {
    psql(u.toString(), `drop database if exists ${name} with (force)`);
  } catch {
    // The server went away: nothing to drop.
  }
}

/** Runs `text` through psql, unaligned and quiet; returns its output. */
export function psql(url: string, text: string): string {
  return execFileSync('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', text], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 30_000,
  });
}

/** The rows of a SELECT on the store at `databaseUrl` (file:PATH or postgres://…). */
export function queryRows<T = Record<string, unknown>>(databaseUrl: string, select: string, params: unknown[] = []): T[] {
  if (databaseUrl.startsWith('file:')) {
    const db = new Database(databaseUrl.slice('file:'.length), { readonly: true });
    try {
      return db.prepare(select).all(...params) as T[];
    } finally {
      db.close();
    }
  }
  const out = psql(databaseUrl, `select coalesce(json_agg(q), '[]') from (${bind(select, params)}) q`);
  return JSON.parse(out) as T[];
}

/** Runs a statement that changes the store at `databaseUrl`. */
export function execute(databaseUrl: string, statement: string, params: unknown[] = []): void {
  if (databaseUrl.startsWith('file:')) {
    const db = new Database(databaseUrl.slice('file:'.length));
    try {
      db.prepare(statement).run(...params);
    } finally {
      db.close();
    }
    return;
  }
  psql(databaseUrl, bind(statement, params));
}

/**
 * Every row of every table of a PostgreSQL store, in a fixed order: "the store is as it was"
 * compares two of these (on SQLite the tests compare the file's bytes).
 */
export function snapshotPostgres(url: string): Buffer {
  const tables = psql(url, "select tablename from pg_tables where schemaname = 'public' order by tablename").split('\n').filter(Boolean);
  const parts = tables.map((t) => `${t}: ${psql(url, `select coalesce(json_agg(r order by r::text), '[]') from ${t} r`)}`);
  return Buffer.from(parts.join('\n'));
}

/** `?` placeholders filled with SQL literals (tests only: values are the tests' own). */
function bind(text: string, params: unknown[]): string {
  let i = 0;
  return text.replace(/\?/g, () => {
    const v = params[i++];
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'number') return String(v);
    return `'${String(v).replace(/'/g, "''")}'`;
  });
}
