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
import { DOMAIN_PAUSE_MS } from '../bounces/policy.js';
import { domainOf } from '../lib/email.js';
import type { DeliveryJob, Issue } from '../domain.js';
import { Batch, recordBatch, refusalEvent, settleFailure } from './batch.js';
import { DEFAULT_LEASE_MS, type DeliverDeps, type DeliveryReport } from './delivery-types.js';
import { type Recipient, SendError } from './ports.js';
import { recipientFor } from './recipient.js';
import { withStoreRetry } from './store-retry.js';
import { VariantTemplates } from './variant-templates.js';

/** Sends every delivery of `issue` that is due now; returns what happened. */
export async function deliverIssue(deps: DeliverDeps, issue: Issue): Promise<DeliveryReport> {
  const run = new DeliveryRun(deps, issue);
  const report = await run.run();
  await settle(deps, issue, report, run.started);
  return report;
}

/** A claimed job waiting for a connection. */
type QueuedJob = { job: DeliveryJob; batch: Batch; recipient: Recipient };

/** One run over one issue: its state, and the steps (`claim`, `sendOne`, `finish`, `drain`) that change it. */
class DeliveryRun {
  /** When the run began (`Date.now()`), for its elapsed time. */
  readonly started = Date.now();
  private readonly report: DeliveryReport;
  private readonly templates: VariantTemplates;
  private batchSize = 0;
  private leaseMs = 0;
  /** Deliveries of the issue not settled yet, at the last count (for progress). */
  private remaining = 0;
  private consecutiveErrors = 0;
  /** Claimed jobs waiting for a connection, in claim order. */
  private readonly queue: QueuedJob[] = [];
  /** Batches claimed and not yet closed; batches being recorded. */
  private readonly open = new Set<Batch>();
  private readonly records = new Set<Promise<void>>();
  /** Recipient domains paused for refusing the sender, and until when. */
  private readonly paused = new Map<string, { until: string; reason: string }>();
  private inFlight = 0;
  /** No due row was left to claim. */
  private exhausted = false;
  /** What made the store fail the run: thrown once everything sent is recorded. */
  private failure: unknown;
  /** The claim under way, if any (one at a time). */
  private claiming: Promise<void> | undefined;

  constructor(
    private readonly deps: DeliverDeps,
    private readonly issue: Issue,
  ) {
    this.report = { issueId: issue.id, sent: 0, failed: 0, deferred: 0, resumedInFlight: 0, pending: 0, elapsedMs: 0 };
    this.templates = new VariantTemplates(deps, issue);
  }

  /** Takes back what an interrupted run left in flight, then sends until nothing is due, a pause or a stop. */
  async run(): Promise<DeliveryReport> {
    const { deps, issue, report } = this;
    report.resumedInFlight = await deps.store.reclaimStale(deps.now().toISOString(), deps.isDead);
    if (report.resumedInFlight > 0) {
      deps.log.warn(
        `${report.resumedInFlight} messages were in flight when an earlier run stopped; sending them again (possible duplicates, flagged in the ledger)`,
      );
    }
    this.batchSize = deps.batchSize ?? Math.max(10, deps.mailer.concurrency * 4);
    this.leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
    this.remaining = Object.values(await deps.store.countDeliveries(issue.id)).reduce((a, b) => a + b, 0);
    await this.sendAll();
    if (this.failure) throw this.failure;
    if (deps.stop?.requested) report.stopped = true;
    return report;
  }

  /** One sender per connection, the claims' heartbeat meanwhile; then every batch closed and recorded. */
  private async sendAll(): Promise<void> {
    const { deps } = this;
    const heartbeat = setInterval(() => void deps.store.renewClaims(deps.worker, this.leaseUntil()).catch(() => {}), this.leaseMs / 3);
    heartbeat.unref();
    try {
      const senders = Promise.all(Array.from({ length: Math.max(1, deps.mailer.concurrency) }, () => this.sender()));
      const gaveUp = deps.stop ? await deps.stop.within(senders) : (await senders, false);
      await this.claiming;
      this.closeAll(gaveUp);
      await Promise.all([...this.records]);
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** One connection's loop: the next queued job, claiming ahead while this batch's last messages are in flight. */
  private async sender(): Promise<void> {
    while (!this.halted()) {
      if (this.queue.length <= this.deps.mailer.concurrency && !this.exhausted) void this.claim();
      const item = this.queue.shift();
      if (item) await this.sendOne(item);
      else if (this.claiming) await this.claiming;
      else if (this.exhausted) return;
    }
  }

  /** A pause, a stop or a store failure: no new claim, no new send. */
  private halted(): boolean {
    return this.report.paused !== undefined || this.deps.stop?.requested === true || this.failure !== undefined;
  }

  private leaseUntil(): string {
    return new Date(this.deps.now().getTime() + this.leaseMs).toISOString();
  }

  /** Claims the next batch, unless a claim is under way (then that one). */
  private claim(): Promise<void> {
    return (this.claiming ??= this.claimNext());
  }

  /** Claims a batch and reads the paused domains, waiting out a store that is away; queues the jobs. */
  private async claimNext(): Promise<void> {
    const { deps, issue } = this;
    try {
      const now = deps.now().toISOString();
      const [jobs, pauses] = await Promise.all([
        withStoreRetry(() => deps.store.claimDeliveries(issue.id, { limit: this.batchSize, now, leaseUntil: this.leaseUntil(), worker: deps.worker }), {
          what: `claiming deliveries of issue #${issue.id}`,
          warn: (l) => deps.log.warn(l),
          // The lost answer may have claimed rows: once nothing of ours is in flight, every row we hold is such a row.
          beforeRetry: async () => {
            await this.drain();
            await deps.store.releaseClaimsOf(deps.worker);
          },
          abandon: () => deps.stop?.requested === true,
        }),
        withStoreRetry(() => deps.store.pausedDomains(now), {
          what: 'reading the paused domains',
          warn: (l) => deps.log.warn(l),
          abandon: () => deps.stop?.requested === true,
        }),
      ]);
      for (const [domain, p] of pauses) if (!this.paused.has(domain)) this.paused.set(domain, p);
      if (jobs.length === 0) {
        this.exhausted = true;
        return;
      }
      this.enqueue(jobs);
    } catch (err) {
      this.failure ??= err;
    } finally {
      this.claiming = undefined;
    }
  }

  /** Queues a claimed batch; work for its recipients (their signatures) can start before their turn. */
  private enqueue(jobs: DeliveryJob[]): void {
    const { deps, issue } = this;
    const batch = new Batch(jobs);
    this.open.add(batch);
    const byVariant = new Map<number, Recipient[]>();
    for (const job of jobs) {
      const recipient = recipientFor(deps.tokens, issue.id, { id: job.subscriberId, email: job.email }, deps.messageIdDomain);
      this.queue.push({ job, batch, recipient });
      byVariant.set(job.variant, [...(byVariant.get(job.variant) ?? []), recipient]);
    }
    for (const [variant, rs] of byVariant)
      void this.templates.get(variant).then(
        (t) => t.prepare?.(rs),
        () => {},
      );
  }

  /** Nothing of this worker's in flight or waiting to be recorded (what is queued counts, unless the run halted: it will never go). */
  private async drain(): Promise<void> {
    while (this.inFlight > 0 || (!this.halted() && (this.queue.length > 0 || this.open.size > 0))) await new Promise((r) => setTimeout(r, 20));
    await Promise.all([...this.records]);
  }

  /** Sends one job (or defers it, its domain paused) and notes the outcome in its batch. */
  private async sendOne({ job, batch, recipient }: QueuedJob): Promise<void> {
    const { deps } = this;
    const domain = domainOf(job.email) ?? '';
    const pause = this.paused.get(domain);
    if (pause) {
      batch.defer(job, pause.until, `${domain} paused: it refused the sender (${pause.reason})`);
      if (batch.settle()) this.finish(batch);
      return;
    }
    batch.begun.add(job.id);
    this.inFlight++;
    if (deps.stop) deps.stop.inFlight++;
    try {
      const template = await this.templates.get(job.variant);
      const reply = await deps.mailer.send({
        from: deps.bounceDomain ? `bounces+${deps.tokens.verpToken(job.id)}@${deps.bounceDomain}` : deps.envelopeFrom,
        to: job.email,
        raw: () => template.parts(recipient),
        data: () => template.dataParts(recipient),
        name: `issue-${job.issueId}-subscriber-${job.subscriberId}`,
        signed: template.signed,
      });
      if (batch.closed) return;
      batch.results.push({ id: job.id, status: 'sent', messageId: recipient.messageId, reply, at: deps.now().toISOString() });
      this.report.sent++;
      this.consecutiveErrors = 0;
    } catch (err) {
      if (!batch.closed) this.failed(job, batch, domain, err);
    } finally {
      this.inFlight--;
      if (deps.stop) deps.stop.inFlight--;
      if (batch.settle()) this.finish(batch);
    }
  }

  /**
   * A send that failed: a fatal error pauses the run and puts the job back; any other is the
   * job's result (and a report for the bounce policy), a refusal of the sender pauses its domain,
   * and too many failures in a row pause the run.
   */
  private failed(job: DeliveryJob, batch: Batch, domain: string, err: unknown): void {
    const { deps, report } = this;
    const e = err instanceof SendError ? err : new SendError('transient', (err as Error).message);
    if (e.kind === 'fatal') {
      report.paused ??= e.message;
      batch.unsent.push(job.id);
      return;
    }
    this.consecutiveErrors++;
    const result = settleFailure(job, e, deps.now());
    batch.results.push(result);
    const event = refusalEvent(deps.tokens, job, e, result.at);
    if (event) batch.events.push(event);
    if (e.kind === 'sender' && !this.paused.has(domain)) {
      this.paused.set(domain, { until: new Date(deps.now().getTime() + DOMAIN_PAUSE_MS).toISOString(), reason: e.message });
      deps.log.error(
        `${domain} refused the sender (${e.message}): nothing goes to ${domain} for ${DOMAIN_PAUSE_MS / 60_000} min; its readers keep their subscriptions`,
      );
    }
    if (result.status === 'failed') report.failed++;
    else report.deferred++;
    // A refusal of the sender is about one domain, not the run: it does not count toward pausing the run.
    if (e.kind !== 'sender' && this.consecutiveErrors >= deps.maxErrors) report.paused ??= `${this.consecutiveErrors} failed sends in a row (last: ${e.message})`;
  }

  /** Closes a batch and records it (results written while the next batch is sent); then reports progress. */
  private finish(batch: Batch): void {
    if (batch.closed) return;
    const { deps, issue, report } = this;
    batch.close();
    this.open.delete(batch);
    const recorded: Promise<void> = recordBatch({ ...deps, policy: { store: deps.store, tokens: deps.tokens, now: deps.now, log: deps.log } }, issue.id, batch).then(
      () => {
        this.remaining -= batch.results.filter((r) => r.status !== 'pending').length;
        deps.onProgress?.({
          issueId: issue.id,
          sent: report.sent,
          failed: report.failed,
          deferred: report.deferred,
          remaining: this.remaining,
          elapsedMs: Date.now() - this.started,
        });
      },
      (err) => void (this.failure ??= err),
    );
    this.records.add(recorded);
    void recorded.finally(() => this.records.delete(recorded));
  }

  /** After the senders: jobs never begun go back; on a stop that ran out of grace, what is in flight stays `sending`. */
  private closeAll(gaveUp: boolean): void {
    for (const item of this.queue.splice(0)) if (!item.batch.closed && item.batch.settle()) this.finish(item.batch);
    if (gaveUp) {
      const abandoned = [...this.open].reduce((n, b) => n + b.unanswered, 0);
      this.report.abandoned = (this.report.abandoned ?? 0) + abandoned;
      this.deps.log.warn(
        `gave up on ${abandoned} messages still in flight after ${this.deps.stop!.graceMs / 1000} s: they stay marked in flight, ` +
          'and the next run sends them again (flagged as possible duplicates)',
      );
    }
    for (const batch of [...this.open]) this.finish(batch);
  }
}

/** What is left of the issue after a run, and the issue's status from it. */
async function settle(deps: DeliverDeps, issue: Issue, report: DeliveryReport, started: number): Promise<void> {
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
