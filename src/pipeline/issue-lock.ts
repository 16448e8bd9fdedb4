/**
 * The issue lock: planning and writing an issue of a cadence holds a lease row in the store, so
 * that two schedulers, or a scheduler and a manual `send`, never build the same news twice.
 * Delivery is not covered: claims in the ledger are atomic already, and any number of workers
 * share it.
 *
 * The lease runs `LOCK_LEASE_MS` and a heartbeat renews it while the build runs; a holder that
 * crashed is taken over when its lease runs out, or at once when it was a process on this host.
 * The write of the issue is fenced: it renews the lease in the same transaction, and writes
 * nothing if the lock was lost meanwhile.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Frequency } from '../domain.js';
import { AppError } from '../errors.js';
import type { Log } from '../log.js';
import type { LockHolder, LockState } from '../store/locks.js';
import type { Store } from '../store/store.js';
import { utcTime } from '../lib/time.js';
import type { Stop } from './stop.js';

/** How long a lease lasts without a heartbeat. */
export const LOCK_LEASE_MS = 2 * 60_000;
/** How long the scheduler waits for a lock held elsewhere before it leaves the cadence to the next tick. */
export const LOCK_WAIT_MS = 3 * 60_000;

/** The lock row of a cadence's issue. */
export const issueLockName = (frequency: Frequency) => `issue:${frequency}`;

/** What taking the lock needs. */
export interface LockDeps {
  store: Store;
  /** This process (host:pid). */
  worker: string;
  isDead: (worker: string) => boolean;
  now: () => Date;
  log: Log;
  stop?: Stop;
}

/** How to take it: the scheduler waits (bounded), `send` does not. */
export interface LockOptions {
  role: string;
  wait: boolean;
  waitMs?: number;
  retryMs?: number;
  leaseMs?: number;
}

/** "host:pid (send) since 2026-03-18 08:00:01 UTC". */
export function describeHolder(lock: LockState): string {
  const who = lock.holder ? `${lock.holder.worker} (${lock.holder.role})` : 'nobody';
  return lock.since ? `${who} since ${utcTime(lock.since, { seconds: true })}` : who;
}

/** True when `lock` is held by a live process other than `worker` (what `send` checks first). */
export function heldElsewhere(lock: LockState | undefined, deps: Pick<LockDeps, 'worker' | 'isDead' | 'now'>): lock is LockState {
  if (!lock?.holder || lock.holder.worker === deps.worker) return false;
  if (!lock.leaseUntil || lock.leaseUntil <= deps.now().toISOString()) return false;
  return !deps.isDead(lock.holder.worker);
}

/** A lock this process holds, renewed by a heartbeat until released. */
export class HeldLock {
  private readonly timer: NodeJS.Timeout;
  private renewal: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly deps: LockDeps,
    readonly name: string,
    readonly by: LockHolder,
    /** The row when it was taken (its `tick`: the tick built last). */
    readonly state: LockState,
    private readonly leaseMs: number,
  ) {
    this.timer = setInterval(
      () => {
        this.renewal = deps.store
          .renewLock(name, by, this.leaseUntil())
          .catch((err) => deps.log.warn(`could not renew the ${name} lock: ${(err as Error).message}`));
      },
      Math.max(1000, leaseMs / 4),
    );
    this.timer.unref();
  }

  /**
   * Inside the transaction that writes the issue: renews the lease (recording `tick`) and
   * throws when the lock was lost, so that nothing is written.
   */
  async fence(tx: Store, tick?: string): Promise<void> {
    if (!(await tx.renewLock(this.name, this.by, this.leaseUntil(), tick))) {
      throw new AppError('LOCKED', `lost the ${this.name} lock (its lease ran out and another process took it over); nothing was written`);
    }
  }

  async release(): Promise<void> {
    clearInterval(this.timer);
    await this.renewal;
    await this.deps.store.releaseLock(this.name, this.by);
  }

  private leaseUntil(): string {
    return new Date(this.deps.now().getTime() + this.leaseMs).toISOString();
  }
}

/**
 * Takes the issue lock of `frequency`: a HeldLock, or the row as another process holds it
 * (at once without `wait`; with it, after retrying for `waitMs`, or when a stop is requested).
 */
export async function takeIssueLock(deps: LockDeps, frequency: Frequency, opts: LockOptions): Promise<HeldLock | LockState> {
  const name = issueLockName(frequency);
  const by: LockHolder = { worker: deps.worker, role: opts.role };
  const leaseMs = opts.leaseMs ?? LOCK_LEASE_MS;
  const started = Date.now();
  let announced = false;
  for (;;) {
    const now = deps.now();
    const { acquired, lock } = await deps.store.acquireLock(name, by, now.toISOString(), new Date(now.getTime() + leaseMs).toISOString(), deps.isDead);
    if (acquired) return new HeldLock(deps, name, by, lock, leaseMs);
    if (!opts.wait || deps.stop?.requested || Date.now() - started >= (opts.waitMs ?? LOCK_WAIT_MS)) return lock;
    if (!announced) {
      deps.log.info(`waiting for the ${frequency} issue lock held by ${describeHolder(lock)}`);
      announced = true;
    }
    await sleep(opts.retryMs ?? 500, undefined, deps.stop ? { signal: deps.stop.signal } : {}).catch(() => {});
  }
}
