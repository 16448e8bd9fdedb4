/**
 * Delivering an issue: the ledger drives the run.
 *
 * A worker claims a small batch of due deliveries in one statement (`sending`, leased to it),
 * sends them over the mailer's connections, and records each result with the server's reply in
 * one transaction per batch. The pool stays busy across batches: the next batch is claimed while
 * the last messages of the current one are in flight, and results are written while the next
 * batch goes out. Claiming checks that the subscriber is still active, so an
 * unsubscribe that lands mid-run is honoured for every message not yet claimed; batches are
 * small, so that is every message not about to go out. A crash leaves at most the in-flight
 * rows in `sending`; the next run takes them back, sends them again and flags them as possible
 * duplicates. 4xx and dropped connections are retried later on a schedule; a 5xx fails the
 * delivery, and what it does to the reader is the bounce policy's (`bounces/policy.ts`): a
 * refused recipient is suppressed, a soft failure counts, a refusal of the *sender* suppresses
 * nobody and pauses that recipient domain (its rows wait, unattempted, until the pause ends);
 * 421, authentication or our relay refusing MAIL FROM pause the run and leave every unsent row as
 * it was. With BOUNCE_DOMAIN each message's return path names its delivery (VERP).
 *
 * Nothing assumes one host: a claim's lease (2 min) is renewed by a heartbeat while its batch is
 * in flight, so a worker on another machine takes rows back only from a worker that stopped
 * beating; a pid check speeds that up for dead processes on this host only. A store that goes
 * away mid-run (a dropped PostgreSQL connection) is waited for with backoff: a claim whose
 * answer was lost is put back untouched, a batch's results are written when the store returns.
 */
import { DOMAIN_PAUSE_MS, domainOf } from '../bounces/policy.js';
import type { DeliveryJob, Issue, Paper } from '../domain.js';
import { variantSubject } from '../issue/builder.js';
import type { Log } from '../log.js';
import { withStoreRetry } from './store-retry.js';
import type { Store } from '../store/store.js';
import type { Tokens } from '../subscriptions/tokens.js';
import { Batch, recordBatch, refusalEvent, settleFailure } from './batch.js';
import { type Composer, type Mailer, type MessageTemplate, type Recipient, SendError } from './ports.js';
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
  /** Envelope sender (the address part of MAIL_FROM), when there is no BOUNCE_DOMAIN. */
  envelopeFrom: string;
  /** BOUNCE_DOMAIN: each message's return path is `bounces+TOKEN@` it (VERP), the token naming the delivery. */
  bounceDomain?: string;
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

/**
 * The Message-ID of (issue, subscriber): deterministic, so a resend carries the same id, with an
 * HMAC of both (`Tokens.messageId`), so that a bounce returning it proves which delivery it is about.
 */
export function messageIdFor(tokens: Tokens, issueId: number, subscriberId: number, domain: string): string {
  return tokens.messageId(issueId, subscriberId, domain);
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
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  const leaseUntil = () => new Date(deps.now().getTime() + leaseMs).toISOString();
  let remaining = Object.values(await store.countDeliveries(issue.id)).reduce((a, b) => a + b, 0);
  let consecutiveErrors = 0;

  // The pool stays busy across batch boundaries: the next batch is claimed while the last jobs
  // of this one are in flight, and a batch's results are written while the next one is sent.
  const queue: { job: DeliveryJob; batch: Batch; recipient: Recipient }[] = [];
  const open = new Set<Batch>();
  const records = new Set<Promise<void>>();
  const paused = new Map<string, { until: string; reason: string }>();
  let inFlight = 0;
  let exhausted = false;
  let failure: unknown;
  let claiming: Promise<void> | undefined;
  const halted = () => report.paused !== undefined || deps.stop?.requested === true || failure !== undefined;
  // Nothing of this worker's in flight or waiting to be recorded (what is queued counts, unless the run halted: it will never go).
  const drained = async () => {
    while (inFlight > 0 || (!halted() && (queue.length > 0 || open.size > 0))) await new Promise((r) => setTimeout(r, 20));
    await Promise.all([...records]);
  };

  const claim = () =>
    (claiming ??= (async () => {
      try {
        const now = deps.now().toISOString();
        const [jobs, pauses] = await Promise.all([
          withStoreRetry(() => store.claimDeliveries(issue.id, { limit: batchSize, now, leaseUntil: leaseUntil(), worker: deps.worker }), {
            what: `claiming deliveries of issue #${issue.id}`,
            warn: (l) => log.warn(l),
            // The lost answer may have claimed rows: once nothing of ours is in flight, every row we hold is such a row.
            beforeRetry: async () => {
              await drained();
              await store.releaseClaimsOf(deps.worker);
            },
            abandon: () => deps.stop?.requested === true,
          }),
          withStoreRetry(() => store.pausedDomains(now), { what: 'reading the paused domains', warn: (l) => log.warn(l), abandon: () => deps.stop?.requested === true }),
        ]);
        for (const [domain, p] of pauses) if (!paused.has(domain)) paused.set(domain, p);
        if (jobs.length === 0) {
          exhausted = true;
          return;
        }
        const batch = new Batch(jobs);
        open.add(batch);
        const byVariant = new Map<number, Recipient[]>();
        for (const job of jobs) {
          const recipient = recipientFor(deps.tokens, issue.id, { id: job.subscriberId, email: job.email }, deps.messageIdDomain);
          queue.push({ job, batch, recipient });
          byVariant.set(job.variant, [...(byVariant.get(job.variant) ?? []), recipient]);
        }
        // Work for these recipients (their signatures) can start before their turn.
        for (const [variant, rs] of byVariant) void templateFor(variant).then((t) => t.prepare?.(rs), () => {});
      } catch (err) {
        failure ??= err;
      } finally {
        claiming = undefined;
      }
    })());

  const finish = (batch: Batch) => {
    if (batch.closed) return;
    batch.close();
    open.delete(batch);
    const recorded: Promise<void> = recordBatch({ ...deps, policy: { store: deps.store, tokens: deps.tokens, now: deps.now, log } }, issue.id, batch).then(() => {
      remaining -= batch.results.filter((r) => r.status !== 'pending').length;
      deps.onProgress?.({ issueId: issue.id, sent: report.sent, failed: report.failed, deferred: report.deferred, remaining, elapsedMs: Date.now() - started });
    }, (err) => void (failure ??= err));
    records.add(recorded);
    void recorded.finally(() => records.delete(recorded));
  };

  const sendOne = async ({ job, batch, recipient }: (typeof queue)[number]) => {
    const domain = domainOf(job.email) ?? '';
    const pause = paused.get(domain);
    if (pause) {
      batch.defer(job, pause.until, `${domain} paused: it refused the sender (${pause.reason})`);
      if (batch.settle()) finish(batch);
      return;
    }
    batch.begun.add(job.id);
    inFlight++;
    if (deps.stop) deps.stop.inFlight++;
    try {
      const template = await templateFor(job.variant);
      const reply = await mailer.send({
        from: deps.bounceDomain ? `bounces+${deps.tokens.verpToken(job.id)}@${deps.bounceDomain}` : deps.envelopeFrom,
        to: job.email,
        raw: () => template.parts(recipient),
        data: () => template.dataParts(recipient),
        name: `issue-${job.issueId}-subscriber-${job.subscriberId}`,
        signed: template.signed,
      });
      if (batch.closed) return;
      batch.results.push({ id: job.id, status: 'sent', messageId: recipient.messageId, reply, at: deps.now().toISOString() });
      report.sent++;
      consecutiveErrors = 0;
    } catch (err) {
      if (batch.closed) return;
      const e = err instanceof SendError ? err : new SendError('transient', (err as Error).message);
      if (e.kind === 'fatal') {
        report.paused ??= e.message;
        batch.unsent.push(job.id);
        return;
      }
      consecutiveErrors++;
      const result = settleFailure(job, e, deps.now());
      batch.results.push(result);
      const event = refusalEvent(deps.tokens, job, e, result.at);
      if (event) batch.events.push(event);
      if (e.kind === 'sender' && !paused.has(domain)) {
        paused.set(domain, { until: new Date(deps.now().getTime() + DOMAIN_PAUSE_MS).toISOString(), reason: e.message });
        log.error(`${domain} refused the sender (${e.message}): nothing goes to ${domain} for ${DOMAIN_PAUSE_MS / 60_000} min; its readers keep their subscriptions`);
      }
      if (result.status === 'failed') report.failed++;
      else report.deferred++;
      // A refusal of the sender is about one domain, not the run: it does not count toward pausing the run.
      if (e.kind !== 'sender' && consecutiveErrors >= deps.maxErrors) report.paused ??= `${consecutiveErrors} failed sends in a row (last: ${e.message})`;
    } finally {
      inFlight--;
      if (deps.stop) deps.stop.inFlight--;
      if (batch.settle()) finish(batch);
    }
  };

  const sender = async () => {
    while (!halted()) {
      // Claim ahead while this batch's last messages are in flight.
      if (queue.length <= mailer.concurrency && !exhausted) void claim();
      const item = queue.shift();
      if (item) await sendOne(item);
      else if (claiming) await claiming;
      else if (exhausted) return;
    }
  };

  const heartbeat = setInterval(() => void store.renewClaims(deps.worker, leaseUntil()).catch(() => {}), leaseMs / 3);
  heartbeat.unref();
  try {
    const senders = Promise.all(Array.from({ length: Math.max(1, mailer.concurrency) }, sender));
    const gaveUp = deps.stop ? await deps.stop.within(senders) : (await senders, false);
    await claiming;
    // Jobs never begun go back; on a stop that ran out of grace, what is in flight stays `sending`.
    for (const item of queue.splice(0)) if (!item.batch.closed && item.batch.settle()) finish(item.batch);
    if (gaveUp) {
      const abandoned = [...open].reduce((n, b) => n + b.unanswered, 0);
      report.abandoned = (report.abandoned ?? 0) + abandoned;
      log.warn(
        `gave up on ${abandoned} messages still in flight after ${deps.stop!.graceMs / 1000} s: they stay marked in flight, ` +
          'and the next run sends them again (flagged as possible duplicates)',
      );
    }
    for (const batch of [...open]) finish(batch);
    await Promise.all([...records]);
  } finally {
    clearInterval(heartbeat);
  }
  if (failure) throw failure;

  if (deps.stop?.requested) report.stopped = true;
  await settleReport(deps, issue, report, started);
  return report;
}

/** What is left of the issue after a run, and the issue's status from it. */
async function settleReport(deps: DeliverDeps, issue: Issue, report: DeliveryReport, started: number): Promise<void> {
  const { store, log } = deps;
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
}
