/**
 * What the store keeps so that one issue is built per cadence and tick, whoever runs: lease
 * rows (a lock per cadence while an issue is planned and written) and the scheduler's last tick.
 * The `Store` interface extends `LockStore`.
 *
 * A lease row, not a database lock: it names its holder (so that the one who waits can say who
 * it waits for), outlives no crash (a lease runs out; a dead holder on this host is taken over at
 * once), and is plain SQL on SQLite and PostgreSQL alike. On PostgreSQL alone,
 * `pg_try_advisory_xact_lock(hashtext('paperboy:issue:daily'))` inside the build transaction
 * could replace it, at the price of not knowing who holds it.
 */

/** Who holds, or wants, a lock: a process (host:pid, as in the ledger's `claimed_by`) and what it does. */
export interface LockHolder {
  worker: string;
  /** "scheduler", "send": said to whoever has to wait. */
  role: string;
}

/** A lock row as the store has it. */
export interface LockState {
  name: string;
  holder: LockHolder | null;
  /** When the holder took it. */
  since: string | null;
  leaseUntil: string | null;
  /**
   * The scheduled tick recorded on the row and who recorded it: on `issue:*`, the tick whose
   * issue was built last; on `schedule`, the last tick that ran.
   */
  tick: { at: string; by: string | null } | null;
}

/** The lock and tick rows. */
export interface LockStore {
  /**
   * Takes lock `name` for `by` until `leaseUntil`, with one atomic UPDATE that succeeds when
   * nobody holds it, its lease ran out at `now`, or `by` holds it already; failing that, when its
   * holder is a dead process (`isDead`), with one compare-and-set on (holder, since). Returns
   * whether `by` got it, and the row as it is now (who holds it otherwise).
   */
  acquireLock(name: string, by: LockHolder, now: string, leaseUntil: string, isDead: (worker: string) => boolean): Promise<{ acquired: boolean; lock: LockState }>;
  /**
   * Extends the lease of `by` (the heartbeat), and records `tick` on the row when given. False
   * when `by` no longer holds it (its lease ran out and somebody took it over).
   */
  renewLock(name: string, by: LockHolder, leaseUntil: string, tick?: string): Promise<boolean>;
  /** Lets go of a lock `by` holds (nothing when it does not). */
  releaseLock(name: string, by: LockHolder): Promise<void>;
  getLock(name: string): Promise<LockState | undefined>;
  /**
   * Records that tick `at` runs, when it is later than the tick recorded (or none is): true when
   * this call recorded it, so of several processes claiming the same tick exactly one gets it.
   */
  claimTick(name: string, at: string, by: string): Promise<boolean>;
  /** Records `at` as the last tick when no tick was ever recorded (a baseline). */
  initTick(name: string, at: string, by: string): Promise<void>;
}
