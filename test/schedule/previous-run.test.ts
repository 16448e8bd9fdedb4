/**
 * The last SCHEDULE time at or before a moment (what catch-up compares the last tick with),
 * checked against node-cron's own next time: the next run after the previous one is never
 * before the moment. Then the catch-up rule on a fixed clock.
 */
import cron from 'node-cron';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { silentLog } from '../../src/log.js';
import { nextRunOf } from '../../src/schedule/next-run.js';
import { previousRun } from '../../src/schedule/previous-run.js';
import { claimMissedTick } from '../../src/schedule/scheduler.js';
import { type Workspace, workspace } from '../helpers/workspace.js';

const prev = (schedule: string, tz: string, at: string) => previousRun(schedule, tz, new Date(at))?.toISOString() ?? null;

describe('previousRun', () => {
  it.each([
    ['0 8 * * *', 'UTC', '2026-03-18T07:59:59.999Z', '2026-03-17T08:00:00.000Z'],
    ['0 8 * * *', 'UTC', '2026-03-18T08:00:00.000Z', '2026-03-18T08:00:00.000Z'],
    ['0 8 * * *', 'UTC', '2026-03-18T08:00:00.700Z', '2026-03-18T08:00:00.000Z'],
    ['0 8 * * *', 'Europe/Paris', '2026-03-18T12:00:00Z', '2026-03-18T07:00:00.000Z'],
    ['0 8 * * *', 'America/New_York', '2026-03-18T11:59:00Z', '2026-03-17T12:00:00.000Z'],
    ['* * * * * *', 'UTC', '2026-03-18T12:00:00.700Z', '2026-03-18T12:00:00.000Z'],
    ['*/15 * * * *', 'Asia/Kolkata', '2026-03-18T12:07:00Z', '2026-03-18T12:00:00.000Z'],
    ['0 8 * * mon', 'UTC', '2026-03-18T12:00:00Z', '2026-03-16T08:00:00.000Z'],
    ['0 0 29 2 *', 'UTC', '2026-03-18T12:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['0 0 L * *', 'UTC', '2026-03-18T12:00:00Z', '2026-02-28T00:00:00.000Z'],
    // 02:30 does not exist in Paris on 29 March 2026 (clocks go 02:00 → 03:00): the day before.
    ['30 2 * * *', 'Europe/Paris', '2026-03-29T12:00:00Z', '2026-03-28T01:30:00.000Z'],
    // Every second on Mondays, asked on a Wednesday: the last second of Monday.
    ['* * * * * 1', 'UTC', '2026-03-18T12:00:00Z', '2026-03-16T23:59:59.000Z'],
  ])('%s in %s at %s: %s', (schedule, tz, at, expected) => {
    expect(prev(schedule, tz, at)).toBe(expected);
  });

  it('agrees with node-cron: a match, and the next match after it is after the moment', () => {
    const schedules = ['0 8 * * *', '5 */3 * * *', '0 9 * * 1-5', '*/7 * * * * *', '0 0 1 * *', '0 6 * * sun'];
    for (const schedule of schedules) {
      for (const tz of ['UTC', 'Europe/Berlin', 'America/Los_Angeles', 'Australia/Lord_Howe']) {
        for (let i = 0; i < 5; i++) {
          const at = new Date(Date.parse('2026-01-01T00:00:00Z') + i * 97_531_013);
          const p = previousRun(schedule, tz, at)!;
          const task = cron.createTask(schedule, () => {}, { timezone: tz });
          expect(task.match(p), `${schedule} ${tz} ${at.toISOString()}`).toBe(true);
          void task.destroy();
          expect(p.getTime()).toBeLessThanOrEqual(at.getTime());
          expect(nextRunOf(schedule, tz, p)!.getTime(), `${schedule} ${tz} ${at.toISOString()}`).toBeGreaterThan(Math.floor(at.getTime() / 1000) * 1000);
        }
      }
    }
  });

  it('is null for an expression node-cron rejects', () => {
    expect(previousRun('61 * * * *', 'UTC', new Date())).toBeNull();
  });
});

describe('claimMissedTick (a fixed clock, SCHEDULE 0 8 * * * in UTC)', () => {
  let ws: Workspace;
  afterEach(() => ws?.cleanup());
  const claim = async (at: string) => {
    const app = await createApp(loadConfig(ws.env, ws.dir), silentLog, { now: () => new Date(at) });
    try {
      return (await claimMissedTick(app))?.toISOString();
    } finally {
      await app.close();
    }
  };

  it('a new store owes nothing; a missed 08:00 is claimed once; a tick that ran is not missed', async () => {
    ws = workspace();
    expect(await claim('2026-03-18T09:00:00Z')).toBeUndefined(); // first start: counts from now
    expect(await claim('2026-03-18T12:00:00Z')).toBeUndefined(); // same day, nothing missed since
    expect(await claim('2026-03-19T08:30:00Z')).toBe('2026-03-19T08:00:00.000Z'); // nobody ran at 08:00
    expect(await claim('2026-03-19T08:31:00Z')).toBeUndefined(); // caught up already
    expect(await claim('2026-03-21T07:00:00Z')).toBe('2026-03-20T08:00:00.000Z'); // two missed: one tick catches up
  });

  it('a store from before the tick record counts from its last issue', async () => {
    ws = workspace({}, () => new Date('2026-03-16T08:00:05Z'));
    await ws.cli(['subscribers', 'add', 'ada@example.org']);
    await ws.cli(['ingest']);
    expect((await ws.cli(['send'])).code).toBe(0);
    expect(await claim('2026-03-18T09:00:00Z')).toBe('2026-03-18T08:00:00.000Z');
  });
});
