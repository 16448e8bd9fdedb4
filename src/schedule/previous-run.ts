/**
 * When SCHEDULE fired last: node-cron tells the next time only, and catching up a missed tick
 * needs the previous one. Candidates come from node-cron's own parse of the expression (its
 * seconds, minutes and hours), newest first, day by day backwards in the time zone; node-cron's
 * own `match()` decides, so that this agrees with the running scheduler on every field (days of
 * month and week, `L`, `#`, names, and node-cron's AND of day-of-month and day-of-week).
 */
import cron from 'node-cron';
import { instantOfWallClock, readsWallClock, wallClockIn } from '../lib/time.js';

/** How far back to look: the rarest schedule (29 February, a given weekday) fits in it. */
const MAX_DAYS = 8 * 366;

/**
 * The last time at or before `at` (to the second) at which cron `schedule` fires in time zone
 * `tz`, or null when it never did in the last eight years (or the expression is invalid).
 */
export function previousRun(schedule: string, tz: string, at: Date): Date | null {
  let fields: ReturnType<typeof cron.parse>;
  let task: ReturnType<typeof cron.createTask>;
  try {
    fields = cron.parse(schedule);
    task = cron.createTask(schedule, () => {}, { timezone: tz });
  } catch {
    return null;
  }
  try {
    const desc = (xs: number[]) => [...xs].sort((a, b) => b - a);
    const [hours, minutes, seconds] = [desc(fields.hour), desc(fields.minute), desc(fields.second)];
    const first = { h: hours.at(-1)!, mi: minutes.at(-1)!, s: seconds.at(-1)! };
    const limit = Math.floor(at.getTime() / 1000) * 1000;
    const now = wallClockIn(limit, tz);
    for (let back = 0; back <= MAX_DAYS; back++) {
      const day = new Date(Date.UTC(now.y, now.mo - 1, now.d - back));
      const [y, mo, d] = [day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate()];
      // One look at the day's first candidate tells whether the day matches at all (the time
      // fields match by construction), unless that local time does not exist (a DST gap).
      const probe = instantOfWallClock({ y, mo, d, ...first }, tz);
      if (!task.match(new Date(probe)) && readsWallClock(probe, { y, mo, d, ...first }, tz)) continue;
      for (const h of hours) {
        if (back === 0 && h > now.h) continue;
        for (const mi of minutes) {
          if (back === 0 && h === now.h && mi > now.mi) continue;
          for (const s of seconds) {
            if (back === 0 && h === now.h && mi === now.mi && s > now.s) continue;
            const ts = instantOfWallClock({ y, mo, d, h, mi, s }, tz);
            if (ts <= limit && task.match(new Date(ts))) return new Date(ts);
          }
        }
      }
    }
    return null;
  } finally {
    void task.destroy();
  }
}
