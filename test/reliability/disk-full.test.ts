/**
 * Issue 16, item 8: a full disk during `send` exited 70 with SQLite's "cannot rollback - no
 * transaction is active" (SQLite had already rolled the transaction back when the write failed,
 * and Kysely's ROLLBACK then failed, hiding the cause). Now it is one line, "the disk is full: …",
 * exit 74 (EX_IOERR), the store as it was; once there is room again, `send` delivers the issue
 * once to everyone.
 *
 * On a real small file system: a tmpfs of a few MB holds the SQLite file (or, on PostgreSQL, a
 * tablespace holding the test's database), and a filler file takes all but a few KB of it.
 * Mounting needs root; without it the test says so and skips (`requires('tmpfs')`).
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ON_POSTGRES, PG_URL, psql } from '../helpers/database.js';
import { requires } from '../helpers/requires.js';
import { type Workspace, SEED, workspace } from '../helpers/workspace.js';

const READERS = 500;

/** Mounts a tmpfs of `mb` MB at a new folder; undefined (and why) when this machine does not let us. */
function mountSmall(mb: number): { dir: string; unmount: () => void } | { why: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'paperboy-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${mb}m,mode=0777`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    return { why: `cannot mount a tmpfs (${String((err as Error).message).split('\n')[0]})` };
  }
  return {
    dir,
    unmount: () => {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Fills the file system at `dir` until `leaveKb` KB are free. */
function fill(dir: string, leaveKb: number): string {
  const st = statfsSync(dir);
  const free = st.bavail * st.bsize;
  const filler = path.join(dir, 'filler');
  writeFileSync(filler, Buffer.alloc(Math.max(0, free - leaveKb * 1024)));
  return filler;
}

const noTmpfs = requires('tmpfs');

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.reverse()) c();
  cleanups = [];
});

/** A workspace whose store lives on a small tmpfs: a SQLite file, or a PostgreSQL database in a tablespace there. */
function smallStore(): { ws: Workspace; mount: string } {
  const m = mountSmall(ON_POSTGRES ? 16 : 4);
  if ('why' in m) throw new Error(m.why);
  cleanups.push(m.unmount);
  let env: Record<string, string> = { DATABASE_URL: `file:${path.join(m.dir, 'paperboy.db')}` };
  if (ON_POSTGRES) {
    const space = path.join(m.dir, 'pg');
    mkdirSync(space);
    const pgUser = execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim();
    chownSync(space, Number(pgUser), Number(pgUser));
    const name = `paperboy_full_${process.pid}_${Date.now()}`;
    psql(PG_URL, `create tablespace ${name} location '${space}'`);
    psql(PG_URL, `create database ${name} tablespace ${name} template template0 encoding 'UTF8' lc_collate 'C' lc_ctype 'C'`);
    const u = new URL(PG_URL);
    u.pathname = `/${name}`;
    env = { DATABASE_URL: u.toString() };
    cleanups.push(() => {
      psql(PG_URL, `drop database if exists ${name} with (force)`);
      psql(PG_URL, `drop tablespace if exists ${name}`);
    });
  }
  const ws = workspace(env);
  cleanups.push(() => ws.cleanup());
  return { ws, mount: m.dir };
}

/** What "the store as it was" compares: every issue and ledger row. */
const ledger = (ws: Workspace) => JSON.stringify([ws.rows('select * from issues order by id'), ws.rows('select * from deliveries order by id')]);

describe('a full disk during send', () => {
  it.skipIf(noTmpfs)(
    'is one line, "the disk is full", exit 74, the store as it was; with room again the issue goes to everyone once',
    async () => {
      const { ws, mount } = smallStore();
      expect((await ws.cli(['ingest', SEED])).code).toBe(0);
      const csv = path.join(ws.dir, 'readers.csv');
      writeFileSync(csv, `email\n${Array.from({ length: READERS }, (_, i) => `reader${i}@example.org`).join('\n')}\n`);
      expect((await ws.cli(['subscribers', 'import', csv])).code).toBe(0);
      const before = ledger(ws);

      const filler = fill(mount, ON_POSTGRES ? 0 : 48);
      const r = await ws.cli(['send']);
      expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
      expect(r.stderr).toMatch(/^paperboy: error: the disk is full: /);
      expect(r.stderr).not.toMatch(/cannot rollback/);
      expect(r.code).toBe(74);
      rmSync(filler);
      expect(ledger(ws)).toBe(before);

      const again = await ws.cli(['send']);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toMatch(new RegExp(`${READERS} sent, 0 failed`));
      const outbox = path.join(ws.dir, 'outbox');
      expect(existsSync(outbox) ? readdirSync(outbox).filter((f) => f.endsWith('.eml')) : []).toHaveLength(READERS);
    },
    60_000,
  );
});
