/**
 * The live progress of an issue's send on its admin page: the counts and a bar drawn on the
 * server, then kept current by a same-origin script that follows a stream of server-sent events.
 * The stream reads the ledger, so it shows a send whoever runs it.
 */
import type { Hono } from 'hono';
import { html } from 'hono/html';
import { streamSSE } from 'hono/streaming';
import type { App } from '../../app.js';
import { statusOf } from '../../errors.js';
import { siteCspWith } from '../security.js';
import { type AdminDeps, messagePage } from './pages.js';
import type { AdminSends, SendProgress } from './sends.js';

/** How often the progress stream reads the ledger. */
export const PROGRESS_INTERVAL_MS = 500;
/** The script of the issue page (live progress); served behind the admin gate. */
export const PROGRESS_SCRIPT = '/admin/assets/progress.js';

/** The page's CSP: the site's, plus the progress stream (connect-src). */
export const PROGRESS_PAGE_CSP = siteCspWith({ connectSrc: ["'self'"] });

/** The progress section of an issue's page: counts, a bar, and the stream's URL for the script. */
export function progressSection(p: SendProgress) {
  const settled = p.sent + p.failed + p.skipped;
  const count = (k: keyof SendProgress, label: string) => html`<div><dt>${label}</dt><dd data-count="${k}">${p[k] as number}</dd></div>`;
  // A page opened while the send runs reloads when it ends (to list the failures); the script reads it.
  return html`<section class="card" aria-labelledby="progress" data-progress-src="/admin/issues/${p.issueId}/progress"${p.running ? html` data-was-running` : ''}>
<h2 id="progress">Deliveries</h2>
<progress id="progress-bar" max="${Math.max(1, p.total)}" value="${settled}" aria-label="Settled deliveries">${settled} of ${p.total}</progress>
<p class="progress" aria-live="polite"><span data-settled>${settled}</span> of <span data-total>${p.total}</span> settled; <span data-state-text>${stateText(p)}</span></p>
<dl class="stats">${count('sent', 'Sent')}${count('failed', 'Failed')}${count('skipped', 'Skipped')}${count('pending', 'Pending')}${count('sending', 'In flight')}</dl>
</section>`;
}

/** "sending now", "sent", "paused", "waiting for a run". */
function stateText(p: SendProgress): string {
  if (p.running) return 'sending now from this server';
  if (p.status === 'sent') return 'sent';
  if (p.status === 'paused') return 'paused';
  return p.pending + p.sending > 0 ? 'waiting for the next run (retries, local times)' : 'settled';
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

/** Installs the progress script and stream; call after the admin gate is in place. */
export function progressRoutes(http: Hono, app: Pick<App, 'store' | 'closing'>, deps: AdminDeps, sends: AdminSends): void {
  const { name } = deps;
  http.get(PROGRESS_SCRIPT, (c) => {
    c.header('Content-Type', 'text/javascript; charset=utf-8');
    return c.body(PROGRESS_JS);
  });

  http.get('/admin/issues/:id{[0-9]+}/progress', async (c) => {
    const id = Number(c.req.param('id'));
    const first = await app.store.getIssue(id);
    if (!first) return c.html(messagePage(name, 'No such issue.'), statusOf('NOT_FOUND'));
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
}
