/**
 * Delivering one issue: the ledger drives the run.
 *
 * Each delivery row is claimed (`sending`, attempts + 1) before its message goes out and
 * settled after (`sent`, `failed`, or back to `pending` to retry), so a second run right after
 * sends nothing, and a crash leaves at most the in-flight rows in `sending`, which the next run
 * sends again and counts as possible duplicates. Each variant's message is built once; a
 * recipient costs one personalised copy.
 */
import type { DeliveryJob, Issue } from '../domain.js';
import type { Log } from '../log.js';
import type { DeliveryResult, Store } from '../store/store.js';
import type { Tokens } from '../subscriptions/tokens.js';
import { type Composer, type Mailer, type MessageTemplate, type Recipient, SendError } from './ports.js';

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
  /** Rows claimed per ledger transaction. */
  batchSize?: number;
}

/** The outcome of one run over one issue. */
export interface DeliveryReport {
  issueId: number;
  sent: number;
  failed: number;
  deferred: number;
  /** Rows found in `sending` from an earlier, interrupted run: sent again, may be duplicates. */
  resumedInFlight: number;
  /** Why the run stopped early, if it did. */
  paused?: string;
  /** Deliveries still pending after the run. */
  pending: number;
}

/**
 * The Message-ID of (issue, subscriber): deterministic, so a resend carries the same id, and
 * unique across installations through a tag derived from the secret key (computed once).
 */
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

/** Sends every pending delivery of `issue` once; returns what happened. */
export async function deliverIssue(deps: DeliverDeps, issue: Issue): Promise<DeliveryReport> {
  const { store, mailer, log } = deps;
  const report: DeliveryReport = { issueId: issue.id, sent: 0, failed: 0, deferred: 0, resumedInFlight: 0, pending: 0 };
  report.resumedInFlight = await store.releaseDeliveries(issue.id);
  if (report.resumedInFlight > 0) {
    log.warn(`issue #${issue.id}: ${report.resumedInFlight} messages were in flight when an earlier run stopped; sending them again (possible duplicates)`);
  }

  const variants = await store.issueVariants(issue.id);
  const templates = new Map<number, Promise<MessageTemplate>>();
  const templateFor = (variant: number) => {
    let t = templates.get(variant);
    if (!t) {
      t = deps.compose({
        subject: issue.subject,
        issueDate: issue.issueDate,
        frequency: issue.frequency,
        papers: variants.get(variant) ?? [],
        issueId: issue.id,
      });
      templates.set(variant, t);
    }
    return t;
  };

  let afterId = 0;
  let consecutiveErrors = 0;
  while (!report.paused) {
    const jobs = await store.claimDeliveries(issue.id, deps.batchSize ?? 200, deps.now().toISOString(), afterId);
    if (jobs.length === 0) break;
    afterId = jobs[jobs.length - 1]!.id;

    const results: DeliveryResult[] = [];
    const unsent: number[] = [];
    const suppress: number[] = [];
    await forEachLimit(jobs, mailer.concurrency, async (job) => {
      if (report.paused) {
        unsent.push(job.id);
        return;
      }
      const recipient = recipientFor(deps.tokens, issue.id, { id: job.subscriberId, email: job.email }, deps.messageIdDomain);
      const { messageId } = recipient;
      try {
        const template = await templateFor(job.variant);
        const raw = template.parts(recipient);
        await mailer.send({ from: deps.envelopeFrom, to: job.email, raw, name: outboxName(job) });
        results.push({ id: job.id, status: 'sent', messageId, at: deps.now().toISOString() });
        report.sent++;
        consecutiveErrors = 0;
      } catch (err) {
        const e = err instanceof SendError ? err : new SendError('transient', (err as Error).message);
        const at = deps.now().toISOString();
        if (e.kind === 'fatal') {
          report.paused ??= e.message;
          unsent.push(job.id);
          return;
        }
        consecutiveErrors++;
        if (e.kind === 'permanent') {
          results.push({ id: job.id, status: 'failed', error: e.message, at });
          suppress.push(job.subscriberId);
          report.failed++;
        } else {
          results.push({ id: job.id, status: 'pending', error: e.message, at });
          report.deferred++;
        }
        if (consecutiveErrors >= deps.maxErrors) {
          report.paused ??= `${consecutiveErrors} failed sends in a row (last: ${e.message})`;
        }
      }
    });
    await store.transaction(async (tx) => {
      await tx.recordDeliveries(results);
      await tx.releaseDeliveries(issue.id, unsent);
      const at = deps.now().toISOString();
      for (const id of suppress) await tx.setSubscriberStatus(id, 'suppressed', at);
    });
  }

  const counts = await store.countDeliveries(issue.id);
  report.pending = (counts.pending ?? 0) + (counts.sending ?? 0);
  const done = report.pending === 0;
  await store.setIssueStatus(issue.id, done ? 'sent' : 'paused', deps.now().toISOString());
  if (report.paused) log.error(`issue #${issue.id} paused: ${report.paused}`);
  return report;
}

function outboxName(job: DeliveryJob): string {
  return `issue-${job.issueId}-subscriber-${job.subscriberId}`;
}

/** Runs `fn` over `items` with at most `limit` calls in flight. */
async function forEachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}
