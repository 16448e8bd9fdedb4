/**
 * Issue 16, item 2: `subscribers export`, then `import` into a NEW store, must give the same list
 * back: every reader's state, topics, frequency, time zone and created_at, in CSV and in JSON,
 * byte for byte. Before the fix, unsubscribed and pending readers came back active, and the `'`
 * that export puts before a formula-looking cell came back as part of a new address.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type Workspace, workspace } from '../helpers/workspace.js';

const open: Workspace[] = [];
afterEach(() => {
  for (const ws of open.splice(0)) ws.cleanup();
});
const fresh = () => {
  const ws = workspace();
  open.push(ws);
  return ws;
};

/** A store with readers in every state, awkward topics, unicode, time zones and formula-looking addresses. */
async function awkwardList(): Promise<Workspace> {
  const ws = fresh();
  const add = async (email: string, ...opts: string[]) => {
    // `--`: an address may begin with `-`.
    const r = await ws.cli(['subscribers', 'add', ...opts, '--', email]);
    expect(r.code, r.stderr).toBe(0);
  };
  await add('ada@example.org', '--topics', 'rl, diffusion models; llm agents', '--timezone', 'Europe/Paris');
  await add('=1+2@example.org', '--topics', 'apprentissage profond, 機械学習, straße', '--frequency', 'weekly');
  await add('-minus@example.org');
  await add('+plus@example.org', '--timezone', 'America/New_York');
  await add("'=quoted@example.org", '--topics', 'cs.cl|cs.ai');
  await add('pending@example.org', '--topics', 'nlp');
  await add('gone@example.org', '--frequency', 'weekly');
  await add('bounced@xn--mnchen-3ya.example', '--topics', 'cv');
  expect((await ws.cli(['subscribers', 'remove', 'gone@example.org'])).code).toBe(0);
  // States a reader reaches through the site and the bounce processor, set behind the CLI's back.
  ws.exec(`update subscribers set status = 'pending', confirmed_at = null where email = ?`, 'pending@example.org');
  ws.exec(`update subscribers set status = 'suppressed' where email = ?`, 'bounced@xn--mnchen-3ya.example');
  // Distinct creation times, so that a store that drops them is caught.
  ws.exec(`update subscribers set created_at = '2024-0' || cast(id as text) || '-15T08:30:00.000Z'`);
  return ws;
}

/** `[email, status]` of every reader, in list order. */
async function states(ws: Workspace): Promise<string[][]> {
  const list = JSON.parse((await ws.cli(['subscribers', 'list', '--json'])).stdout) as { email: string; status: string }[];
  return list.map((s) => [s.email, s.status]);
}

describe('export → import into a new store → export', () => {
  it('gives the same CSV, byte for byte, with every state kept', async () => {
    const a = await awkwardList();
    const exported = await a.cli(['subscribers', 'export']);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain(`"'=1+2@example.org"`);

    const b = fresh();
    const file = path.join(b.dir, 'list.csv');
    writeFileSync(file, exported.stdout);
    const imported = await b.cli(['subscribers', 'import', file]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/8 added, 0 already on the list, 0 bad rows skipped/);
    expect(await states(b)).toEqual(await states(a));
    expect((await b.cli(['subscribers', 'export'])).stdout).toBe(exported.stdout);
  });

  it('gives the same JSON, byte for byte, and `import` reads the JSON export', async () => {
    const a = await awkwardList();
    const exported = await a.cli(['subscribers', 'export', '--format', 'json']);
    expect(exported.code).toBe(0);

    const b = fresh();
    const file = path.join(b.dir, 'list.json');
    writeFileSync(file, exported.stdout);
    const imported = await b.cli(['subscribers', 'import', file]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/8 added, 0 already on the list, 0 bad rows skipped/);
    expect(await states(b)).toEqual(await states(a));
    expect((await b.cli(['subscribers', 'export', '--format', 'json'])).stdout).toBe(exported.stdout);

    // Told apart by content too: the same JSON under a .txt name.
    const c = fresh();
    const txt = path.join(c.dir, 'list.txt');
    writeFileSync(txt, exported.stdout);
    expect((await c.cli(['subscribers', 'import', txt])).stdout).toMatch(/8 added/);
    expect((await c.cli(['subscribers', 'export', '--format', 'json'])).stdout).toBe(exported.stdout);
  });

  it('never activates an unsubscribed, pending or suppressed reader, and strips only the prefix export added', async () => {
    const b = fresh();
    const file = path.join(b.dir, 'list.csv');
    writeFileSync(
      file,
      [
        'email,status,topics,frequency,created_at,timezone',
        '"\'=1+2@example.org",unsubscribed,,daily,2024-01-15T08:30:00.000Z,',
        '"\'\'=twice@example.org",pending,,daily,,',
        '"\'plain@example.org",suppressed,,weekly,,',
        'blank-status@example.org,,,daily,,',
        'shouting@example.org,ACTIVE,,daily,,',
      ].join('\n'),
    );
    const r = await b.cli(['subscribers', 'import', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(await states(b)).toEqual([
      ['=1+2@example.org', 'unsubscribed'],
      ["'=twice@example.org", 'pending'],
      // A quote before a letter was never added by export: it is part of the address.
      ["'plain@example.org", 'suppressed'],
      ['blank-status@example.org', 'active'],
      ['shouting@example.org', 'active'],
    ]);
    const list = JSON.parse((await b.cli(['subscribers', 'list', '--json'])).stdout);
    expect(list[0].created_at).toBe('2024-01-15T08:30:00.000Z');
    expect(list[0].confirmed_at).toBeNull();
  });

  it('reports an unknown state or a bad created_at by line, and imports the rest', async () => {
    const b = fresh();
    const file = path.join(b.dir, 'list.csv');
    writeFileSync(file, 'email,status,created_at\nok@example.org,active,\nodd@example.org,vip,\nlate@example.org,active,yesterday\n');
    const r = await b.cli(['subscribers', 'import', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1 added, 0 already on the list, 2 bad rows skipped/);
    expect(r.stderr).toMatch(/list\.csv:3: invalid status "vip": expected pending, active, unsubscribed or suppressed/);
    expect(r.stderr).toMatch(/list\.csv:4: invalid created_at "yesterday"/);
  });

  it('reports the bad entries of a JSON import by their line, and refuses a JSON file that is not a list', async () => {
    const b = fresh();
    const file = path.join(b.dir, 'list.json');
    writeFileSync(file, '[\n  {"email": "ok@example.org", "status": "unsubscribed"},\n  {"email": "bad"},\n  {"email": "x@example.org", "topics": 42}\n]\n');
    const r = await b.cli(['subscribers', 'import', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1 added, 0 already on the list, 2 bad rows skipped/);
    expect(r.stderr).toMatch(/list\.json:3: invalid email address "bad"/);
    expect(r.stderr).toMatch(/list\.json:4: topics: expected a list of topics/);
    expect(await states(b)).toEqual([['ok@example.org', 'unsubscribed']]);

    writeFileSync(file, '{"email": "ok@example.org"}');
    const whole = await b.cli(['subscribers', 'import', file]);
    expect(whole.code).toBe(65);
    expect(whole.stderr).toMatch(/list\.json: expected a JSON list of subscribers/);
    writeFileSync(file, '[{"email": "ok@example.org"');
    expect((await b.cli(['subscribers', 'import', file])).stderr).toMatch(/list\.json:1:\d+: not valid JSON/);
  });
});
