/**
 * `paperboy subscribers forget EMAIL`: the person's row, topics and ledger rows are erased from
 * the real SQLite file; a suppressed address leaves only a keyed hash that keeps it suppressed.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Workspace, workspace } from '../helpers/workspace.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

/** Every text value in the database file, as SQLite stores it (pages of free space included). */
const dbText = (w: Workspace) => w.dbBytes().toString('latin1');

describe('paperboy subscribers forget', () => {
  it('erases the row, the topics and every ledger row, and says what it erased', async () => {
    ws = workspace();
    await ws.cli(['ingest']);
    await ws.cli(['subscribers', 'add', 'ada.lovelace@example.org', '--topics', 'diffusion']);
    await ws.cli(['subscribers', 'add', 'bob@example.org']);
    expect((await ws.cli(['send'])).code).toBe(0);
    const r = await ws.cli(['subscribers', 'forget', 'Ada.Lovelace@example.org']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      'Forgot ada.lovelace@example.org: erased the subscriber row (active, topics diffusion), 1 ledger row and 0 ranking signals; nothing about the address is kept\n',
    );
    expect(ws.rows('select count(*) n from subscribers')).toEqual([{ n: 1 }]);
    expect(ws.rows('select count(*) n from deliveries')).toEqual([{ n: 1 }]);
    expect(ws.rows('select count(*) n from suppressions')).toEqual([{ n: 0 }]);
    expect((await ws.cli(['subscribers', 'forget', 'ada.lovelace@example.org'])).code).toBe(67);
  });

  it('keeps a suppressed address suppressed through a keyed hash, not the address', async () => {
    ws = workspace();
    await ws.cli(['subscribers', 'add', 'bounced@example.org']);
    ws.exec("update subscribers set status = 'suppressed'");
    const r = await ws.cli(['subscribers', 'forget', 'bounced@example.org']);
    expect(r.stdout).toMatch(/erased the subscriber row \(suppressed, no topics\), 0 ledger rows and 0 ranking signals; kept a keyed hash/);
    await ws.cli(['subscribers', 'list']); // checkpoint: every write reaches the main file
    expect(dbText(ws)).not.toContain('bounced@example.org');
    // The hash keeps it out of every way back in.
    const add = await ws.cli(['subscribers', 'add', 'Bounced@example.org']);
    expect(add.code).toBe(67);
    expect(add.stderr).toMatch(/suppressed/);
    const csv = path.join(ws.dir, 'back.csv');
    writeFileSync(csv, 'email\nbounced@example.org\nnew@example.org\n');
    expect((await ws.cli(['subscribers', 'import', csv])).stdout).toMatch(/1 added, 0 already on the list, 0 bad rows skipped, 1 suppressed addresses left out/);
    const list = JSON.parse((await ws.cli(['subscribers', 'list', '--json'])).stdout);
    expect(list.map((s: { email: string }) => s.email)).toEqual(['new@example.org']);
  });

  it('refuses a malformed address without touching the store', async () => {
    ws = workspace();
    await ws.cli(['subscribers', 'add', 'ada@example.org']);
    const before = ws.dbBytes();
    const r = await ws.cli(['subscribers', 'forget', 'not an address']);
    expect(r.code).toBe(65);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(ws.dbBytes().equals(before)).toBe(true);
  });
});
