/**
 * The issue lock in the store (lease rows, one statement each) and how the pipeline uses it: a
 * manual `send` that finds it held elsewhere exits 75 naming the holder and changes nothing; the
 * scheduler waits for it, says who holds it, and once it has it checks again, so that it builds
 * nothing when the holder built this tick's issue.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { isDeadWorker } from '../../src/lib/worker-id.js';
import { loadConfig } from '../../src/config.js';
import { createLog } from '../../src/log.js';
import { runTick } from '../../src/schedule/scheduler.js';
import type { Store } from '../../src/store/store.js';
import { eventually } from '../helpers/eventually.js';
import { tempStore } from '../helpers/store.js';
import { type Workspace, workspace } from '../helpers/workspace.js';

/** A live process on this host that is not this one (init), and one that has exited. */
const LIVE = `${hostname()}:1`;
const DEAD = `${hostname()}:${spawnSync(process.execPath, ['-e', '']).pid}`;
const at = (s: number) => new Date(Date.parse('2026-03-18T08:00:00Z') + s * 1000).toISOString();

describe('the lock rows', () => {
  let handle: Awaited<ReturnType<typeof tempStore>>;
  afterEach(() => handle?.cleanup());

  it('one holder at a time; the loser learns who holds it; a run-out lease or a dead holder is taken over', async () => {
    handle = await tempStore();
    const store = handle.store;
    const a = { worker: LIVE, role: 'send' };
    const b = { worker: `${hostname()}:2`, role: 'scheduler' };
    const never = () => false;

    expect((await store.acquireLock('issue:daily', a, at(0), at(120), never)).acquired).toBe(true);
    const lost = await store.acquireLock('issue:daily', b, at(1), at(121), never);
    expect(lost.acquired).toBe(false);
    expect(lost.lock).toMatchObject({ holder: a, since: at(0), leaseUntil: at(120) });
    // Other cadences have their own lock.
    expect((await store.acquireLock('issue:weekly', b, at(1), at(121), never)).acquired).toBe(true);

    // The heartbeat: only the holder renews; the lease moves on.
    expect(await store.renewLock('issue:daily', b, at(200))).toBe(false);
    expect(await store.renewLock('issue:daily', a, at(180))).toBe(true);
    expect((await store.acquireLock('issue:daily', b, at(150), at(270), never)).acquired).toBe(false);
    // A lease that ran out is taken over.
    const taken = await store.acquireLock('issue:daily', b, at(180), at(300), never);
    expect(taken).toMatchObject({ acquired: true, lock: { holder: b, since: at(180) } });
    expect(await store.renewLock('issue:daily', a, at(400))).toBe(false);
    // Releasing a lock one does not hold changes nothing; the holder's release frees it.
    await store.releaseLock('issue:daily', a);
    expect((await store.getLock('issue:daily'))!.holder).toEqual(b);
    await store.releaseLock('issue:daily', b);
    expect((await store.getLock('issue:daily'))!.holder).toBeNull();

    // A holder that is a dead process on this host is taken over at once, lease or not.
    await store.acquireLock('issue:daily', { worker: DEAD, role: 'send' }, at(500), at(620), isDeadWorker);
    expect((await store.acquireLock('issue:daily', a, at(501), at(621), isDeadWorker)).acquired).toBe(true);
    // A live one is not.
    expect((await store.acquireLock('issue:daily', b, at(502), at(622), isDeadWorker)).acquired).toBe(false);
  });

  it('the build records its tick under the lock; a tick is claimed once, and never an older one', async () => {
    handle = await tempStore();
    const store: Store = handle.store;
    const a = { worker: LIVE, role: 'scheduler' };
    await store.acquireLock('issue:daily', a, at(0), at(120), () => false);
    expect(await store.renewLock('issue:daily', a, at(120), at(0))).toBe(true);
    expect((await store.getLock('issue:daily'))!.tick).toEqual({ at: at(0), by: `${LIVE} (scheduler)` });

    await store.initTick('schedule', at(-86_400), 'x');
    await store.initTick('schedule', at(-10), 'y'); // a baseline is set once
    expect((await store.getLock('schedule'))!.tick).toEqual({ at: at(-86_400), by: 'x' });
    const claims = await Promise.all([store.claimTick('schedule', at(0), 'p'), store.claimTick('schedule', at(0), 'q')]);
    expect(claims.filter(Boolean)).toHaveLength(1);
    expect(await store.claimTick('schedule', at(-1), 'r')).toBe(false);
    expect(await store.claimTick('schedule', at(1), 'r')).toBe(true);
    expect(await store.claimTick('never-initialised', at(0), 's')).toBe(true);
  });
});

describe('the issue lock in a run', () => {
  let ws: Workspace;
  afterEach(() => ws?.cleanup());

  /** Another process (alive, on this host) holds the daily lock, as a raw store client would see it. */
  async function holdLock(role: string): Promise<{ store: Store; close: () => Promise<void> }> {
    const app = await createApp(
      loadConfig(ws.env, ws.dir),
      createLog(() => {}),
    );
    const now = Date.now();
    const got = await app.store.acquireLock('issue:daily', { worker: LIVE, role }, new Date(now).toISOString(), new Date(now + 120_000).toISOString(), () => false);
    expect(got.acquired).toBe(true);
    return { store: app.store, close: () => app.close() };
  }

  it('`send` while another process builds: exit 75, one line naming the holder, nothing changed', async () => {
    ws = workspace();
    await ws.cli(['ingest']);
    await ws.cli(['subscribers', 'add', 'ada@example.org']);
    const holder = await holdLock('scheduler');
    await holder.close();
    const before = ws.dbBytes();

    const sent = await ws.cli(['send']);
    expect(sent.code).toBe(75);
    expect(sent.stderr).toMatch(
      new RegExp(
        `^paperboy: error: the daily issue is being built by ${LIVE} \\(scheduler\\) since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC; nothing was changed: run \`paperboy send\` again in a minute\\n$`,
      ),
    );
    expect(ws.dbBytes().equals(before)).toBe(true);
    const outbox = path.join(ws.dir, 'outbox');
    expect(existsSync(outbox) ? readdirSync(outbox) : []).toEqual([]);
  });

  it('the scheduler waits for the lock, says who holds it, and builds nothing when the holder built this tick', async () => {
    ws = workspace();
    await ws.cli(['subscribers', 'add', 'ada@example.org']);
    const holder = await holdLock('send');
    const lines: string[] = [];
    const app = await createApp(
      loadConfig(ws.env, ws.dir),
      createLog((l) => lines.push(l)),
    );
    const tick = new Date(Math.floor(Date.now() / 1000) * 1000);
    try {
      const running = runTick(app, { tick });
      await eventually(() => lines.some((l) => l.includes('waiting for the daily issue lock')), { what: 'the waiting line' });
      expect(lines.join('')).toMatch(new RegExp(`waiting for the daily issue lock held by ${LIVE} \\(send\\) since .* UTC`));
      // The holder builds this tick's issue (recorded on the lock), then lets go.
      await holder.store.renewLock('issue:daily', { worker: LIVE, role: 'send' }, new Date(Date.now() + 60_000).toISOString(), tick.toISOString());
      await holder.store.releaseLock('issue:daily', { worker: LIVE, role: 'send' });
      await running;
      expect(lines.join('')).toMatch(new RegExp(`daily: issue of this tick already built by ${LIVE} \\(send\\); nothing sent`));
      expect(await app.store.lastIssue('daily')).toBeUndefined();

      // The next tick builds as usual, and holds the lock no longer than the build.
      await runTick(app, { tick: new Date(tick.getTime() + 1000) });
      expect((await app.store.lastIssue('daily'))?.id).toBe(1);
      expect((await app.store.getLock('issue:daily'))!.holder).toBeNull();
    } finally {
      await holder.close();
      await app.close();
    }
  });
});
