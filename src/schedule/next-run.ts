/**
 * When SCHEDULE fires next, without a running scheduler (what `status` and the start-up lines
 * show), and times written in the configured zone for people.
 */
import cron from 'node-cron';
import { utcTime } from '../pipeline/describe-run.js';

/** The cron matcher node-cron keeps on a task (not in its typings): the next match after a date. */
interface Matcher {
  getNextMatch(from: Date): Date;
}

/**
 * The first time after `from` at which cron `schedule` fires in time zone `tz`. Uses node-cron's
 * own matcher, so that it agrees with the running scheduler; null for an expression it rejects.
 */
export function nextRunOf(schedule: string, tz: string, from: Date = new Date()): Date | null {
  let task: ReturnType<typeof cron.createTask>;
  try {
    task = cron.createTask(schedule, () => {}, { timezone: tz });
  } catch {
    return null;
  }
  try {
    const matcher = (task as unknown as { timeMatcher?: Matcher }).timeMatcher;
    // The matcher counts from any date (a fixed clock in tests); the public API from now only.
    return matcher?.getNextMatch ? matcher.getNextMatch(from) : (task.getNextRuns(1)[0] ?? null);
  } finally {
    void task.destroy();
  }
}

/** "2026-03-18 09:00" in `tz`. */
export function localTime(date: Date, tz: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** "2026-03-18 09:00 Europe/Paris (08:00 UTC)", or "2026-03-18 08:00 UTC" when `tz` is UTC. */
export function whenIn(date: Date, tz: string): string {
  const utc = utcTime(date);
  if (tz === 'UTC' || tz === 'Etc/UTC') return utc;
  const local = localTime(date, tz);
  // The UTC date only when it differs from the local one.
  return `${local} ${tz} (${local.slice(0, 10) === utc.slice(0, 10) ? utc.slice(11) : utc})`;
}
