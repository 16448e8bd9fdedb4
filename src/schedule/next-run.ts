/**
 * When SCHEDULE fires next, without a running scheduler (what `status` and the start-up lines
 * show). Times written for people are in `src/lib/time.ts`.
 */
import cron from 'node-cron';

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
