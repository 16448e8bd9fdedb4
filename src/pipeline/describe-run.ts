/**
 * Human-readable lines about what a send did, shared by the CLI and the scheduler's log, and
 * about what the scheduler's runs did and how each source fares (`paperboy status`).
 */
import type { Frequency } from '../domain.js';
import { utcTime } from '../lib/time.js';
import type { NoIssue } from '../issue/builder.js';
import type { Alert, RunIssue, RunRecord, RunSource, RunTrigger, SourceHealth } from '../store/runs.js';
import type { DeliveryReport } from './delivery-types.js';
import type { SendOutcome } from './send-outcome.js';

const minute = (at: Date | string) => utcTime(at);

/**
 * "2 deferred, next try at 2026-03-18 08:30 UTC (1 of them may have arrived already: a possible
 * duplicate)": deliveries waiting for their retry, as `status` says it. Not "sent again": they
 * have not gone out again yet.
 */
export function describeDeferred(d: { count: number; next: string | null; possibleDuplicates: number }): string {
  const flagged = d.possibleDuplicates ? ` (${d.possibleDuplicates} of them may have arrived already: a possible duplicate)` : '';
  return `${d.count} deferred${d.next ? `, next try at ${minute(d.next)}` : ''}${flagged}`;
}

/** Why a cadence has no issue: the builder's reasons, "not due", or any reason added later. */
export type NoIssueWhy = NoIssue | { reason: 'not-due'; last: { id: number; createdAt: string } } | { reason: string };

/** One line saying why a cadence has no issue. */
export function describeNoIssue(frequency: Frequency, why: NoIssueWhy): string {
  if (why.reason === 'no-subscribers') return `${frequency}: no active subscribers`;
  if (why.reason === 'no-new-papers') {
    const last = (why as Extract<NoIssue, { reason: 'no-new-papers' }>).since;
    return `${frequency}: no new papers${last ? ` since issue #${last.id} (${minute(last.createdAt)})` : ''}`;
  }
  if (why.reason === 'not-due' && 'last' in why) return `${frequency}: not due (last issue #${why.last.id} on ${why.last.createdAt.slice(0, 10)})`;
  // A reason this file does not know yet (a lock held elsewhere…): its own message, else its name.
  const message = 'message' in why && typeof why.message === 'string' ? why.message : why.reason.replace(/-/g, ' ');
  return `${frequency}: ${message}`;
}

/** One line for one outcome of a send, and why the run must exit non-zero (a paused issue). */
export function describeOutcome(o: SendOutcome, via: string): { line: string; paused: string | undefined } {
  if (o.kind === 'nothing') {
    const line = describeNoIssue(o.frequency, o.why);
    return { line: o.why.reason === 'not-due' ? line : `${line}; nothing sent`, paused: undefined };
  }
  const r = o.report;
  // Deliveries waiting for their reader's local time (DELIVER_AT) are not retries: said apart.
  const local = localTimeNote(r);
  const retrying = r.pending - (r.waitingForLocalTime ?? 0);
  const retryAt = r.nextRetryAt ?? (local ? undefined : r.nextAttemptAt);
  const next = retryAt ? ` (next attempt ${minute(retryAt)})` : '';
  if (o.resumed && r.sent + r.failed + r.deferred === 0 && !r.paused) {
    const waits = [local, (retrying > 0 || !local) && `${retrying} deliveries waiting to be retried${next}`].filter(Boolean).join('; ');
    return { line: `Issue #${o.issue.id} (${o.issue.frequency}): ${waits}`, paused: undefined };
  }
  const extra = [
    r.deferred && `${r.deferred} deferred${next}`,
    local,
    !r.deferred && !r.paused && !r.stopped && retrying > 0 && `${retrying} waiting${next}`,
    r.resumedInFlight && `${r.resumedInFlight} resent after an interrupted run (possible duplicates)`,
    r.stopped && `stopped: ${r.pending} left for the next run${r.abandoned ? ` (${r.abandoned} given up in flight, resent flagged)` : ''}`,
  ]
    .filter(Boolean)
    .join(', ');
  const seconds = r.elapsedMs / 1000;
  const speed = r.sent > 0 ? ` in ${seconds.toFixed(1)} s (${Math.round(r.sent / Math.max(seconds, 0.001))}/s)` : '';
  const line =
    `${o.resumed ? 'Resumed' : 'Sent'} issue #${o.issue.id} (${o.issue.frequency}) "${o.issue.subject}": ` +
    `${r.sent} sent, ${r.failed} failed${extra ? `, ${extra}` : ''} via ${via}${speed}`;
  return { line, paused: r.paused ? `issue #${o.issue.id} paused: ${r.paused}; run \`paperboy send\` again to resume` : undefined };
}

/** "3 deliveries wait for their local time, the next at 2026-03-07 23:00 UTC", or '' when none. */
function localTimeNote(r: DeliveryReport): string {
  const n = r.waitingForLocalTime ?? 0;
  if (n === 0) return '';
  const next = r.nextLocalTime ? `, the next at ${minute(r.nextLocalTime)}` : '';
  return `${n} ${n === 1 ? 'delivery waits for its' : 'deliveries wait for their'} local time${next}`;
}

/** Lines for the send report, and why the run must exit non-zero (a paused issue) if it must. */
export function describeOutcomes(outcomes: SendOutcome[], via: string): { lines: string[]; incomplete: string | undefined } {
  const lines: string[] = [];
  let incomplete: string | undefined;
  // "No active subscribers" matters only when nothing else happened (most lists have one cadence).
  const quiet = outcomes.some((o) => o.kind === 'delivered' || (o.kind === 'nothing' && o.why.reason !== 'no-subscribers'));
  for (const o of outcomes) {
    if (o.kind === 'nothing' && o.why.reason === 'no-subscribers' && quiet) continue;
    const { line, paused } = describeOutcome(o, via);
    lines.push(line);
    incomplete ??= paused;
  }
  return { lines, incomplete };
}

/** What one source gave in a run: "77 new, 0 updated, 0 unchanged", "not modified", "failed: …". */
export function describeRunSource(s: RunSource): string {
  if (s.status === 'failed') return `failed: ${s.error ?? 'unknown error'}`;
  if (s.status === 'not-modified') return 'not modified (304)';
  return `${s.added} new, ${s.updated} updated, ${s.unchanged} unchanged`;
}

/** Reasons that explain nothing on their own when another cadence has a story to tell. */
const BACKGROUND: readonly string[] = ['no-subscribers', 'not-due'];

/**
 * One line for a run: what went out, or why nothing did. An `ingest` run (given `run`) sends
 * nothing by design: what its sources gave ("ingest only: 3 new papers from 2 sources, 1 failed").
 */
export function runSummary(issues: RunIssue[], run?: { trigger: RunTrigger; sources: RunSource[] }): string {
  if (run?.trigger === 'ingest') return ingestSummary(run.sources);
  const sent = issues.filter((i) => i.issue && i.issue.sent > 0);
  if (sent.length > 0) {
    const paused = issues.filter((i) => i.issue?.paused).map((i) => `; issue #${i.issue!.id} paused: ${i.issue!.paused}`);
    return `sent ${sent.map((i) => `issue #${i.issue!.id} (${i.frequency}) to ${i.issue!.sent}`).join(', ')}${paused.join('')}`;
  }
  const told = issues.filter((i) => !BACKGROUND.includes(i.reason ?? ''));
  return `nothing sent: ${(told.length > 0 ? told : issues).map((i) => i.note).join('; ') || 'no cadence ran'}`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "ingest only: 3 new papers from 2 sources, 1 failed": what an `ingest` run's sources gave. */
export function ingestSummary(sources: RunSource[]): string {
  if (sources.length === 0) return 'ingest only: no source configured';
  const failed = sources.filter((s) => s.status === 'failed').length;
  const ok = sources.length - failed;
  if (ok === 0) return `ingest only: ${failed === 1 ? 'the source' : `all ${failed} sources`} failed`;
  const sum = (k: 'added' | 'updated') => sources.reduce((n, s) => n + s[k], 0);
  const updated = sum('updated');
  return (
    `ingest only: ${plural(sum('added'), 'new paper')}${updated ? `, ${updated} updated` : ''} from ${plural(ok, 'source')}` +
    `${failed ? `, ${failed} failed` : ''}`
  );
}

/** Lines describing a run for `status`: when, the summary, each source, each cadence. */
export function describeRun(run: RunRecord): string[] {
  const took = run.finishedAt ? `, took ${((Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000).toFixed(1)} s` : ', not finished';
  const lines = [`Last run: ${minute(run.startedAt)} (${run.trigger}${took}): ${run.summary ?? 'running, or stopped before it finished'}`];
  for (const s of run.sources) lines.push(`  ingested ${s.source}: ${describeRunSource(s)}`);
  for (const i of run.issues) lines.push(`  ${i.note}`);
  return lines;
}

/** One line of a source's health: "ok (last success …)" or "failing 3 runs in a row since …: error". */
export function describeHealth(h: SourceHealth | undefined): string {
  if (!h) return 'not run yet';
  if (h.consecutiveFailures > 0) {
    const runs = h.consecutiveFailures === 1 ? '1 run' : `${h.consecutiveFailures} runs in a row`;
    const ok = h.lastSuccessAt ? `; last success ${minute(h.lastSuccessAt)}` : '; never succeeded';
    return `failing (${runs}, since ${minute(h.failingSince ?? h.lastFailureAt!)}${ok}): ${h.lastError ?? 'unknown error'}`;
  }
  const failed = h.lastFailureAt ? `; last failure ${minute(h.lastFailureAt)}` : '';
  return `ok (last success ${minute(h.lastSuccessAt!)}${failed})`;
}

/** One line of an open alert. */
export function describeAlert(a: Alert): string {
  return `${a.subject} (since ${minute(a.openedAt)}; ${a.alertedAt ? `emailed ${minute(a.alertedAt)}` : 'not emailed'})`;
}
