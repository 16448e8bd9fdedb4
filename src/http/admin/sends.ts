/**
 * The sends started from /admin in this process: "send now" and "resume" run here, in the
 * background, through the same `deliverIssue` as `paperboy send`, so the ledger, its claims and
 * the issue lock keep them from doubling anything another process sends. One send at a time per
 * process; `app.close()` stops it gracefully (what is in flight finishes and is recorded, the
 * rest waits for the next run). An issue's progress is read from the ledger, so it shows a send
 * whoever runs it.
 */
import type { App } from '../../app.js';
import type { DeliveryStatus, Issue } from '../../domain.js';
import { AppError } from '../../errors.js';
import { deliverIssue } from '../../pipeline/deliver.js';
import type { SendDeps } from '../../pipeline/send-job.js';
import { Stop } from '../../pipeline/stop.js';

/** What the sends touch: a mailer and the send's dependencies, the store, the log, shutdown, the flow's clock and background work. */
export type SendsApp = Pick<App, 'mailer' | 'sendDeps' | 'store' | 'log' | 'closing' | 'flow' | 'now'>;

/** A send this process runs. */
interface Job {
  issueId: number;
  startedAt: string;
  done: Promise<void>;
}

/** What the progress of an issue is, as the stream sends it. */
export interface SendProgress {
  issueId: number;
  status: Issue['status'];
  sent: number;
  failed: number;
  skipped: number;
  pending: number;
  sending: number;
  total: number;
  /** A send runs in this process now. */
  running: boolean;
  /** Nothing more will change without another run (sent, paused, or nothing left due here). */
  done: boolean;
}

/** The sends started from /admin in this process (one at a time). */
export class AdminSends {
  private job: Job | undefined;
  private starting = false;

  constructor(private readonly app: SendsApp) {}

  /** The send running now, if any. */
  get running(): Job | undefined {
    return this.job;
  }

  /**
   * Checks the mailer, then starts delivering the issue `build` returns, in the background; a
   * dead SMTP server fails before `build` runs, so that it builds nothing. Throws
   * AppError('LOCKED') while a send started here runs.
   */
  async start(build: (deps: SendDeps) => Promise<Issue>): Promise<Issue> {
    const { app } = this;
    if (this.job || this.starting)
      throw new AppError('LOCKED', `${this.job ? `issue #${this.job.issueId}` : 'an issue'} is being sent from here; wait for it to finish`);
    this.starting = true;
    const mailer = app.mailer();
    const deps = app.sendDeps(mailer);
    let issue: Issue;
    try {
      await mailer.verify();
      issue = await build(deps);
    } catch (err) {
      await mailer.close().catch(() => {});
      throw err;
    } finally {
      this.starting = false;
    }
    const stop = new Stop();
    const onClose = () => stop.request();
    app.closing.addEventListener('abort', onClose, { once: true });
    const run = async () => {
      try {
        const report = await deliverIssue({ ...deps, stop }, issue);
        app.log.info(
          `admin: issue #${issue.id}: ${report.sent} sent, ${report.failed} failed, ${report.deferred} deferred, ${report.pending} pending${report.paused ? `; paused: ${report.paused}` : ''}`,
        );
        if (!report.paused) await this.clearPausedAlert(issue.id);
      } finally {
        app.closing.removeEventListener('abort', onClose);
        await mailer.close();
        this.job = undefined;
      }
    };
    const done = run();
    this.job = { issueId: issue.id, startedAt: app.now().toISOString(), done };
    app.flow.background(done);
    return issue;
  }

  /** The paused alert of an issue that is no longer paused is over. */
  private async clearPausedAlert(issueId: number): Promise<void> {
    const { store, flow } = this.app;
    const issue = await store.getIssue(issueId);
    if (!issue || issue.status === 'paused') return;
    for (const a of await store.openAlerts()) {
      if (a.key === `issue-paused:${issueId}`) await store.clearAlert(a.id, flow.now().toISOString());
    }
  }

  /** An issue's progress, read from the ledger. */
  async progress(issue: Issue): Promise<SendProgress> {
    const counts: Partial<Record<DeliveryStatus, number>> = await this.app.store.countDeliveries(issue.id);
    const n = (k: DeliveryStatus) => counts[k] ?? 0;
    const running = this.job?.issueId === issue.id;
    const total = Object.values(counts).reduce((a, b) => a + (b ?? 0), 0);
    return {
      issueId: issue.id,
      status: issue.status,
      sent: n('sent'),
      failed: n('failed'),
      skipped: n('skipped'),
      pending: n('pending'),
      sending: n('sending'),
      total,
      running,
      // Not sending here, and nothing in flight elsewhere: sent, paused, or waiting for a later run.
      done: !running && (issue.status !== 'sending' || n('sending') === 0),
    };
  }
}
