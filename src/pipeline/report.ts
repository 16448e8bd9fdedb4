/**
 * Human-readable lines about what a send did, shared by the CLI and the scheduler's log.
 */
import type { Frequency } from '../domain.js';
import type { NoIssue } from '../issue/builder.js';
import type { SendOutcome } from './run.js';

/** One line saying why a cadence has no issue. */
export function describeNoIssue(frequency: Frequency, why: NoIssue): string {
  if (why.reason === 'no-subscribers') return `${frequency}: no active subscribers`;
  const since = why.since ? ` since issue #${why.since.id} (${why.since.createdAt.slice(0, 16).replace('T', ' ')} UTC)` : '';
  return `${frequency}: no new papers${since}`;
}

/** Lines for the send report, and why the run must exit non-zero (a paused issue) if it must. */
export function describeOutcomes(outcomes: SendOutcome[], via: string): { lines: string[]; incomplete: string | undefined } {
  const lines: string[] = [];
  let incomplete: string | undefined;
  // "No active subscribers" matters only when nothing else happened (most lists have one cadence).
  const quiet = outcomes.some((o) => o.kind === 'delivered' || (o.kind === 'nothing' && o.why.reason !== 'no-subscribers'));
  for (const o of outcomes) {
    if (o.kind === 'nothing' && o.why.reason === 'no-subscribers' && quiet) continue;
    if (o.kind === 'nothing') {
      if (o.why.reason === 'not-due') {
        lines.push(`${o.frequency}: not due (last issue #${o.why.last.id} on ${o.why.last.createdAt.slice(0, 10)})`);
      } else {
        lines.push(`${describeNoIssue(o.frequency, o.why)}; nothing sent`);
      }
      continue;
    }
    const r = o.report;
    if (o.resumed && r.sent + r.failed + r.deferred === 0 && !r.paused) {
      const when = r.nextAttemptAt ? ` (next attempt ${r.nextAttemptAt.slice(0, 16).replace('T', ' ')} UTC)` : '';
      lines.push(`Issue #${o.issue.id} (${o.issue.frequency}): ${r.pending} deliveries waiting to be retried${when}`);
      continue;
    }
    const extra = [
      r.deferred && `${r.deferred} deferred${r.nextAttemptAt ? ` (next attempt ${r.nextAttemptAt.slice(0, 16).replace('T', ' ')} UTC)` : ''}`,
      r.resumedInFlight && `${r.resumedInFlight} resent after an interrupted run (possible duplicates)`,
    ]
      .filter(Boolean)
      .join(', ');
    const seconds = r.elapsedMs / 1000;
    const speed = r.sent > 0 ? ` in ${seconds.toFixed(1)} s (${Math.round(r.sent / Math.max(seconds, 0.001))}/s)` : '';
    lines.push(
      `${o.resumed ? 'Resumed' : 'Sent'} issue #${o.issue.id} (${o.issue.frequency}) "${o.issue.subject}": ` +
        `${r.sent} sent, ${r.failed} failed${extra ? `, ${extra}` : ''} via ${via}${speed}`,
    );
    if (r.paused) incomplete = `issue #${o.issue.id} paused: ${r.paused}; run \`paperboy send\` again to resume`;
  }
  return { lines, incomplete };
}

