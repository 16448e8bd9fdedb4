/**
 * kill -9 at several points of a real `paperboy send` (the built executable in a child
 * process), then `paperboy send` again: every subscriber gets the issue, duplicates are at most
 * the messages that were in flight, and the ledger flags exactly those as possible duplicates.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { requires } from '../helpers/requires.js';
import { type TestSmtp, startSmtp } from '../helpers/smtp.js';
import { ROOT, SEED, type Workspace, workspace } from '../helpers/workspace.js';

const BIN = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');
const SUBSCRIBERS = 300;
const POOL = 5;
// Claimed rows at any moment: the batch being sent and the next one, claimed while its last messages
// are in flight (results are committed per batch).
const IN_FLIGHT = POOL * 4 * 2;

let smtp: TestSmtp;
let ws: Workspace;
afterEach(async () => {
  await smtp?.close();
  ws?.cleanup();
});

describe.skipIf(requires('build'))('kill -9 during a send', () => {
  it.each([
    ['before the first message is accepted', 0],
    ['after the first message', 1],
    ['half-way', 150],
    ['near the end', 290],
  ])('%s: everyone gets the issue, duplicates are flagged and bounded', async (_name, killAt) => {
    let child: ChildProcess | undefined;
    let killed = false;
    const kill = () => {
      if (!killed && child) {
        killed = true;
        child.kill('SIGKILL');
      }
    };
    smtp = await startSmtp({
      parse: false,
      dataDelayMs: 1,
      onRcpt: () => {
        if (killAt === 0) kill();
        return undefined;
      },
      onMessage: () => {
        if (killAt > 0 && smtp.received.length >= killAt) kill();
      },
    });
    ws = workspace({ SMTP_URL: smtp.url, SMTP_POOL: String(POOL) });
    await ws.cli(['ingest', SEED]);
    const list = Array.from({ length: SUBSCRIBERS }, (_, i) => `reader${i}@example.org`);
    writeFileSync(path.join(ws.dir, 'subs.csv'), `email\n${list.join('\n')}\n`);
    await ws.cli(['subscribers', 'import', path.join(ws.dir, 'subs.csv')]);

    child = spawn(process.execPath, [BIN, 'send'], { cwd: ws.dir, env: { PATH: process.env.PATH, ...ws.env }, stdio: 'ignore' });
    const exit = await new Promise<NodeJS.Signals | number | null>((r) => child!.on('exit', (code, signal) => r(signal ?? code)));
    expect(exit).toBe('SIGKILL');
    const before = smtp.received.length;

    const resumed = await ws.cli(['send']);
    expect(resumed.code).toBe(0);

    const counts = new Map<string, number>();
    for (const m of smtp.received) counts.set(m.envelope.to[0]!, (counts.get(m.envelope.to[0]!) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([...list].sort());
    const duplicated = [...counts].filter(([, n]) => n > 1).map(([a]) => a);
    expect(duplicated.length).toBeLessThanOrEqual(IN_FLIGHT);

    const flagged = ws
      .rows<{ email: string }>(`select s.email from deliveries d join subscribers s on s.id = d.subscriber_id where d.maybe_duplicate = 1`)
      .map((r) => r.email);
    const states = ws.rows(`select status, count(*) n from deliveries group by status`);
    for (const a of duplicated) expect(flagged).toContain(a);
    expect(flagged.length).toBeLessThanOrEqual(IN_FLIGHT);
    expect(states).toEqual([{ status: 'sent', n: SUBSCRIBERS }]);
    if (killAt > 0) expect(before).toBeGreaterThanOrEqual(killAt);
  });
});
