/**
 * Delivering an issue: the ledger drives the run.
 *
 * A worker claims a small batch of due deliveries in one statement (`sending`, leased to it),
 * sends them over the mailer's connections, and records each result with the server's reply in
 * one transaction per batch. Claiming checks that the subscriber is still active, so an
 * unsubscribe that lands mid-run is honoured for every message not yet claimed; batches are
 * small, so that is every message not about to go out. A crash leaves at most the in-flight
 * rows in `sending`; the next run takes them back, sends them again and flags them as possible
 * duplicates. 4xx and dropped connections are retried later on a schedule; a 5xx fails the
 * delivery and suppresses the address; 421, authentication or sender errors pause the run and
 * leave every unsent row as it was.
 *
 * Nothing assumes one host: a claim's lease (2 min) is renewed by a heartbeat while its batch is
 * in flight, so a worker on another machine takes rows back only from a worker that stopped
 * beating; a pid check speeds that up for dead processes on this host only. A store that goes
 * away mid-run (a dropped PostgreSQL connection) is waited for with backoff: a claim whose
 * answer was lost is put back untouched, a batch's results are written when the store returns.
 */
import type { DeliveryJob, Issue, Paper } from '../domain.js';
import { variantSubject } from '../issue/builder.js';
import type { Log } from '../log.js';
import { withStoreRetry } from '../store/retry.js';
import type { DeliveryResult, Store } from '../store/store.js';
import type { Tokens } from '../subscriptions/tokens.js';
import { type Composer, type Mailer, type MessageTemplate, type Recipient, SendError } from './ports.js';
import { givesUp, nextAttempt } from './retry.js';
import type { Stop } from './stop.js';

/** Where a run stands, for a progress bar or a log line. */
export interface Progress {
  issueId: number;
  sent: number;
  failed: number;
  deferred: number;
  /** Deliveries of the issue not settled yet (pending or sending), at the last count. */
  remaining: number;
  elapsedMs: number;
}

/** What delivering needs. */
export interface DeliverDeps {
  store: Store;
  mailer: Mailer;
  compose: Composer;
  tokens: Tokens;
  /** Envelope sender (the address part of MAIL_FROM). */
  envelopeFrom: string;
  messageIdDomain: string;
  /** Consecutive failed sends before the run pauses. */
  maxErrors: number;
  now: () => Date;
  log: Log;
  /** This process, as it appears in `claimed_by` (host:pid). */
  worker: string;
  /** Whether the worker that holds a lease is gone (a crashed process on this host). */
  isDead: (worker: string) => boolean;
  /** Rows per claim; small, so that unsubscribes are honoured up to the last moment. */
  batchSize?: number;
  /** How long a claim holds without a heartbeat (default 2 min; renewed every third of it). */
  leaseMs?: number;
  onProgress?: (p: Progress) => void;
  /**
   * A stop request (SIGTERM): no new claim; the messages in flight finish (for the stop's grace
   * time), are recorded, and the rows claimed but not started go back to pending untouched.
   */
  stop?: Stop;
}

/** The outcome of one run over one issue. */
export interface DeliveryReport {
  issueId: number;
  sent: number;
  failed: number;
  /** Deferred to a later attempt (4xx, dropped connection). */
  deferred: number;
  /** Rows taken back from an interrupted run and sent again: each may have arrived twice. */
  resumedInFlight: number;
  /** Why the run stopped early, if it did. */
  paused?: string;
  /** A stop was requested: the run ended early, the rest waits for the next run. */
  stopped?: boolean;
  /**
   * Messages still unanswered when the stop's grace ran out: left `sending`, so that the next
   * run sends them again, flagged as possible duplicates.
   */
  abandoned?: number;
  /** Deliveries still pending after the run, and when the first of them is due. */
  pending: number;
  nextAttemptAt?: string;
  /** Of `pending`: deliveries waiting for their reader's local time (`DELIVER_AT`), and the first due. */
  waitingForLocalTime?: number;
  nextLocalTime?: string;
  /** When the first deferred retry is due (what `nextAttemptAt` is when nobody waits for local time). */
  nextRetryAt?: string;
  elapsedMs: number;
}

/** The Message-ID of (issue, subscriber): deterministic, so a resend carries the same id. */
export function messageIdFor(tokens: Tokens, issueId: number, subscriberId: number, domain: string): string {
  return `paperboy.${issueId}.${subscriberId}.${tokens.installTag}@${domain}`;
}

/** Everything that differs for one recipient of an issue (issue 0: a dry run). */
export function recipientFor(tokens: Tokens, issueId: number, s: { id: number; email: string }, domain: string): Recipient {
  const links = tokens.linkTokens(s.id);
  return {
    email: s.email,
    messageId: messageIdFor(tokens, issueId, s.id, domain),
    unsubscribeToken: links.unsubscribe,
    preferencesToken: links.preferences,
  };
}

/** How long a claim holds unless renewed. */
export const DEFAULT_LEASE_MS = 2 * 60_000;

/** Sends every delivery of `issue` that is due now; returns what happened. */
export async function deliverIssue(deps: DeliverDeps, issue: Issue): Promise<DeliveryReport> {
  const { store, mailer, log } = deps;
  const started = Date.now();
  const report: DeliveryReport = { issueId: issue.id, sent: 0, failed: 0, deferred: 0, resumedInFlight: 0, pending: 0, elapsedMs: 0 };
  report.resumedInFlight = await store.reclaimStale(deps.now().toISOString(), deps.isDead);
  if (report.resumedInFlight > 0) {
    log.warn(`${report.resumedInFlight} messages were in flight when an earlier run stopped; sending them again (possible duplicates, flagged in the ledger)`);
  }

  const templates = new Map<number, Promise<MessageTemplate>>();
  let variants: Promise<Map<number, Paper[]>> | undefined;
  const templateFor = (variant: number) => {
    let t = templates.get(variant);
    if (!t) {
      variants ??= store.issueVariants(issue.id);
      t = variants.then((v) => {
        const papers = v.get(variant) ?? [];
        // Each variant's subject names its own top paper (variant 0: the issue's subject).
        const subject = variantSubject(issue, v.get(0) ?? [], papers);
        return deps.compose({ subject, issueDate: issue.issueDate, frequency: issue.frequency, papers, issueId: issue.id });
      });
      templates.set(variant, t);
    }
    return t;
  };

  const batchSize = deps.batchSize ?? Math.max(10, mailer.concurrency * 4);
  let consecutiveErrors = 0;
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  const leaseUntil = () => new Date(deps.now().getTime() + leaseMs).toISOString();
  let remaining = Object.values(await store.countDeliveries(issue.id)).reduce((a, b) => a + b, 0);
  while (!report.paused && !deps.stop?.requested) {
    const jobs = await withStoreRetry(
      () => store.claimDeliveries(issue.id, { limit: batchSize, now: deps.now().toISOString(), leaseUntil: leaseUntil(), worker: deps.worker }),
      {
        what: `claiming deliveries of issue #${issue.id}`,
        warn: (l) => log.warn(l),
        // The lost answer may have claimed rows: between batches, every row this worker holds is such a row.
        beforeRetry: async () => void (await store.releaseClaimsOf(deps.worker)),
        abandon: () => deps.stop?.requested === true,
      },
    );
    if (jobs.length === 0) break;
    const heartbeat = setInterval(() => void store.renewClaims(deps.worker, leaseUntil()).catch(() => {}), leaseMs / 3);
    heartbeat.unref();

    const results: DeliveryResult[] = [];
    const unsent: number[] = [];
    const suppress: number[] = [];
    const begun = new Set<number>();
    const batch = forEachLimit(jobs, mailer.concurrency, async (job) => {
      if (report.paused || deps.stop?.requested) {
        unsent.push(job.id);
        return;
      }
      begun.add(job.id);
      if (deps.stop) deps.stop.inFlight++;
      const recipient = recipientFor(deps.tokens, issue.id, { id: job.subscriberId, email: job.email }, deps.messageIdDomain);
      try {
        const template = await templateFor(job.variant);
        const reply = await mailer.send({
          from: deps.envelopeFrom,
          to: job.email,
          raw: () => template.parts(recipient),
          data: () => template.dataParts(recipient),
          name: `issue-${job.issueId}-subscriber-${job.subscriberId}`,
        });
        results.push({ id: job.id, status: 'sent', messageId: recipient.messageId, reply, at: deps.now().toISOString() });
        report.sent++;
        consecutiveErrors = 0;
      } catch (err) {
        const e = err instanceof SendError ? err : new SendError('transient', (err as Error).message);
        if (e.kind === 'fatal') {
          report.paused ??= e.message;
          unsent.push(job.id);
          return;
        }
        consecutiveErrors++;
        results.push(settleFailure(job, e, deps.now()));
        if (e.kind === 'permanent') suppress.push(job.subscriberId);
        if (results.at(-1)!.status === 'failed') report.failed++;
        else report.deferred++;
        if (consecutiveErrors >= deps.maxErrors) report.paused ??= `${consecutiveErrors} failed sends in a row (last: ${e.message})`;
      } finally {
        if (deps.stop) deps.stop.inFlight--;
      }
    });
    let settled: Awaited<ReturnType<typeof settleBatch>>;
    try {
      settled = await settleBatch(deps, batch, jobs, begun, results, unsent, report);
      // The sends happened: their results are written whenever the store can take them (the same rows each time).
      await withStoreRetry(
        () =>
          store.transaction(async (tx) => {
            await tx.recordDeliveries(settled.results);
            await tx.releaseDeliveries(settled.unsent);
            const at = deps.now().toISOString();
            for (const id of suppress) await tx.setSubscriberStatus(id, 'suppressed', at);
          }, { concurrent: true }),
        { what: `recording ${settled.results.length} results of issue #${issue.id}`, warn: (l) => log.warn(l), maxMs: 10 * 60_000 },
      );
    } finally {
      clearInterval(heartbeat);
    }
    remaining -= settled.results.filter((r) => r.status !== 'pending').length;
    deps.onProgress?.({ issueId: issue.id, sent: report.sent, failed: report.failed, deferred: report.deferred, remaining, elapsedMs: Date.now() - started });
  }

  if (deps.stop?.requested) report.stopped = true;
  const counts = await store.countDeliveries(issue.id);
  report.pending = (counts.pending ?? 0) + (counts.sending ?? 0);
  report.elapsedMs = Date.now() - started;
  const next = report.pending > 0 ? await store.nextAttemptAt(issue.id) : undefined;
  if (next) report.nextAttemptAt = next;
  if (report.pending > 0) {
    // Rows waiting for the reader's local time keep the issue `sending`; they are not failures.
    const later = await store.laterDeliveries(issue.id);
    report.waitingForLocalTime = later.localTime.count;
    if (later.localTime.next) report.nextLocalTime = later.localTime.next;
    if (later.retries.next) report.nextRetryAt = later.retries.next;
  }
  const status = report.paused ? 'paused' : report.pending === 0 ? 'sent' : 'sending';
  await store.setIssueStatus(issue.id, status, deps.now().toISOString());
  if (report.paused) log.error(`issue #${issue.id} paused: ${report.paused}`);
  return report;
}

/**
 * Waits for a batch's sends. After a stop request, for the stop's grace time only: then the
 * answered results are recorded, the jobs never started go back to pending, and the ones still
 * in flight stay `sending` (they may arrive; the next run sends them again, flagged).
 */
async function settleBatch(
  deps: DeliverDeps,
  batch: Promise<void>,
  jobs: DeliveryJob[],
  started: Set<number>,
  results: DeliveryResult[],
  unsent: number[],
  report: DeliveryReport,
): Promise<{ results: DeliveryResult[]; unsent: number[] }> {
  if (!deps.stop) {
    await batch;
    return { results, unsent };
  }
  if (!(await deps.stop.within(batch))) return { results, unsent };
  // Gave up: what is settled now is all this run records (late answers are not seen).
  const answered = results.slice();
  const released = unsent.slice();
  const done = new Set([...answered.map((r) => r.id), ...released]);
  const neverStarted = jobs.filter((j) => !started.has(j.id) && !done.has(j.id)).map((j) => j.id);
  report.abandoned = (report.abandoned ?? 0) + jobs.filter((j) => started.has(j.id) && !done.has(j.id)).length;
  deps.log.warn(
    `gave up on ${report.abandoned} messages still in flight after ${deps.stop.graceMs / 1000} s: they stay marked in flight, ` +
      'and the next run sends them again (flagged as possible duplicates)',
  );
  return { results: answered, unsent: [...released, ...neverStarted] };
}

/** A failed attempt: failed for good (5xx, or 48 h of 4xx), or deferred to its next time. */
function settleFailure(job: DeliveryJob, e: SendError, now: Date): DeliveryResult {
  const at = now.toISOString();
  const reply = e.message;
  const flag = e.maybeDelivered ? { maybeDuplicate: true } : {};
  if (e.kind === 'permanent') return { id: job.id, status: 'failed', error: reply, reply, at, ...flag };
  if (givesUp(job.firstAttemptAt, now)) return { id: job.id, status: 'failed', error: `gave up after 48 h: ${reply}`, reply, at, ...flag };
  return { id: job.id, status: 'pending', error: reply, reply, nextAttemptAt: nextAttempt(job.attempts, now, job.firstAttemptAt, e.retryAfterMs).toISOString(), at, ...flag };
}

/** Runs `fn` over `items` with at most `limit` calls in flight. */
async function forEachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
