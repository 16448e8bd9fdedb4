/**
 * Readers' time zones on the command line: `subscribers add --timezone`, `list --json`, and the
 * `timezone` column of CSV import and export (a bad zone is a bad row, reported by line).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Workspace, workspace } from '../helpers/workspace.js';

const spaces: Workspace[] = [];
afterEach(() => {
  for (const w of spaces.splice(0)) w.cleanup();
});
const fresh = () => {
  const w = workspace();
  spaces.push(w);
  return w;
};
type Listed = { email: string; timezone: string | null };
const listed = async (w: Workspace): Promise<Listed[]> => JSON.parse((await w.cli(['subscribers', 'list', '--json'])).stdout);

describe('time zones on the command line', () => {
  it('add --timezone stores the canonical name; list --json shows it; an unknown zone is one line, exit 65, nothing stored', async () => {
    const ws = fresh();
    expect((await ws.cli(['subscribers', 'add', 'ada@example.org', '--timezone', 'europe/paris'])).stdout).toBe('Added ada@example.org (daily, Europe/Paris)\n');
    expect((await ws.cli(['subscribers', 'add', 'bob@example.org'])).stdout).toBe('Added bob@example.org (daily)\n');
    expect(await listed(ws)).toMatchObject([
      { email: 'ada@example.org', timezone: 'Europe/Paris' },
      { email: 'bob@example.org', timezone: null },
    ]);
    const before = ws.dbBytes();
    const bad = await ws.cli(['subscribers', 'add', 'cy@example.org', '--timezone', 'Mars/Olympus_Mons']);
    expect(bad.code).toBe(65);
    expect(bad.stderr.trim().split('\n')).toEqual([
      'paperboy: error: invalid time zone "Mars/Olympus_Mons": use an IANA name such as Europe/Paris or America/New_York',
    ]);
    expect(ws.dbBytes().equals(before)).toBe(true);
  });

  it('imports a timezone column, reporting a bad zone by line, and exports it so that it imports back the same', async () => {
    const ws = fresh();
    const file = path.join(ws.dir, 'zones.csv');
    writeFileSync(
      file,
      [
        'email,frequency,timezone',
        'tokyo@example.org,daily,Asia/Tokyo',
        'nowhere@example.org,daily,Europe/Atlantis',
        'none@example.org,weekly,',
        'la@example.org,,us/pacific',
        '',
      ].join('\n'),
    );
    const r = await ws.cli(['subscribers', 'import', file]);
    expect(r.stdout).toMatch(/3 added, 0 already on the list, 1 bad rows skipped/);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/zones\.csv:3: invalid time zone "Europe\/Atlantis": use an IANA name/)]);
    const zones = Object.fromEntries((await listed(ws)).map((s) => [s.email, s.timezone]));
    expect(zones).toEqual({ 'tokyo@example.org': 'Asia/Tokyo', 'none@example.org': null, 'la@example.org': 'America/Los_Angeles' });

    const csv = (await ws.cli(['subscribers', 'export'])).stdout;
    const lines = csv.trim().split('\n');
    expect(lines[0]).toBe('email,status,topics,frequency,created_at,timezone');
    expect(lines[1]).toMatch(/^tokyo@example\.org,active,,daily,\d{4}-[^,]+,Asia\/Tokyo$/);
    expect(lines[2]).toMatch(/^none@example\.org,active,,weekly,[^,]+,$/);

    const other = fresh();
    const copy = path.join(other.dir, 'export.csv');
    writeFileSync(copy, csv);
    expect((await other.cli(['subscribers', 'import', copy])).stdout).toMatch(/3 added, 0 already on the list, 0 bad rows/);
    expect(Object.fromEntries((await listed(other)).map((s) => [s.email, s.timezone]))).toEqual(zones);
  });
});
