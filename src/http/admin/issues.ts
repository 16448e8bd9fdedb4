/**
 * `/admin/issues`: the next issue of each cadence as it would be sent now (planned, never
 * written), its rendered email in a sandboxed frame, and the last issues with their deliveries.
 * Reading only: nothing here sends or stores anything. The gate in `routes.ts` has already
 * checked the session.
 *
 * The site's CSP (`default-src 'none'`, no `frame-src`) would block a frame, and a `srcdoc`
 * document inherits the page's CSP (no inline styles: the email would render unstyled), so the
 * email is served on its own URL with the CSP of an email page (`emailPageCsp`, the archive's, framed
 * by this site and sandboxed), and the preview page alone allows `frame-src 'self'`.
 */
import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { App } from '../../app.js';
import { AppError, statusOf } from '../../errors.js';
import { DELIVERY_STATUSES, FREQUENCIES, type Frequency, type Issue } from '../../domain.js';
import { isNoIssue, planNextIssue } from '../../issue/builder.js';
import { describeNoIssue } from '../../pipeline/describe-run.js';
import { utcTime } from '../../lib/time.js';
import { mainPapers } from '../../pipeline/send-job.js';
import type { StoreStatus } from '../../store/store.js';
import { emailPageCsp, siteCspWith } from '../security.js';
import { type AdminDeps, adminPage, messagePage } from './pages.js';
import { PROGRESS_PAGE_CSP, PROGRESS_SCRIPT, progressSection } from './progress.js';
import type { AdminSends, SendProgress } from './sends.js';

/** Past issues listed. */
export const ISSUES_LISTED = 20;

/** The site's CSP plus frames from this origin (the preview page only). */
const PREVIEW_PAGE_CSP = siteCspWith({ frameSrc: ["'self'"] });
/** The email itself: an email page's CSP, framed only by this site, sandboxed. */
const EMAIL_CSP = emailPageCsp({ framedBy: 'self', sandbox: true });

/** What the issues pages read: the store, how the next issue is built, and the digest's renderer (for the preview). */
export type IssuesApp = Pick<App, 'store' | 'buildOptions' | 'digest'>;

/** One variant of the next issue: its papers and how many readers get it. */
type Variant = { variant: number; papers: { title: string }[]; readers: number };

/** The next issue of one cadence, planned now, or why there is none. */
type Next = { frequency: Frequency; note: string; subject?: string; papers?: { title: string }[]; recipients?: number; variants?: Variant[] };

async function nextOf(app: Pick<App, 'store' | 'buildOptions'>, frequency: Frequency, now: Date): Promise<Next> {
  const planned = await planNextIssue(app.store, app.buildOptions(frequency, now));
  if (isNoIssue(planned)) return { frequency, note: describeNoIssue(frequency, planned) };
  const papers = mainPapers(planned);
  // Readers per variant: topic readers are overrides; everyone else gets variant 0.
  const readers = new Map<number, number>();
  for (const v of planned.plan.overrides.values()) if (v !== null) readers.set(v, (readers.get(v) ?? 0) + 1);
  const others = [...readers.values()].reduce((a, b) => a + b, 0);
  const variants = [...planned.variants].map(([variant, p]) => ({
    variant,
    papers: p,
    readers: variant === 0 ? planned.recipients - others : (readers.get(variant) ?? 0),
  }));
  return {
    frequency,
    subject: planned.plan.subject,
    papers,
    recipients: planned.recipients,
    variants: variants.filter((v) => v.variant === 0 || v.readers > 0),
    note: `${papers.length} papers for ${planned.recipients} recipient${planned.recipients === 1 ? '' : 's'}`,
  };
}

/** One variant of the next issue's email, as `paperboy preview` renders it; undefined when there is no next issue. */
async function renderNext(app: IssuesApp, frequency: Frequency, now: Date, variant: number): Promise<string | undefined> {
  const planned = await planNextIssue(app.store, app.buildOptions(frequency, now));
  if (isNoIssue(planned)) return undefined;
  const rendered = await app.digest.preview(frequency, planned, variant);
  return rendered.html;
}

const counts = (o: Partial<Record<string, number>>) =>
  DELIVERY_STATUSES.filter((k) => o[k])
    .map((k) => `${o[k]} ${k}`)
    .join(', ') || 'no deliveries';

/** GET /admin/issues: the next issues and the last ones. */
export function issuesPage(name: string, csrf: string, next: Next[], last: StoreStatus['lastIssues']) {
  return adminPage(
    name,
    csrf,
    'issues',
    html`<h1>Issues</h1>
<section class="card" aria-labelledby="next"><h2 id="next">Next issues</h2>
<ul>${next.map(
      (n) =>
        html`<li data-frequency="${n.frequency}"><strong>${n.frequency}</strong>${n.subject ? html` ${n.subject}` : ''} <span class="meta">${n.note}</span>${
          n.subject
            ? html` <span class="actions"><a href="/admin/issues/next/${n.frequency}/preview">Preview</a> <a href="/admin/issues/next/${n.frequency}/send">Send now…</a></span>`
            : ''
        }</li>`,
    )}</ul></section>
<section class="card" aria-labelledby="last"><h2 id="last">Last issues</h2>
${
  last.length
    ? html`<ul>${last.map(
        (i) =>
          html`<li data-issue="${i.id}"><a href="/admin/issues/${i.id}"><strong>#${i.id}</strong> ${i.subject}</a> <span class="meta">${i.frequency}, ${utcTime(i.createdAt)}, <span data-status>${i.status}</span>; ${i.papers} papers; ${counts(i.deliveries)}</span></li>`,
      )}</ul>`
    : html`<p>No issue yet.</p>`
}</section>`,
    { title: 'Issues' },
  );
}

/** GET /admin/issues/next/:frequency/preview?variant=N: one variant's email in a sandboxed frame, its papers, and the other variants. */
function previewPage(name: string, csrf: string, n: Next, variant: number) {
  const shown = n.variants?.find((v) => v.variant === variant);
  const label = (v: Variant) => (v.variant === 0 ? 'Everyone else' : `Topic variant ${v.variant}`);
  return adminPage(
    name,
    csrf,
    'issues',
    html`<h1>Next ${n.frequency} issue</h1>
${
  n.subject && shown
    ? html`<p><strong>${n.subject}</strong> <span class="meta">${n.note}; not sent, nothing stored.</span></p>
${
  (n.variants ?? []).length > 1
    ? html`<nav class="card" aria-labelledby="variants"><h2 id="variants">As each reader gets it</h2><ul>${n.variants!.map(
        (v) =>
          html`<li><a href="/admin/issues/next/${n.frequency}/preview?variant=${v.variant}"${v.variant === variant ? html` aria-current="page"` : ''}>${label(v)}</a> <span class="meta">${v.papers.length} papers, ${v.readers} reader${v.readers === 1 ? '' : 's'}</span></li>`,
      )}</ul></nav>`
    : ''
}
<iframe sandbox="" src="/admin/issues/next/${n.frequency}/preview.html?variant=${variant}" title="The email of the next ${n.frequency} issue (${label(shown)})" width="100%" height="900" class="preview"></iframe>
<section class="card" aria-labelledby="papers"><h2 id="papers">Papers (${label(shown)}, ${shown.readers} reader${shown.readers === 1 ? '' : 's'})</h2><ol>${shown.papers.map((p) => html`<li>${p.title}</li>`)}</ol></section>`
    : html`<p>${n.subject ? `The next ${n.frequency} issue has no variant ${variant}` : n.note}: nothing to preview.</p>`
}
<p><a href="/admin/issues">Back to the issues</a></p>`,
    { title: `Next ${n.frequency} issue` },
  );
}

/** GET /admin/issues/:id: one issue's deliveries (live while it is sent), its recent failures, and Resume when paused. */
function issuePage(name: string, csrf: string, issue: Issue, progress: SendProgress, errors: Awaited<ReturnType<App['store']['issueFailures']>>) {
  return adminPage(
    name,
    csrf,
    'issues',
    html`<h1>Issue #${issue.id}</h1>
<section class="card" aria-labelledby="about"><h2 id="about">${issue.subject}</h2>
<p class="meta">${issue.frequency}, dated ${issue.issueDate}, built ${utcTime(issue.createdAt)}; <span class="badge" data-status data-state="${issue.status}">${issue.status}</span></p>
${
  issue.status === 'paused'
    ? html`<form method="post" action="/admin/issues/${issue.id}/resume" class="actions"><input type="hidden" name="csrf" value="${csrf}"><button type="submit">Resume</button> <span class="meta">Sends what is left of it now, from this server.</span></form>`
    : ''
}</section>
${progressSection(progress)}
<section class="card" aria-labelledby="failures"><h2 id="failures">Recent failures and deferrals</h2>
${
  errors.length
    ? html`<ul>${errors.map((e) => html`<li><strong>${e.email}</strong> <span class="meta">${e.status}, ${e.attempts} attempt${e.attempts === 1 ? '' : 's'}, ${utcTime(e.at)}</span> <code>${e.error}</code></li>`)}</ul>`
    : html`<p>None recorded.</p>`
}</section>
<p><a href="/admin/issues">Back to the issues</a></p>`,
    { title: `Issue #${issue.id}`, scripts: [PROGRESS_SCRIPT] },
  );
}

/** Installs the routes; call after the admin gate is in place. */
export function issueRoutes(http: Hono, app: IssuesApp, deps: AdminDeps, sends: AdminSends): void {
  const { name, now, csrfOf } = deps;
  const frequencyOf = (c: Context) => c.req.param('frequency') as Frequency;
  // ?variant=N (default 0, the main one); undefined for anything but a small whole number.
  const variantOf = (c: Context) => {
    const v = c.req.query('variant') ?? '0';
    return /^\d{1,6}$/.test(v) ? Number(v) : undefined;
  };

  http.get('/admin/issues', async (c) => {
    const next: Next[] = [];
    for (const frequency of FREQUENCIES) next.push(await nextOf(app, frequency, now()));
    const { lastIssues } = await app.store.status(ISSUES_LISTED);
    return c.html(issuesPage(name, csrfOf(c), next, lastIssues));
  });

  http.get('/admin/issues/next/:frequency{daily|weekly}/preview', async (c) => {
    c.header('Content-Security-Policy', PREVIEW_PAGE_CSP);
    const variant = variantOf(c);
    const next = await nextOf(app, frequencyOf(c), now());
    const known = variant !== undefined && (!next.variants || next.variants.some((v) => v.variant === variant));
    if (!known) c.status(statusOf('NOT_FOUND'));
    return c.html(previewPage(name, csrfOf(c), next, variant ?? -1));
  });

  http.get('/admin/issues/next/:frequency{daily|weekly}/preview.html', async (c) => {
    const variant = variantOf(c);
    if (variant === undefined) return c.html(messagePage(name, 'No such variant.'), statusOf('NOT_FOUND'));
    const email = await renderNext(app, frequencyOf(c), now(), variant).catch((err: unknown) => {
      if (err instanceof AppError && err.code === 'NOT_FOUND') return null;
      throw err;
    });
    if (email === null) return c.html(messagePage(name, 'The next issue has no such variant.'), statusOf('NOT_FOUND'));
    if (email === undefined) return c.html(messagePage(name, 'There is no next issue to preview.'), statusOf('NOT_FOUND'));
    c.header('Content-Security-Policy', EMAIL_CSP);
    c.header('X-Frame-Options', 'SAMEORIGIN');
    return c.html(email);
  });

  http.get('/admin/issues/:id{[0-9]+}', async (c) => {
    const issue = await app.store.getIssue(Number(c.req.param('id')));
    if (!issue) return c.html(messagePage(name, 'No such issue.'), statusOf('NOT_FOUND'));
    const progress = await sends.progress(issue);
    const errors = await app.store.issueFailures(issue.id, 20);
    c.header('Content-Security-Policy', PROGRESS_PAGE_CSP);
    return c.html(issuePage(name, csrfOf(c), issue, progress, errors));
  });
}
