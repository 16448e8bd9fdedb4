/**
 * When to try a deferred delivery again: 5 min, 15 min, 30 min, 1 h, 2 h, then every 4 h, each
 * stretched by up to 20% of jitter (never shortened, so no retry comes before its time), or
 * when the server said; and give up 48 h after the first attempt.
 */

/** The schedule, in minutes after the failed attempt. */
export const RETRY_MINUTES = [5, 15, 30, 60, 120, 240] as const;
/** A delivery still failing this long after its first attempt fails for good. */
export const GIVE_UP_MS = 48 * 3600_000;

/**
 * The time of the next attempt after `attempts` attempts, the last at `now`; never later than
 * the give-up time, so that the last attempt happens at 48 h.
 */
export function nextAttempt(attempts: number, now: Date, firstAttemptAt: string, serverHintMs?: number, random: () => number = Math.random): Date {
  const minutes = RETRY_MINUTES[Math.min(Math.max(attempts, 1), RETRY_MINUTES.length) - 1]!;
  const delay = serverHintMs !== undefined ? Math.max(1000, serverHintMs) : minutes * 60_000 * (1 + 0.2 * random());
  return new Date(Math.min(now.getTime() + delay, Date.parse(firstAttemptAt) + GIVE_UP_MS));
}

/** True when a delivery first tried at `firstAttemptAt` has been failing for too long. */
export function givesUp(firstAttemptAt: string, now: Date): boolean {
  return now.getTime() - Date.parse(firstAttemptAt) >= GIVE_UP_MS;
}
