/**
 * Sending from the browser: "send now" (the next issue of a cadence, behind a confirmation
 * page) and "resume" (a paused issue). The send runs in this process, in the background
 * (`sends.ts`); the answer redirects to the issue's page at once, where its progress shows live
 * (`progress.ts`).
 */
import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { App } from '../../app.js';
import { mailTargetOf } from '../../send/mailer.js';
import type { Frequency } from '../../domain.js';
import { AppError, REDIRECT, statusOf, toAppError } from '../../errors.js';
import { isNoIssue, planNextIssue } from '../../issue/builder.js';
import { describeNoIssue } from '../../pipeline/describe-run.js';
import { buildIssueNow } from '../../pipeline/send-job.js';
import { type AdminDeps, adminPage, messagePage } from './pages.js';
import type { AdminSends } from './sends.js';

/** What the sending routes read: the store and how the next issue is built, the mail target, the log. */
export type SendingApp = Pick<App, 'config' | 'store' | 'buildOptions' | 'log'>;

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

/** Installs the routes; call after the admin gate is in place. */
export function sendingRoutes(http: Hono, app: SendingApp, deps: AdminDeps, sends: AdminSends): void {
  const { name, now, csrfOf } = deps;
  const frequencyOf = (c: Context) => c.req.param('frequency') as Frequency;
  const refusal = (c: Context, err: unknown) => {
    const e = toAppError(err);
    if (!(err instanceof AppError)) app.log.error(`admin: send failed to start: ${e.message}`);
    return c.html(messagePage(name, `Nothing was sent: ${e.message}`), e.httpStatus);
  };

  http.get('/admin/issues/next/:frequency{daily|weekly}/send', async (c) => {
    const frequency = frequencyOf(c);
    const planned = await planNextIssue(app.store, app.buildOptions(frequency, now()));
    if (isNoIssue(planned)) return c.html(messagePage(name, `${describeNoIssue(frequency, planned)}: nothing to send.`), statusOf('CONFLICT'));
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
      return c.redirect(`/admin/issues/${issue.id}`, REDIRECT.AFTER_POST);
    } catch (err) {
      if (nothing) return c.html(messagePage(name, `${nothing}: nothing was sent.`), statusOf('CONFLICT'));
      return refusal(c, err);
    }
  });

  http.post('/admin/issues/:id{[0-9]+}/resume', async (c) => {
    const issue = await app.store.getIssue(Number(c.req.param('id')));
    if (!issue) return c.html(messagePage(name, 'No such issue.'), statusOf('NOT_FOUND'));
    if (issue.status === 'sent') return c.html(messagePage(name, `Issue #${issue.id} is sent already: nothing to resume.`), statusOf('CONFLICT'));
    try {
      await sends.start(async () => issue);
      app.log.info(`admin: resumed issue #${issue.id}`);
      return c.redirect(`/admin/issues/${issue.id}`, REDIRECT.AFTER_POST);
    } catch (err) {
      return refusal(c, err);
    }
  });
}
