/**
 * How fast /admin's password may be guessed, without ever giving an attacker a way to shut the
 * operator out.
 *
 * Per client: 5 failed logins per 15 minutes, then 429 for that client until its oldest failure
 * leaves the window. A client is a browser that signed in before (its device cookie), else the
 * client address (an IPv6 /64). Checking and counting are one synchronous step, so parallel
 * guesses cannot all pass a check that has not counted them yet.
 *
 * Overall: past 50 failures in 15 minutes (a guess spread over many addresses) password checks of
 * unrecognised clients are paced to one a second, in turn. They wait; they are never refused.
 * A limit for everyone would be a door that anyone without the password could shut on the
 * operator with fifty bad guesses; pacing bounds a distributed attack to about 3,600 guesses an
 * hour against a password of at least 12 characters hashed with scrypt, while the operator still
 * gets in: at once from a browser that signed in before, else after the guesses queued ahead.
 */

/** The failure window of the login limits. */
export const FAILURE_WINDOW_MS = 15 * 60_000;
/** Failed logins one client may make per window before it gets 429. */
export const FAILURES_PER_CLIENT = 5;
/** Failed logins from anywhere per window past which unrecognised clients are paced. */
export const PACE_AFTER_FAILURES = 50;
/** While pacing, one password check of an unrecognised client per this many milliseconds overall. */
export const PACE_MS = 1000;

const MINUTE = 60_000;

/** The answer to `take`: go ahead after `waitMs` (the failure is counted), or 429 for `retryAfterSeconds`. */
export type LoginTurn = { ok: true; waitMs: number; countedAt: number } | { ok: false; retryAfterSeconds: number };

/** Failed logins per client and overall, in memory (one process serves /admin; a restart forgets them). */
export class LoginLimits {
  private readonly byClient = new Map<string, number[]>();
  /** Failures overall per minute (minute number → count): bounded memory whatever the attack. */
  private readonly perMinute = new Map<number, number>();
  private nextSlot = 0;

  constructor(private readonly now: () => Date) {}

  /**
   * Takes a login attempt of `client` (`recognised`: a browser that signed in before): refused
   * when the client is at its limit; else counted as a failure at once (`succeed` takes it back)
   * and told how long to wait first (0 unless pacing).
   */
  take(client: string, recognised: boolean): LoginTurn {
    const t = this.now().getTime();
    const mine = (this.byClient.get(client) ?? []).filter((at) => at > t - FAILURE_WINDOW_MS);
    if (mine.length >= FAILURES_PER_CLIENT) {
      this.byClient.set(client, mine);
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((mine[0]! + FAILURE_WINDOW_MS - t) / 1000)) };
    }
    const paced = !recognised && this.overall(t) >= PACE_AFTER_FAILURES;
    if (this.byClient.size > 10_000) this.prune(t);
    this.byClient.set(client, [...mine, t]);
    this.count(t, 1);
    if (!paced) return { ok: true, waitMs: 0, countedAt: t };
    const slot = Math.max(t, this.nextSlot);
    this.nextSlot = slot + PACE_MS;
    return { ok: true, waitMs: slot - t, countedAt: t };
  }

  /** A successful login: clears its client's failures and takes back the one counted for it. */
  succeed(client: string, turn: { countedAt: number }): void {
    this.byClient.delete(client);
    this.count(turn.countedAt, -1);
  }

  /** Failed logins from anywhere in the window (to the minute). */
  private overall(t: number): number {
    const oldest = Math.floor((t - FAILURE_WINDOW_MS) / MINUTE);
    let n = 0;
    for (const [minute, count] of this.perMinute) {
      if (minute <= oldest) this.perMinute.delete(minute);
      else n += count;
    }
    return n;
  }

  private count(t: number, by: number): void {
    const minute = Math.floor(t / MINUTE);
    const n = (this.perMinute.get(minute) ?? 0) + by;
    if (n > 0) this.perMinute.set(minute, n);
    else this.perMinute.delete(minute);
  }

  private prune(t: number): void {
    for (const [k, ts] of this.byClient) if (!ts.some((at) => at > t - FAILURE_WINDOW_MS)) this.byClient.delete(k);
  }
}
