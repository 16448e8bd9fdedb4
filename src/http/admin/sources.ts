/**
 * `/admin/sources`: each configured source (DIGEST_SOURCE) with its state, its last fetch (what
 * it gave in the newest recorded run that fetched it), its last success and failure, its failing
 * streak and last error; and "Ingest now", which ingests every source as a scheduler tick does
 * (each on its own) and records an `ingest` run (each source's health and the alerts follow it),
 * but builds and sends nothing. The gate in `routes.ts` has checked the session and the CSRF token.
 * A URL's userinfo (user and password) is never shown, in the source nor in its errors.
 */
import type { Hono } from 'hono';
import { html } from 'hono/html';
import type { App } from '../../app.js';
import { REDIRECT, statusOf } from '../../errors.js';
import { utcTime } from '../../lib/time.js';
import { runIngest } from '../../schedule/ingest.js';
import { splitSources } from '../../sources/index.js';
import { KEEP_RUNS, type RunRecord, type RunSource, type SourceHealth } from '../../store/runs.js';
import type { StoreStatus } from '../../store/store.js';
import { type AdminDeps, adminPage, messagePage } from './pages.js';

/** Hides the userinfo of every http(s) URL in `text` (`https://user:secret@host/` → `https://***@host/`). */
export function redactCredentials(text: string): string {
  return text.replace(/\b(https?:\/\/)[^\s/?#@]*@/gi, '$1***@');
}

/** A source's state, as `paperboy status --json` names it. */
export type SourceState = 'ok' | 'failing' | 'not-run';

/** One card: a configured source, its health, and its newest recorded fetch. */
export interface SourceView {
  /** The source as configured, credentials redacted. */
  source: string;
  state: SourceState;
  health: SourceHealth | undefined;
  /** What it gave in the newest recorded run that fetched it, and that run. */
  last: { result: RunSource; run: Pick<RunRecord, 'id' | 'trigger' | 'startedAt'> } | undefined;
}

/** What the page shows. */
export interface SourcesView {
  sources: SourceView[];
  lastRun: RunRecord | undefined;
  papers: StoreStatus['papers'];
  /** An ingest is running in this process now. */
  ingesting: boolean;
}

const STATE_LABEL: Record<SourceState, string> = { ok: 'ok', failing: 'failing', 'not-run': 'not run yet' };
const STATUS_LABEL: Record<RunSource['status'], string> = { ingested: 'ingested', 'not-modified': 'not modified', failed: 'failed' };
const time = (at: string) => html`<time datetime="${at}">${utcTime(at)}</time>`;

/** The page's data: the configured sources, each with its health and its newest recorded fetch. */
export async function sourcesView(app: Pick<App, 'store' | 'config'>, ingesting: boolean): Promise<SourcesView> {
  const health = new Map((await app.store.sourceHealth()).map((h) => [h.source, h]));
  const runs = await app.store.recentRuns(KEEP_RUNS);
  const { papers } = await app.store.status(0);
  const sources = splitSources(app.config.DIGEST_SOURCE).map((source): SourceView => {
    const h = health.get(source);
    const state: SourceState = !h ? 'not-run' : h.consecutiveFailures > 0 ? 'failing' : 'ok';
    let last: SourceView['last'];
    for (const run of runs) {
      const result = run.sources.find((s) => s.source === source);
      if (result) {
        last = { result, run: { id: run.id, trigger: run.trigger, startedAt: run.startedAt } };
        break;
      }
    }
    return { source: redactCredentials(source), state, health: h, last };
  });
  return { sources, lastRun: runs[0], papers, ingesting };
}

function sourceCard(v: SourceView, i: number) {
  const h = v.health;
  const r = v.last?.result;
  return html`<section class="card" aria-labelledby="source-${i}" data-source="${v.source}">
<h2 id="source-${i}"><code>${v.source}</code> <span class="badge" data-state="${v.state}">${STATE_LABEL[v.state]}</span></h2>
${
  v.last && r
    ? html`<p data-last-fetch>Last fetch: <strong data-status="${r.status}">${STATUS_LABEL[r.status]}</strong> <span class="meta">in the ${v.last.run.trigger} run of ${time(v.last.run.startedAt)}</span></p>
${
  r.status === 'failed'
    ? html`<p class="notice warn" data-error>${redactCredentials(r.error ?? 'unknown error')}</p>`
    : html`<dl class="stats"><div><dt>Added</dt><dd>${r.added}</dd></div><div><dt>Updated</dt><dd>${r.updated}</dd></div><div><dt>Unchanged</dt><dd>${r.unchanged}</dd></div></dl>`
}`
    : html`<p data-last-fetch>Last fetch: <span class="meta">${h ? 'not in the recorded runs' : 'none yet: not run yet'}</span></p>`
}
${
  h
    ? html`<ul class="meta">
<li data-last-success>Last success: ${h.lastSuccessAt ? time(h.lastSuccessAt) : 'never'}</li>
<li data-last-failure>Last failure: ${h.lastFailureAt ? time(h.lastFailureAt) : 'never'}</li>
${h.consecutiveFailures > 0 ? html`<li data-failures>Failures in a row: ${h.consecutiveFailures}, since ${time(h.failingSince ?? h.lastFailureAt!)}</li>` : ''}
${h.lastError && h.consecutiveFailures === 0 ? html`<li data-last-error>Last error: ${redactCredentials(h.lastError)}</li>` : ''}
</ul>
${h.consecutiveFailures > 0 && h.lastError && r?.status !== 'failed' ? html`<p class="notice warn" data-error>${redactCredentials(h.lastError)}</p>` : ''}`
    : ''
}
</section>`;
}

/** GET /admin/sources. */
export function sourcesPage(name: string, csrf: string, v: SourcesView) {
  const run = v.lastRun;
  const runFailed = run?.sources.some((s) => s.status === 'failed');
  return adminPage(
    name,
    csrf,
    'sources',
    html`<h1>Sources</h1>
${v.ingesting ? html`<p class="notice" role="status">An ingest is running now; reload the page to see its results.</p>` : ''}
${
  run
    ? html`<p class="notice${runFailed ? ' warn' : ''}" data-last-run="${run.trigger}">Last run: ${time(run.startedAt)} (${run.trigger}): ${redactCredentials(run.summary ?? 'running, or stopped before it finished')}</p>`
    : html`<p class="notice" data-last-run>No run recorded yet: sources are fetched at each SCHEDULE tick, or now with "Ingest now".</p>`
}
<p class="meta" data-papers>${v.papers.total} papers stored${v.papers.newestSeenAt ? html`; the newest added ${time(v.papers.newestSeenAt)}` : ''}.</p>
<div class="actions"><form method="post" action="/admin/sources/ingest"><input type="hidden" name="csrf" value="${csrf}"><button type="submit">Ingest now</button></form>
<span class="meta">Fetches every source as a scheduler run does and records the run; builds and sends nothing.</span></div>
${v.sources.length ? v.sources.map((s, i) => sourceCard(s, i + 1)) : html`<p class="notice warn">No source configured: DIGEST_SOURCE lists none.</p>`}`,
    { title: 'Sources' },
  );
}

/** What the sources' page reads, and what "Ingest now" takes (`runIngest`'s own slice). */
export type SourcesApp = Pick<App, 'store' | 'config'> & Parameters<typeof runIngest>[0];

/** Installs the routes; call after the admin gate is in place. */
export function sourceRoutes(http: Hono, app: SourcesApp, deps: AdminDeps): void {
  const { name, now, csrfOf } = deps;
  // One "ingest now" at a time in this process (the page is the only one that starts it here).
  let ingesting = false;

  http.get('/admin/sources', async (c) => c.html(sourcesPage(name, csrfOf(c), await sourcesView(app, ingesting))));

  http.post('/admin/sources/ingest', async (c) => {
    if (ingesting) return c.html(messagePage(name, 'An ingest is already running. Wait for it to finish, then reload the Sources page.'), statusOf('LOCKED'));
    ingesting = true;
    try {
      await runIngest(app, now);
    } finally {
      ingesting = false;
    }
    return c.redirect('/admin/sources', REDIRECT.AFTER_POST);
  });
}
