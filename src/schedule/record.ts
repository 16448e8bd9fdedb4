/**
 * Records a scheduler run (tick) in the store as it goes: started, what each source gave, what
 * the send did; at the end each source's health and the operator's alerts. Recording never
 * breaks a tick: every failure here is logged and the tick goes on. An `ingest` run (the admin's
 * "ingest now") is recorded the same way, without a send: no issues, an "ingest only" summary.
 */
import type { App } from '../app.js';
import { toAppError } from '../errors.js';
import { checkAlerts } from '../pipeline/alerts.js';
import type { IngestReport } from '../pipeline/ingest.js';
import { runSummary } from '../pipeline/describe-run.js';
import type { SendOutcome } from '../pipeline/send-outcome.js';
import { runIssues, runSource } from '../pipeline/run-record.js';
import { alertMail } from '../send/alert-mail.js';
import { KEEP_RUNS, type RunSource, type RunTrigger } from '../store/runs.js';

/** One tick's record; `finish()` writes it. */
export class TickRecord {
  private readonly sources: { result: RunSource; at: string }[] = [];
  private outcomes: SendOutcome[] | undefined;
  private sendError: string | undefined;
  private via = '';

  private constructor(
    private readonly app: App,
    private readonly trigger: RunTrigger,
    private readonly startedAt: string,
    private id: number | undefined,
    private readonly clock: () => Date,
  ) {}

  /** The app's clock (fixed in tests), or the one `start` was given. */
  private now(): Date {
    return this.clock();
  }

  /**
   * Records the run as started (a run that never finishes shows as such in `status`). Times come
   * from `now`, by default the app's clock.
   */
  static async start(app: App, trigger: RunTrigger, now: () => Date = app.now): Promise<TickRecord> {
    const startedAt = now().toISOString();
    let id: number | undefined;
    try {
      id = await app.store.startRun(trigger, startedAt);
    } catch (err) {
      app.log.error(`recording the run failed: ${toAppError(err).message}`);
    }
    return new TickRecord(app, trigger, startedAt, id, now);
  }

  /** A source was ingested. */
  ingested(source: string, report: IngestReport): void {
    this.sources.push({ result: runSource(source, report), at: this.now().toISOString() });
  }

  /** A source failed. */
  failed(source: string, err: unknown): void {
    this.sources.push({ result: runSource(source, { error: toAppError(err).message }), at: this.now().toISOString() });
  }

  /** What `sendNext` returned, and through what it sent. */
  sent(outcomes: SendOutcome[], via: string): void {
    this.outcomes = outcomes;
    this.via = via;
  }

  /** The send could not run (a dead SMTP server, a store error). */
  sendFailed(err: unknown): void {
    this.sendError = toAppError(err).message;
  }

  /** Writes the run, updates each source's health, and opens or clears alerts. Never throws. */
  async finish(): Promise<void> {
    const { app } = this;
    const mail = app.config.OPERATOR_EMAIL
      ? alertMail(
          app.config,
          () => app.mailer(),
          app.tokens.installTag,
          () => this.now(),
        )
      : undefined;
    try {
      const sources = this.sources.map((s) => s.result);
      const issues = runIssues(this.outcomes, {
        sources,
        resumeOnly: this.trigger === 'start-up',
        ingestOnly: this.trigger === 'ingest',
        via: this.via,
        weeklyDay: app.config.WEEKLY_DAY,
        ...(this.sendError ? { sendError: this.sendError } : {}),
      });
      const finishedAt = this.now().toISOString();
      this.id ??= await app.store.startRun(this.trigger, this.startedAt);
      await app.store.finishRun(this.id, { finishedAt, sources, issues, summary: runSummary(issues, { trigger: this.trigger, sources }) }, KEEP_RUNS);
      const health = [];
      for (const s of this.sources) {
        const r = s.result;
        health.push(await app.store.recordSourceResult(r.source, r.status === 'failed' ? { ok: false, error: r.error ?? 'failed' } : { ok: true }, s.at));
      }
      const pausedNow = new Map<number, string>();
      for (const o of this.outcomes ?? []) if (o.kind === 'delivered' && o.report.paused) pausedNow.set(o.issue.id, o.report.paused);
      await checkAlerts(
        { store: app.store, log: app.log, now: () => this.now(), alertAfter: app.config.ALERT_AFTER_FAILURES, mail },
        { health, pausedNow, ...(this.sendError ? { sendError: this.sendError } : {}) },
      );
    } catch (err) {
      app.log.error(`recording the run failed: ${toAppError(err).message}`);
    } finally {
      await mail?.close().catch(() => {});
    }
  }
}
