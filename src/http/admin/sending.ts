/**
 * Sending from the browser: "send now" (the next issue of a cadence, behind a confirmation
 * page), "resume" (a paused issue), and the live progress of an issue's send as server-sent
 * events.
 *
 * A send started here runs in this process, in the background (the answer redirects to the
 * issue's page at once), through the same `buildIssueNow` and `deliverIssue` as `paperboy send`,
 * so the ledger, its claims and the issue lock keep it from doubling anything another process
 * sends. One send at a time per process; `app.close()` stops it gracefully (what is in flight
 * finishes and is recorded, the rest waits for the next run). The progress stream reads the
 * ledger, so it shows a send whoever runs it.
 */
import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import { streamSSE } from 'hono/streaming';
import { type App, mailTargetOf } from '../../app.js';
import type { DeliveryStatus, Frequency, Issue } from '../../domain.js';
import { AppError, toAppError } from '../../errors.js';
import { isNoIssue, planNextIssue } from '../../issue/builder.js';
import { deliverIssue } from '../../pipeline/deliver.js';
import { describeNoIssue } from '../../pipeline/describe-run.js';
import { type SendDeps, buildIssueNow } from '../../pipeline/send-job.js';
import { Stop } from '../../pipeline/stop.js';
import { siteCspWith } from '../security.js';
import { type AdminDeps, adminPage, messagePage } from './pages.js';

/** How often the progress stream reads the ledger. */
export const PROGRESS_INTERVAL_MS = 500;
/** The script of the issue page (live progress); served behind the admin gate. */
export const PROGRESS_SCRIPT = '/admin/assets/progress.js';

/** A send this process runs. */
interface Job {
  issueId: number;
  startedAt: string;
  done: Promise<void>;
}

/** What the progress of an issue is, as the stream sends it. */
export interface Progress {
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

  constructor(private readonly app: App) {}

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
    if (this.job || this.starting) throw new AppError('LOCKED', `${this.job ? `issue #${this.job.issueId}` : 'an issue'} is being sent from here; wait for it to finish`);
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
        app.log.info(`admin: issue #${issue.id}: ${report.sent} sent, ${report.failed} failed, ${report.deferred} deferred, ${report.pending} pending${report.paused ? `; paused: ${report.paused}` : ''}`);
        if (!report.paused) await this.clearPausedAlert(issue.id);
      } finally {
        app.closing.removeEventListener('abort', onClose);
        await mailer.close();
        this.job = undefined;
      }
    };
    const done = run();
    this.job = { issueId: issue.id, startedAt: app.flow.now().toISOString(), done };
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
  async progress(issue: Issue): Promise<Progress> {
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

/** The page's CSP: the site's, plus the progress stream (connect-src). */
export const PROGRESS_PAGE_CSP = siteCspWith({ connectSrc: ["'self'"] });

/** The progress section of an issue's page: counts, a bar, and the stream's URL for the script. */
export function progressSection(p: Progress) {
  const settled = p.sent + p.failed + p.skipped;
  const count = (k: keyof Progress, label: string) => html`<div><dt>${label}</dt><dd data-count="${k}">${p[k] as number}</dd></div>`;
  // A page opened while the send runs reloads when it ends (to list the failures); the script reads it.
  return html`<section class="card" aria-labelledby="progress" data-progress-src="/admin/issues/${p.issueId}/progress"${p.running ? html` data-was-running` : ''}>
<h2 id="progress">Deliveries</h2>
<progress id="progress-bar" max="${Math.max(1, p.total)}" value="${settled}" aria-label="Settled deliveries">${settled} of ${p.total}</progress>
<p class="progress" aria-live="polite"><span data-settled>${settled}</span> of <span data-total>${p.total}</span> settled; <span data-state-text>${stateText(p)}</span></p>
<dl class="stats">${count('sent', 'Sent')}${count('failed', 'Failed')}${count('skipped', 'Skipped')}${count('pending', 'Pending')}${count('sending', 'In flight')}</dl>
</section>`;
}

/** "sending now", "sent", "paused", "waiting for a run". */
function stateText(p: Progress): string {
  if (p.running) return 'sending now from this server';
  if (p.status === 'sent') return 'sent';
  if (p.status === 'paused') return 'paused';
  return p.pending + p.sending > 0 ? 'waiting for the next run (retries, local times)' : 'settled';
}

/** GET /admin/issues/next/:frequency/send: what would go out, and the button. */
function confirmPage(name: string, csrf: string, frequency: Frequency, next: { subject: string; papers: number; recipients: number }, target: string) {
  return adminPage(
    name,
    csrf,
    'issues',
    html`<h1>Send the ${frequency} issue now?</h1>
<form class="card" method="post" action="/admin/issues/next/${frequency}/send">
<p><strong>${next.subject}</strong></p>
<p>${next.papers} papers to <strong>${next.recipients}</strong> recipient${next.recipients === 1 ? '' : 's'}, through ${target}. It cannot be called back once it has gone out.</p>
<input type="hidden" name="csrf" value="${csrf}">
<p class="actions"><button type="submit" class="danger">Send to ${next.recipients} now</button> <a href="/admin/issues/next/${frequency}/preview">Preview it first</a> <a href="/admin/issues">Cancel</a></p></form>`,
    { title: `Send the ${frequency} issue` },
  );
}

/** The progress script: follows the stream, updates the counts, reloads when the send is over. */
const PROGRESS_JS = `(function () {
  var box = document.querySelector('[data-progress-src]');
  if (!box || typeof EventSource !== 'function') return;
  var bar = box.querySelector('progress');
  var source = new EventSource(box.getAttribute('data-progress-src'));
  function set(sel, v) { var el = box.querySelector(sel); if (el) el.textContent = String(v); }
  source.addEventListener('progress', function (e) {
    var p = JSON.parse(e.data);
    var settled = p.sent + p.failed + p.skipped;
    ['sent', 'failed', 'skipped', 'pending', 'sending'].forEach(function (k) { set('[data-count="' + k + '"]', p[k]); });
    set('[data-settled]', settled);
    set('[data-total]', p.total);
    set('[data-state-text]', p.running ? 'sending now from this server' : p.status);
    if (bar) { bar.max = Math.max(1, p.total); bar.value = settled; bar.textContent = settled + ' of ' + p.total; }
    var status = document.querySelector('[data-status]');
    if (status) status.textContent = p.status;
    if (p.done) { source.close(); if (box.hasAttribute('data-was-running')) window.location.reload(); }
  });
  source.addEventListener('error', function () { if (source.readyState === EventSource.CLOSED) set('[data-state-text]', 'live progress lost: reload the page'); });
})();
`;

/** Installs the routes; call after the admin gate is in place. */
export function sendingRoutes(http: Hono, app: App, deps: AdminDeps, sends: AdminSends = new AdminSends(app)): AdminSends {
  const { name, now, csrfOf } = deps;
  const frequencyOf = (c: Context) => c.req.param('frequency') as Frequency;
  const refusal = (c: Context, err: unknown) => {
    const e = toAppError(err);
    if (!(err instanceof AppError)) app.log.error(`admin: send failed to start: ${e.message}`);
    return c.html(messagePage(name, `Nothing was sent: ${e.message}`), e.code === 'LOCKED' ? 409 : (e.httpStatus as 503));
  };

  http.get(PROGRESS_SCRIPT, (c) => {
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    return c.body(PROGRESS_JS);
  });

  http.get('/admin/issues/next/:frequency{daily|weekly}/send', async (c) => {
    const frequency = frequencyOf(c);
    const planned = await planNextIssue(app.store, app.buildOptions(frequency, now()));
    if (isNoIssue(planned)) return c.html(messagePage(name, `${describeNoIssue(frequency, planned)}: nothing to send.`), 409);
    const papers = planned.variants.get(0)?.length ?? 0;
    return c.html(confirmPage(name, csrfOf(c), frequency, { subject: planned.plan.subject, papers, recipients: planned.recipients }, mailTargetOf(app.config)));
  });

  http.post('/admin/issues/next/:frequency{daily|weekly}/send', async (c) => {
    const frequency = frequencyOf(c);
    let nothing: string | undefined;
    try {
      const issue = await sends.start(async (sendDeps) => {
        const built = await buildIssueNow(sendDeps, frequency);
        if ('id' in built) return built;
        nothing = 'message' in built ? built.message : describeNoIssue(frequency, built);
        throw new AppError('INPUT_INVALID', nothing);
      });
      app.log.info(`admin: send now: issue #${issue.id} (${frequency}) started`);
      return c.redirect(`/admin/issues/${issue.id}`, 303);
    } catch (err) {
      if (nothing) return c.html(messagePage(name, `${nothing}: nothing was sent.`), 409);
      return refusal(c, err);
    }
  });

  http.post('/admin/issues/:id{[0-9]+}/resume', async (c) => {
    const issue = await app.store.getIssue(Number(c.req.param('id')));
    if (!issue) return c.html(messagePage(name, 'No such issue.'), 404);
    if (issue.status === 'sent') return c.html(messagePage(name, `Issue #${issue.id} is sent already: nothing to resume.`), 409);
    try {
      await sends.start(async () => issue);
      app.log.info(`admin: resumed issue #${issue.id}`);
      return c.redirect(`/admin/issues/${issue.id}`, 303);
    } catch (err) {
      return refusal(c, err);
    }
  });

  http.get('/admin/issues/:id{[0-9]+}/progress', async (c) => {
    const id = Number(c.req.param('id'));
    const first = await app.store.getIssue(id);
    if (!first) return c.html(messagePage(name, 'No such issue.'), 404);
    c.header('Cache-Control', 'no-store');
    c.header('X-Accel-Buffering', 'no');
    return streamSSE(c, async (stream) => {
      let closed = false;
      stream.onAbort(() => void (closed = true));
      let last = '';
      let seq = 0;
      while (!closed && !app.closing.aborted) {
        const issue = (await app.store.getIssue(id)) ?? first;
        const p = await sends.progress(issue);
        const data = JSON.stringify(p);
        // Only changes go out, and a comment now and then keeps proxies from closing the stream.
        if (data !== last) await stream.writeSSE({ event: 'progress', data, id: String(++seq) });
        else if (seq % 20 === 0) await stream.write(': still here\n\n');
        last = data;
        if (p.done) break;
        await stream.sleep(PROGRESS_INTERVAL_MS);
      }
    });
  });

  return sends;
}
