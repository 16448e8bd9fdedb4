import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURES, ROOT, type Workspace, workspace } from '../helpers/workspace.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());

describe('paperboy subscribers', () => {
  it('adds, lists as JSON, removes and re-adds, case-insensitively', async () => {
    ws = workspace();
    expect((await ws.cli(['subscribers', 'add', 'Ada@Example.org', '--topics', 'cs.CL, cs.AI', '--frequency', 'weekly'])).stdout).toBe(
      'Added Ada@example.org (weekly)\n',
    );
    expect((await ws.cli(['subscribers', 'add', 'ada@example.org'])).stdout).toMatch(/^Already subscribed: Ada@example.org/);
    const list = JSON.parse((await ws.cli(['subscribers', 'list', '--json'])).stdout);
    expect(list).toEqual([expect.objectContaining({ email: 'Ada@example.org', status: 'active', topics: ['cs.cl', 'cs.ai'], frequency: 'weekly' })]);
    expect(list[0].created_at).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect((await ws.cli(['subscribers', 'remove', 'ADA@example.org'])).stdout).toBe('Removed Ada@example.org (now unsubscribed)\n');
    expect(JSON.parse((await ws.cli(['subscribers', 'list', '--json'])).stdout)[0].status).toBe('unsubscribed');
    expect((await ws.cli(['subscribers', 'add', 'ada@example.org'])).stdout).toMatch(/^Re-activated/);
  });

  it('imports the good rows of a CSV and reports the bad ones by line', async () => {
    ws = workspace();
    await ws.cli(['subscribers', 'add', 'ok2@example.org']);
    const r = await ws.cli(['subscribers', 'import', path.join(FIXTURES, 'subscribers-mixed.csv')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/2 added, 1 already on the list, 3 bad rows skipped, 1 duplicates in the file/);
    const warnings = r.stderr.trim().split('\n');
    expect(warnings).toEqual([
      expect.stringMatching(/subscribers-mixed\.csv:3: invalid email address "not-an-address"/),
      expect.stringMatching(/subscribers-mixed\.csv:5: invalid frequency "monthly"/),
      expect.stringMatching(/subscribers-mixed\.csv:8: invalid email address .*line break/),
    ]);
    const list = JSON.parse((await ws.cli(['subscribers', 'list', '--json'])).stdout);
    expect(list.map((s: { email: string }) => s.email).sort()).toEqual(['ok1@example.org', 'ok2@example.org', 'ok4@example.org']);
    expect(list.find((s: { email: string }) => s.email === 'ok4@example.org').topics).toEqual(['nlp', 'cv']);
  });

  it('imports the example list shipped in subscribers/', async () => {
    ws = workspace();
    const r = await ws.cli(['subscribers', 'import', path.join(ROOT, 'subscribers', 'example.csv')]);
    expect(r.stdout).toMatch(/3 added, 0 already on the list, 0 bad rows/);
  });

  it('imports 100,000 rows in one go, and a second import adds none', async () => {
    ws = workspace();
    const file = path.join(ws.dir, 'big.csv');
    const rows = ['email,frequency'];
    for (let i = 0; i < 100_000; i++) rows.push(`reader${i}@example.org,${i % 7 === 0 ? 'weekly' : 'daily'}`);
    writeFileSync(file, `${rows.join('\n')}\n`);
    expect((await ws.cli(['subscribers', 'import', file])).stdout).toMatch(/100000 added, 0 already/);
    expect((await ws.cli(['subscribers', 'import', file])).stdout).toMatch(/0 added, 100000 already/);
    const status = JSON.parse((await ws.cli(['status', '--json'])).stdout);
    expect(status.subscribers.active).toBe(100_000);
  });

  it('exports CSV that imports back, with formula-looking values defused', async () => {
    ws = workspace();
    await ws.cli(['subscribers', 'add', 'a@example.org', '--topics', 'ml']);
    await ws.cli(['subscribers', 'add', '=cmd@example.org']);
    const csv = (await ws.cli(['subscribers', 'export'])).stdout;
    expect(csv.split('\n')[0]).toBe('email,status,topics,frequency,created_at,timezone');
    expect(csv).toContain(`"'=cmd@example.org"`);
    const json = JSON.parse((await ws.cli(['subscribers', 'export', '--format', 'json'])).stdout);
    expect(json.map((s: { email: string }) => s.email)).toEqual(['a@example.org', '=cmd@example.org']);
  });
});
