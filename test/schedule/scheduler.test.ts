import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { silentLog } from '../../src/log.js';
import { runTick, startScheduler } from '../../src/schedule/scheduler.js';
import { eventually } from '../helpers/eventually.js';
import { type Workspace, workspace } from '../helpers/workspace.js';

let ws: Workspace;
afterEach(() => ws?.cleanup());
const emls = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.eml'));

describe('the scheduler', () => {
  it('each tick ingests DIGEST_SOURCE and sends what is new, once', async () => {
    ws = workspace();
    await ws.cli(['subscribers', 'add', 'ada@example.org']);
    const app = await createApp(loadConfig(ws.env, ws.dir), silentLog);
    try {
      await runTick(app);
      expect(emls(path.join(ws.dir, 'outbox'))).toEqual(['issue-1-subscriber-1.eml']);
      await runTick(app);
      expect(emls(path.join(ws.dir, 'outbox'))).toHaveLength(1);
      const task = startScheduler(app);
      expect(task.nextRun()!.toISOString()).toMatch(/T08:00:00\.000Z$/);
      await task.stop();
    } finally {
      await app.close();
    }
  });

  it('`paperboy start` serves HTTP, ingests at start-up without sending, and stops on a signal', async () => {
    ws = workspace({ PORT: '0' });
    await ws.cli(['subscribers', 'add', 'ada@example.org']);
    let stop!: () => void;
    let stdout = '';
    const { runCli } = await import('../../src/cli/program.js');
    const done = runCli(['start'], {
      env: ws.env,
      cwd: ws.dir,
      stdout: (s) => void (stdout += s),
      stderr: () => {},
      stopped: new Promise<void>((r) => (stop = r)),
    });
    await eventually(() => stdout.includes('Press Ctrl+C'), {
      what: () => `the start-up lines ("Press Ctrl+C")\nstdout: ${stdout}`,
      timeoutMs: 5_000,
      intervalMs: 50,
    });
    const url = /HTTP: listening on (\S+)/.exec(stdout)![1]!;
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ ok: true });
    expect(stdout).toMatch(/Scheduler: next digest .* 1 active subscriber\b/);
    const status = await ws.cli(['status', '--json']);
    expect(JSON.parse(status.stdout).papers.total).toBe(77);
    expect(JSON.parse(status.stdout).deliveries.sent).toBe(0);
    stop();
    expect(await done).toBe(0);
    expect(stdout).toMatch(/Stopped\.\n$/);
  });
});

describe('the scheduler with several sources', () => {
  it('ingests the good sources when one is dead, and logs the dead one', async () => {
    const { createServer } = await import('node:net');
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const { SEED } = await import('../helpers/workspace.js');
    ws = workspace({ DIGEST_SOURCE: `http://127.0.0.1:${port}/feed,${SEED}`, FETCH_RETRIES: '0' });
    await ws.cli(['subscribers', 'add', 'ada@example.org']);
    const lines: string[] = [];
    const { createLog } = await import('../../src/log.js');
    const app = await createApp(
      loadConfig(ws.env, ws.dir),
      createLog((l) => lines.push(l)),
    );
    try {
      await runTick(app);
    } finally {
      await app.close();
    }
    expect(lines.join('')).toMatch(new RegExp(`error: ingest of http://127.0.0.1:${port}/feed failed: .*ECONNREFUSED`));
    expect(lines.join('')).toMatch(/ingested .*trending-papers\.txt: 77 new/);
    expect(emls(path.join(ws.dir, 'outbox'))).toHaveLength(1);
  });
});
