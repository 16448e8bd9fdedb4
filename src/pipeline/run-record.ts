/**
 * A scheduler run, as the store records it: what each source gave, and per cadence the issue
 * built (or resumed) or why there was none. The reasons a run adds to the builder's: every
 * source failed, an issue paused (later cadences are not tried), the send could not start, a
 * start-up run (it builds nothing new). An `ingest` run (the admin's "ingest now") has no issues.
 */
import { FREQUENCIES, type Frequency } from '../domain.js';
import type { RunIssue, RunSource } from '../store/runs.js';
import type { IngestReport } from './ingest.js';
import { describeOutcome } from './describe-run.js';
import type { SendOutcome } from './send-outcome.js';

/** What one source gave, from its ingest report or its error line. */
export function runSource(source: string, result: IngestReport | { error: string }): RunSource {
  if ('error' in result) return { source, status: 'failed', added: 0, updated: 0, unchanged: 0, error: result.error };
  return {
    source,
    status: result.notModified.length > 0 ? 'not-modified' : 'ingested',
    added: result.added,
    updated: result.updated,
    unchanged: result.unchanged,
    error: null,
  };
}

/** What the run knew besides the send's outcomes. */
export interface RunContext {
  sources: RunSource[];
  /** A start-up run: it resumes and builds nothing new. */
  resumeOnly: boolean;
  /** An `ingest` run: sources only, no send (no cadence was tried: no issues to tell of). */
  ingestOnly?: boolean;
  /** The send's one-line error when it could not start (a dead SMTP server); outcomes are then absent. */
  sendError?: string;
  /** Where the messages went (for the notes). */
  via: string;
  weeklyDay?: string;
}

/** Per cadence: the issue built or resumed, or why none, from what `sendNext` returned. */
export function runIssues(outcomes: SendOutcome[] | undefined, ctx: RunContext): RunIssue[] {
  if (ctx.ingestOnly) return [];
  const out: RunIssue[] = [];
  const failed = ctx.sources.filter((s) => s.status === 'failed').length;
  const allFailed = ctx.sources.length > 0 && failed === ctx.sources.length;
  if (!outcomes) {
    for (const frequency of FREQUENCIES) {
      out.push({ frequency, issue: null, reason: 'send-failed', note: `${frequency}: nothing sent: ${ctx.sendError ?? 'the send failed'}` });
    }
    return out;
  }
  const tried = new Set<Frequency>();
  let paused: number | undefined;
  let stopped = false;
  for (const o of outcomes) {
    if (o.kind === 'delivered') {
      const r = o.report;
      if (!o.resumed) tried.add(o.issue.frequency);
      if (r.paused) paused ??= o.issue.id;
      if (r.stopped) stopped = true;
      out.push({
        frequency: o.issue.frequency,
        issue: {
          id: o.issue.id,
          subject: o.issue.subject,
          resumed: o.resumed,
          sent: r.sent,
          failed: r.failed,
          deferred: r.deferred,
          pending: r.pending,
          paused: r.paused ?? null,
        },
        reason: r.paused ? 'paused' : null,
        note: r.paused ? `${o.issue.frequency}: issue #${o.issue.id} paused (${r.sent} sent, ${r.pending} waiting): ${r.paused}` : describeOutcome(o, ctx.via).line,
      });
      continue;
    }
    tried.add(o.frequency);
    if (o.why.reason === 'no-new-papers' && allFailed) {
      const n = ctx.sources.length === 1 ? 'the source' : `all ${ctx.sources.length} sources`;
      out.push({ frequency: o.frequency, issue: null, reason: 'sources-failed', note: `${o.frequency}: no new papers: ${n} failed; nothing sent` });
      continue;
    }
    const partly = o.why.reason === 'no-new-papers' && failed > 0 ? ` (${failed} of ${ctx.sources.length} sources failed)` : '';
    out.push({ frequency: o.frequency, issue: null, reason: o.why.reason, note: `${describeOutcome(o, ctx.via).line}${partly}` });
  }
  // Cadences sendNext said nothing about: a start-up run, a stop, a paused issue, or not due yet.
  for (const frequency of FREQUENCIES) {
    if (tried.has(frequency)) continue;
    if (ctx.resumeOnly) {
      out.push({ frequency, issue: null, reason: 'start-up', note: `${frequency}: start-up run: new issues go out at SCHEDULE times only` });
    } else if (stopped) {
      out.push({ frequency, issue: null, reason: 'stopped', note: `${frequency}: not tried: the scheduler was stopping` });
    } else if (paused !== undefined) {
      out.push({ frequency, issue: null, reason: 'paused', note: `${frequency}: not tried: issue #${paused} paused` });
    } else {
      const day = frequency === 'weekly' && ctx.weeklyDay ? ` (goes out on ${ctx.weeklyDay})` : '';
      out.push({ frequency, issue: null, reason: 'not-due', note: `${frequency}: not due${day}` });
    }
  }
  return out;
}
