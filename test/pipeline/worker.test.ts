import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { progressReporter } from '../../src/cli/progress.js';
import { loadConfig } from '../../src/config.js';
import { silentLog } from '../../src/log.js';
import { Lock, runWorker } from '../../src/pipeline/worker.js';
import { eventually, sleep } from '../helpers/eventually.js';
import { type TestSmtp, reply, startSmtp } from '../helpers/smtp.js';
import { SEED, type Workspace, workspace } from '../helpers/workspace.js';

let smtp: TestSmtp;
let ws: Workspace;
afterEach(async () => {
  await smtp?.close();
  ws?.cleanup();
});

describe('the worker', () => {
  it('sends a deferred delivery once it is due, and stops when asked', async () => {
    let clock = Date.parse('2026-01-05T08:00:00Z');
    smtp = await startSmtp({ onRcpt: (a, n) => (a === 'b@example.org' && n === 1 ? reply(451, 'Greylisted') : undefined) });
    ws = workspace({ SMTP_URL: smtp.url }, () => new Date(clock));
    await ws.cli(['ingest', SEED]);
    await ws.cli(['subscribers', 'add', 'a@example.org']);
    await ws.cli(['subscribers', 'add', 'b@example.org']);
    expect((await ws.cli(['send'])).stdout).toMatch(/1 sent, 0 failed, 1 deferred/);

    const app = await createApp(loadConfig(ws.env, ws.dir), silentLog, { now: () => new Date(clock) });
    const mailer = app.mailer();
    let stop!: () => void;
    const stopped = new Promise<void>((r) => (stop = r));
    const reports: number[] = [];
    const worker = runWorker(app.sendDeps(mailer), { stopped, idleMs: 20, lock: new Lock(), onReport: (r) => reports.push(r.sent) });
    await sleep(100);
    expect(smtp.received).toHaveLength(1); // not due yet
    clock += 7 * 60_000;
    await eventually(() => smtp.received.length >= 2, { what: 'the second message, once due', timeoutMs: 2_000 });
    stop();
    await worker;
    await mailer.close();
    await app.close();
    expect(smtp.received.map((m) => m.envelope.to[0]).sort()).toEqual(['a@example.org', 'b@example.org']);
    expect(reports).toContain(1);
  });

  it('runs one job at a time through the lock', async () => {
    const lock = new Lock();
    const order: string[] = [];
    const job = (name: string, ms: number) =>
      lock.run(async () => {
        order.push(`${name} start`);
        await sleep(ms);
        order.push(`${name} end`);
      });
    await Promise.all([job('a', 30), job('b', 1), job('c', 1)]);
    expect(order).toEqual(['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
  });
});

describe('progress', () => {
  it('writes a log line with counts, rate and ETA when not on a terminal', () => {
    const lines: string[] = [];
    const p = progressReporter((s) => lines.push(s), false, 0);
    p.onProgress({ issueId: 3, sent: 900, failed: 10, deferred: 5, remaining: 910, elapsedMs: 1000 });
    p.done();
    expect(lines).toEqual(['issue #3: 900 sent, 10 failed, 5 deferred, 910 left · 910/s · ETA 0:01\n']);
  });

  it('redraws one bar in place on a terminal', () => {
    const out: string[] = [];
    const p = progressReporter((s) => out.push(s), true, 0);
    p.onProgress({ issueId: 1, sent: 50, failed: 0, deferred: 0, remaining: 50, elapsedMs: 1000 });
    p.onProgress({ issueId: 1, sent: 100, failed: 0, deferred: 0, remaining: 0, elapsedMs: 2000 });
    p.done();
    // eslint-disable-next-line no-control-regex -- the test looks for terminal escapes (ESC)
    expect(out[0]).toMatch(/^\r\[#{12}\.{12}\] 50 sent, 0 failed, 0 deferred, 50 left · 50\/s · ETA 0:01\x1b\[K$/);
    expect(out[1]).toMatch(/^\r\[#{24}\] 100 sent/);
    expect(out[2]).toBe('\n');
  });
});
