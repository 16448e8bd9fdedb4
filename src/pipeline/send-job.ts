/**
 * The newsletter's jobs, as the CLI and the scheduler call them: send the next issues
 * (resuming any unfinished one first), and dry-run a send.
 */
import type { Frequency, Issue, Paper } from '../domain.js';
import { FREQUENCIES } from '../domain.js';
import { AppError } from '../errors.js';
import { type BuildOptions, type NoIssue, type PlannedIssue, isDue, isNoIssue, planNextIssue, variantSubject } from '../issue/builder.js';
import type { LockState } from '../store/locks.js';
import { deliverIssue } from './deliver.js';
import type { DeliverDeps } from './delivery-types.js';
import { HeldLock, describeHolder, heldElsewhere, issueLockName, takeIssueLock } from './issue-lock.js';
import type { Mailer } from './ports.js';
import { recipientFor } from './recipient.js';
import type { LockedOut, SendOutcome } from './send-outcome.js';

/** What `send` needs beyond delivering. */
export interface SendDeps extends DeliverDeps {
  build: Omit<BuildOptions, 'frequency' | 'now'>;
}

/** How `sendNext` runs. */
export interface SendOptions {
  /** Finish interrupted issues only; build no new one (the scheduler at start-up). */
  resumeOnly?: boolean;
  /**
   * The SCHEDULE time this send stands for (the scheduler's tick, or the missed tick it catches
   * up): at most one issue per cadence and tick, and a cadence's due day is the tick's.
   */
  tick?: Date;
  /**
   * Who builds: the `scheduler` waits for an issue lock held elsewhere (bounded); `send` (the
   * default) fails at once with AppError('LOCKED') and changes nothing.
   */
  role?: 'send' | 'scheduler';
  /** How long the scheduler waits for the lock. */
  lockWaitMs?: number;
}

/**
 * Resumes unfinished issues, then builds and delivers the next issue of every cadence that is
 * due. Checks the mailer first: a dead SMTP server fails before anything is written. Building
 * holds the cadence's issue lock (`issue-lock.ts`); a stop request (`deps.stop`) ends the run
 * after what is in flight, building nothing more.
 */
export async function sendNext(deps: SendDeps, only?: Frequency, opts: SendOptions = {}): Promise<SendOutcome[]> {
  if (deps.stop?.requested) return [];
  const role = opts.role ?? 'send';
  const cadences = only ? [only] : FREQUENCIES;
  // A manual send that would have to wait changes nothing: it looks before resuming anything.
  if (role === 'send' && !opts.resumeOnly) await failIfLocked(deps, cadences);
  await deps.mailer.verify();
  const out: SendOutcome[] = [];
  for (const issue of await deps.store.unfinishedIssues()) {
    if (deps.stop?.requested) return out;
    if (only && issue.frequency !== only) continue;
    const report = await deliverIssue(deps, issue);
    out.push({ kind: 'delivered', issue, report, resumed: true });
    if (report.paused || report.stopped) return out;
  }
  if (opts.resumeOnly) return out;
  for (const frequency of cadences) {
    if (deps.stop?.requested) break;
    const built = await buildIssue(deps, frequency, { ...opts, role, force: only !== undefined });
    if (!built) continue;
    if (!('id' in built)) {
      out.push(built);
      continue;
    }
    const report = await deliverIssue(deps, built);
    out.push({ kind: 'delivered', issue: built, report, resumed: false });
    if (report.paused || report.stopped) break;
  }
  return out;
}

/**
 * Under the cadence's issue lock: checks again whether the cadence is due and has news (whoever
 * held the lock before may have built it), plans the issue and writes it. Returns the issue,
 * why there is none, or nothing to report (a weekly cadence never sent, on another day).
 */
async function buildIssue(
  deps: SendDeps,
  frequency: Frequency,
  opts: SendOptions & { role: 'send' | 'scheduler'; force: boolean },
): Promise<Issue | Extract<SendOutcome, { kind: 'nothing' }> | undefined> {
  const wait = opts.role === 'scheduler';
  const lock = await takeIssueLock(deps, frequency, { role: opts.role, wait, ...(opts.lockWaitMs !== undefined ? { waitMs: opts.lockWaitMs } : {}) });
  if (!(lock instanceof HeldLock)) {
    if (!wait) throw lockedError(frequency, lock, 'no issue was built');
    const message = deps.stop?.requested
      ? `stopped while waiting for the issue lock held by ${describeHolder(lock)}`
      : `the issue lock is held by ${describeHolder(lock)}; gave up waiting, the next tick will try again`;
    return { kind: 'nothing', frequency, why: { reason: 'locked', message } };
  }
  try {
    const tick = opts.tick?.toISOString();
    const built = lock.state.tick;
    if (tick && built && built.at >= tick) {
      return { kind: 'nothing', frequency, why: { reason: 'built-this-tick', message: `issue of this tick already built by ${built.by ?? 'another process'}` } };
    }
    const now = deps.now();
    const last = await deps.store.lastIssue(frequency);
    if (!opts.force && !isDue(frequency, last, opts.tick ?? now, deps.build)) {
      return last ? { kind: 'nothing', frequency, why: { reason: 'not-due', last } } : undefined;
    }
    const planned = await planNextIssue(deps.store, { ...deps.build, frequency, now });
    if (isNoIssue(planned)) return { kind: 'nothing', frequency, why: planned };
    // Fenced: the lease is renewed (and the tick recorded) in the transaction that writes the issue.
    // The issue lock, not the store's write lock, keeps this single: on PostgreSQL the (long, at a
    // million readers) write does not hold up sign-ups and ingests meanwhile.
    return await deps.store.transaction(
      async (tx) => {
        await lock.fence(tx, tick);
        return tx.createIssue(planned.plan);
      },
      { concurrent: true },
    );
  } finally {
    await lock.release();
  }
}

/**
 * Builds the next issue of `frequency` now, due or not (the operator's "send now"), under its
 * issue lock; returns it, or why there is none. Throws AppError('LOCKED'), changing nothing,
 * while another process holds the lock. Delivering it is the caller's (`deliverIssue`).
 */
export async function buildIssueNow(deps: SendDeps, frequency: Frequency): Promise<Issue | NoIssue | LockedOut> {
  const built = await buildIssue(deps, frequency, { role: 'send', force: true });
  if (!built) throw new AppError('INTERNAL', `no ${frequency} issue was built and no reason was given`);
  return 'id' in built ? built : (built.why as NoIssue | LockedOut);
}

/** Throws AppError('LOCKED') when another live process holds the issue lock of one of `cadences`. */
async function failIfLocked(deps: SendDeps, cadences: readonly Frequency[]): Promise<void> {
  for (const frequency of cadences) {
    const lock = await deps.store.getLock(issueLockName(frequency));
    if (heldElsewhere(lock, deps)) throw lockedError(frequency, lock, 'nothing was changed');
  }
}

/** "the daily issue is being built by host:4242 (scheduler) since …; nothing was changed: …" */
function lockedError(frequency: Frequency, lock: LockState, what: string): AppError {
  return new AppError('LOCKED', `the ${frequency} issue is being built by ${describeHolder(lock)}; ${what}: run \`paperboy send\` again in a minute`);
}

/**
 * Writes the next issue as `.eml` files through `outbox`, one per recipient, without touching
 * the ledger: the real send afterwards is unaffected. Returns how many files were written.
 */
export async function dryRun(deps: SendDeps, outbox: Mailer, frequency: Frequency): Promise<{ planned: PlannedIssue | NoIssue; written: number }> {
  const planned = await planNextIssue(deps.store, { ...deps.build, frequency, now: deps.now() });
  if (isNoIssue(planned)) return { planned, written: 0 };
  await outbox.verify();
  const templates = new Map<number, Awaited<ReturnType<SendDeps['compose']>>>();
  const main = mainPapers(planned);
  for (const [variant, papers] of planned.variants) {
    const subject = variantSubject({ subject: planned.plan.subject, frequency }, main, papers);
    templates.set(variant, await deps.compose({ subject, issueDate: planned.plan.issueDate, frequency, papers }));
  }
  let written = 0;
  for await (const s of deps.store.iterateSubscribers()) {
    if (s.status !== 'active' || s.frequency !== frequency) continue;
    const variant = planned.plan.overrides.has(s.id) ? planned.plan.overrides.get(s.id) : 0;
    if (variant === null || variant === undefined) continue;
    const template = templates.get(variant)!;
    const recipient = recipientFor(deps.tokens, 0, s, deps.messageIdDomain);
    await outbox.send({
      from: deps.envelopeFrom,
      to: s.email,
      raw: () => template.parts(recipient),
      data: () => template.dataParts(recipient),
      name: `dry-run-${frequency}-subscriber-${s.id}`,
    });
    written++;
  }
  return { planned, written };
}

/** The papers of variant 0 of a plan (what most subscribers get). */
export function mainPapers(planned: PlannedIssue): Paper[] {
  const papers = planned.variants.get(0);
  if (!papers) throw new AppError('INTERNAL', 'planned issue has no main variant');
  return papers;
}
