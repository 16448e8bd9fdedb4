/**
 * One claimed batch of deliveries while it is sent: what each job came to (a result, put back
 * unsent, deferred for a paused domain), the reports the failures make for the bounce policy,
 * and when the batch is complete and can be recorded in one transaction.
 */
import { type PolicyDeps, recordEvents } from '../bounces/policy.js';
import { BOUNCE_EVENT, type BounceEvent, type DeliveryJob, isBounce } from '../domain.js';
import type { Log } from '../log.js';
import { withStoreRetry } from './store-retry.js';
import type { DeliveryResult, Store } from '../store/store.js';
import type { Tokens } from '../subscriptions/tokens.js';
import { SendError } from './ports.js';
import { givesUp, nextAttempt } from './retry.js';

/** Results, unsent and deferred rows of one batch, recorded together. */
export class Batch {
  readonly results: DeliveryResult[] = [];
  readonly unsent: number[] = [];
  /** Rows put back for a paused recipient domain, by when the pause ends. */
  readonly deferred = new Map<string, { ids: number[]; reason: string }>();
  readonly events: BounceEvent[] = [];
  /** Jobs handed to the mailer. */
  readonly begun = new Set<number>();
  /** Given up on (a stop's grace ran out) or recorded: later answers are not seen. */
  closed = false;
  private settled = 0;

  constructor(readonly jobs: DeliveryJob[]) {}

  /** Notes that one job came to an end; true when the whole batch has. */
  settle(): boolean {
    this.settled++;
    return this.settled === this.jobs.length;
  }

  defer(job: DeliveryJob, until: string, reason: string): void {
    const d = this.deferred.get(until) ?? { ids: [], reason };
    d.ids.push(job.id);
    this.deferred.set(until, d);
  }

  /** Jobs begun whose answer has not come (in flight when the batch was closed). */
  get unanswered(): number {
    const answered = new Set([...this.results.map((r) => r.id), ...this.unsent]);
    return [...this.begun].filter((id) => !answered.has(id)).length;
  }

  /** Closes the batch as it stands: jobs never begun go back unsent. */
  close(): void {
    this.closed = true;
    const done = new Set([...this.results.map((r) => r.id), ...this.unsent, ...[...this.deferred.values()].flatMap((d) => d.ids)]);
    for (const j of this.jobs) if (!this.begun.has(j.id) && !done.has(j.id)) this.unsent.push(j.id);
  }
}

/** A failed attempt: failed for good (5xx, or 48 h of 4xx), or deferred to its next time. */
export function settleFailure(job: DeliveryJob, e: SendError, now: Date): DeliveryResult {
  const at = now.toISOString();
  const reply = e.message;
  const flag = e.maybeDelivered ? { maybeDuplicate: true } : {};
  if (isBounce(e.kind)) return { id: job.id, status: 'failed', error: reply, reply, at, ...flag };
  if (givesUp(job.firstAttemptAt, now)) return { id: job.id, status: 'failed', error: `gave up after 48 h: ${reply}`, reply, at, ...flag };
  return {
    id: job.id,
    status: 'pending',
    error: reply,
    reply,
    nextAttemptAt: nextAttempt(job.attempts, now, job.firstAttemptAt, e.retryAfterMs).toISOString(),
    at,
    ...flag,
  };
}

/** The report a refusal during the SMTP session makes for the bounce policy: a bounce makes one. */
export function refusalEvent(tokens: Tokens, job: DeliveryJob, e: SendError, at: string): BounceEvent | undefined {
  if (!isBounce(e.kind)) return undefined;
  return {
    type: BOUNCE_EVENT[e.kind],
    source: 'smtp',
    externalId: `${job.id}:${job.attempts}`,
    occurredAt: at,
    recipient: job.email,
    // The delivery is known: its VERP token names it, as a bounce mail's return path would.
    verpToken: tokens.verpToken(job.id),
    ...(e.status ? { status: e.status } : {}),
    diagnostic: e.message,
  };
}

/**
 * Writes a batch in one transaction: the results, the rows put back, the rows deferred for a
 * paused domain, and the refusals' reports through the bounce policy (a hard bounce suppresses
 * the reader with the result that caused it). The sends happened: this is retried whenever the
 * store is away (the same rows each time).
 */
export async function recordBatch(deps: { store: Store; log: Log; policy: PolicyDeps }, issueId: number, batch: Batch): Promise<void> {
  const { store, log } = deps;
  await withStoreRetry(
    () =>
      store.transaction(
        async (tx) => {
          await tx.recordDeliveries(batch.results);
          await tx.releaseDeliveries(batch.unsent);
          for (const [until, { ids, reason }] of batch.deferred) await tx.deferDeliveries(ids, until, reason, deps.policy.now().toISOString());
          if (batch.events.length) await recordEvents({ ...deps.policy, store: tx }, batch.events);
        },
        { concurrent: true },
      ),
    { what: `recording ${batch.results.length} results of issue #${issueId}`, warn: (l) => log.warn(l), maxMs: 10 * 60_000 },
  );
}
