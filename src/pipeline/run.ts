/**
 * The newsletter's jobs, as the CLI and the scheduler call them: send the next issues
 * (resuming any unfinished one first), and dry-run a send.
 */
import type { Frequency, Issue, Paper } from '../domain.js';
import { FREQUENCIES } from '../domain.js';
import { AppError } from '../errors.js';
import { type BuildOptions, type NoIssue, type PlannedIssue, isDue, isNoIssue, planNextIssue, variantSubject } from '../issue/builder.js';
import { type DeliverDeps, type DeliveryReport, deliverIssue, recipientFor } from './deliver.js';
import type { Mailer } from './ports.js';

/** What `send` needs beyond delivering. */
export interface SendDeps extends DeliverDeps {
  build: Omit<BuildOptions, 'frequency' | 'now'>;
}

/** One line of the send report per cadence or resumed issue. */
export type SendOutcome =
  | { kind: 'delivered'; issue: Issue; report: DeliveryReport; resumed: boolean }
  | { kind: 'nothing'; frequency: Frequency; why: NoIssue | { reason: 'not-due'; last: Issue } };

/**
 * Resumes unfinished issues, then builds and delivers the next issue of every cadence that is
 * due. Checks the mailer first: a dead SMTP server fails before anything is written.
 */
export async function sendNext(deps: SendDeps, only?: Frequency, opts: { resumeOnly?: boolean } = {}): Promise<SendOutcome[]> {
  await deps.mailer.verify();
  const out: SendOutcome[] = [];
  for (const issue of await deps.store.unfinishedIssues()) {
    if (only && issue.frequency !== only) continue;
    const report = await deliverIssue(deps, issue);
    out.push({ kind: 'delivered', issue, report, resumed: true });
    if (report.paused) return out;
  }
  if (opts.resumeOnly) return out;
  for (const frequency of only ? [only] : FREQUENCIES) {
    const now = deps.now();
    const last = await deps.store.lastIssue(frequency);
    if (!only && !isDue(frequency, last, now, deps.build)) {
      if (last) out.push({ kind: 'nothing', frequency, why: { reason: 'not-due', last } });
      continue;
    }
    const planned = await planNextIssue(deps.store, { ...deps.build, frequency, now });
    if (isNoIssue(planned)) {
      out.push({ kind: 'nothing', frequency, why: planned });
      continue;
    }
    const issue = await deps.store.createIssue(planned.plan);
    const report = await deliverIssue(deps, issue);
    out.push({ kind: 'delivered', issue, report, resumed: false });
    if (report.paused) break;
  }
  return out;
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
