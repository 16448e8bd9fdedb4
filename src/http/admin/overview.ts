/**
 * GET /admin, the overview: paused issues with a Resume button, subscribers by state and their
 * growth over the last 30 days (a server-drawn chart), the last issues with their deliveries,
 * bounce and complaint rates with the reports that proved nothing (unmatched), each source's
 * health, the next scheduled run and the last run, and the open alerts. The figures are the ones `paperboy status` prints, from the same
 * functions.
 */
import type { Hono } from 'hono';
import { html } from 'hono/html';
import type { App } from '../../app.js';
import { type Deliverability, deliverability, describeRates } from '../../bounces/rates.js';
import { type Issue, SUBSCRIBER_STATUSES } from '../../domain.js';
import { describeAlert, describeRun } from '../../pipeline/describe-run.js';
import { utcTime, whenIn } from '../../lib/time.js';
import { type ConfiguredSource, configuredSourcesHealth, describeSourceHealth } from '../../pipeline/sources-health.js';
import { nextRunOf } from '../../schedule/next-run.js';
import { splitSources } from '../../sources/index.js';
import type { Alert, RunRecord } from '../../store/runs.js';
import type { StoreStatus, SubscriberGrowthDay } from '../../store/store.js';
import { chart } from './chart.js';
import { type AdminDeps, adminPage } from './pages.js';

/** What the overview reads: the store's figures and the configuration (schedule, sources). */
export type OverviewApp = Pick<App, 'store' | 'config'>;

/** Days the growth chart covers, today included. */
export const GROWTH_DAYS = 30;
/** Issues listed. */
const LAST_ISSUES = 5;

/** One day of the growth chart: who joined, who left, and the active readers at the day's end. */
export interface GrowthDay {
  day: string;
  joined: number;
  left: number;
  active: number;
}

/** A listed issue's deliveries: deferred (waiting for a retry) apart from the pending never tried. */
export type IssueLine = StoreStatus['lastIssues'][number] & { deferred: number };

/** What the overview shows. */
export interface Overview {
  status: StoreStatus;
  issues: IssueLine[];
  alerts: Alert[];
  rates: Deliverability;
  growth: GrowthDay[];
  sources: ConfiguredSource[];
  schedule: { expression: string; next: string | null };
  lastRun: RunRecord | null;
  paused: { issue: Issue; why: string | null }[];
}

const DAY_MS = 86_400_000;

/**
 * The last `days` UTC days up to `now`'s, every day present (0 when nothing happened), with the
 * active readers at each day's end counted back from `activeNow`: a day's confirmations added
 * them, its leavers took them away.
 */
export function growthSeries(rows: SubscriberGrowthDay[], activeNow: number, now: Date, days = GROWTH_DAYS): GrowthDay[] {
  const byDay = new Map(rows.map((r) => [r.day, r]));
  const today = Date.parse(now.toISOString().slice(0, 10));
  const out: GrowthDay[] = [];
  let active = activeNow;
  for (let i = 0; i < days; i++) {
    const day = new Date(today - i * DAY_MS).toISOString().slice(0, 10);
    const r = byDay.get(day);
    out.push({ day, joined: r?.joined ?? 0, left: r?.left ?? 0, active: Math.max(0, active) });
    active -= (r?.confirmed ?? 0) - (r?.left ?? 0);
  }
  return out.reverse();
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "3 sent, 0 failed, 1 deferred, 2 pending" (and "sending", "skipped" when some are). */
export function deliveryCounts(i: IssueLine): string {
  const d = i.deliveries;
  const parts = [`${d.sent ?? 0} sent`, `${d.failed ?? 0} failed`, `${i.deferred} deferred`, `${Math.max(0, (d.pending ?? 0) - i.deferred)} pending`];
  if (d.sending) parts.push(`${d.sending} sending`);
  if (d.skipped) parts.push(`${d.skipped} skipped`);
  return parts.join(', ');
}

function growthSection(growth: GrowthDay[]) {
  const labels = growth.map((g) => g.day);
  const joined = sum(growth.map((g) => g.joined));
  const left = sum(growth.map((g) => g.left));
  const last = growth[growth.length - 1]?.active ?? 0;
  const first = growth[0]?.active ?? 0;
  return html`<section class="card" aria-labelledby="growth"><h2 id="growth">Growth, last ${GROWTH_DAYS} days</h2>
<dl class="stats"><div><dt>Joined</dt><dd data-joined>${joined}</dd></div><div><dt>Left</dt><dd data-left>${left}</dd></div><div><dt>Active now</dt><dd>${last}</dd></div></dl>
${chart({
  summary: `New subscribers per day, last ${GROWTH_DAYS} days: ${joined} in total; leavers: ${left} in total`,
  labels,
  series: [
    { name: 'joined', values: growth.map((g) => g.joined) },
    { name: 'left', values: growth.map((g) => g.left), below: true },
  ],
})}
${chart({
  summary: `Active subscribers at the end of each day, last ${GROWTH_DAYS} days: from ${first} to ${last}`,
  labels,
  series: [{ name: 'active', values: growth.map((g) => g.active), kind: 'line' }],
})}
<p class="meta">Joined: sign-ups by the day they signed up, confirmed or not. Left: readers who unsubscribed or were suppressed. Active: counted back from today's figure.</p></section>`;
}

/**
 * The reports that matched no delivery: how many, and the last few by when, source, type,
 * status and domain. Never an address: they prove nothing about anyone, and kept none.
 */
function unmatchedPart(rates: Deliverability) {
  const u = rates.unmatched;
  if (u.count === 0) return '';
  return html`<h3>Unmatched reports</h3>
<p data-unmatched-count>${plural(u.count, 'unmatched report')} in the last 30 days: bounces or complaints without a valid VERP token or Message-ID of ours (forged, or about mail this install never sent). They suppressed nobody and paused nothing.</p>
<ul>${u.last.map(
    (r) =>
      html`<li data-unmatched><span>${utcTime(r.receivedAt)}</span> <span>${r.domain ?? '(no domain)'}</span> <span>${r.type}</span> <span>${r.status ?? ''}</span> <span class="meta">${r.source}</span></li>`,
  )}</ul>`;
}

function pausedSection(paused: Overview['paused'], csrf: string) {
  if (!paused.length) return '';
  return html`<section class="card notice warn" aria-labelledby="paused"><h2 id="paused">Paused issues</h2>
<ul>${paused.map(
    ({
      issue,
      why,
    }) => html`<li data-paused="${issue.id}"><a href="/admin/issues/${issue.id}"><strong>#${issue.id}</strong> ${issue.subject}</a> <span class="badge" data-state="paused">paused</span>
<p class="meta">${why ?? 'Why it paused is not recorded.'}</p>
<form class="actions" method="post" action="/admin/issues/${issue.id}/resume"><input type="hidden" name="csrf" value="${csrf}"><button type="submit">Resume</button></form></li>`,
  )}</ul></section>`;
}

/** Deliveries waiting for their retry: deferred, not (yet) sent again. */
function deferredNotice(d: Overview['status']['deferred']) {
  if (!d.count) return '';
  const flagged = d.possibleDuplicates ? `; ${d.possibleDuplicates} of them may have arrived already (a possible duplicate)` : '';
  return html`<p class="notice">${d.count === 1 ? '1 delivery is' : `${d.count} deliveries are`} deferred${d.next ? `, the next try at ${utcTime(d.next)}` : ''}${flagged}.</p>`;
}

function issuesSection(o: Overview) {
  return html`<section class="card" aria-labelledby="issues"><h2 id="issues">Last issues</h2>
${
  o.issues.length
    ? html`<ul>${o.issues.map(
        (
          i,
        ) => html`<li data-issue="${i.id}"><a href="/admin/issues/${i.id}"><strong>#${i.id}</strong> ${i.subject}</a> <span class="badge" data-state="${i.status}">${i.status}</span>
<span class="meta">${i.frequency}, ${utcTime(i.createdAt)}; ${i.papers} papers; <span data-deliveries>${deliveryCounts(i)}</span></span></li>`,
      )}</ul>`
    : html`<p>No issue yet.</p>`
}
${deferredNotice(o.status.deferred)}
${o.status.possibleDuplicates ? html`<p class="notice warn">${o.status.possibleDuplicates === 1 ? '1 delivery was' : `${o.status.possibleDuplicates} deliveries were`} sent again after an interrupted run or a lost connection (possible duplicates).</p>` : ''}
<p><a href="/admin/issues">All issues</a></p></section>`;
}

function sourcesSection(sources: ConfiguredSource[]) {
  return html`<section class="card" aria-labelledby="sources"><h2 id="sources">Sources</h2>
${
  sources.length
    ? html`<ul>${sources.map(
        (s) =>
          html`<li data-source="${s.source}"><code>${s.source}</code> <span class="badge" data-state="${s.state}">${s.state === 'not-run' ? 'not run yet' : s.state}</span> <span class="meta">${describeSourceHealth(s)}</span></li>`,
      )}</ul>`
    : html`<p>No source configured (DIGEST_SOURCE).</p>`
}
<p><a href="/admin/sources">The sources' page</a></p></section>`;
}

function runsSection(o: Overview) {
  const [lastLine, ...lastDetails] = o.lastRun ? describeRun(o.lastRun) : ['Last run: none yet'];
  return html`<section class="card" aria-labelledby="runs"><h2 id="runs">Scheduler</h2>
<dl><dt>Next run</dt><dd data-next-run>${o.schedule.next ?? 'never'} <span class="meta">(SCHEDULE "${o.schedule.expression}")</span></dd>
<dt>Last run</dt><dd data-last-run>${lastLine!.replace(/^Last run: /, '')}${
    lastDetails.length ? html`<ul class="meta">${lastDetails.map((l) => html`<li>${l.trim()}</li>`)}</ul>` : ''
  }</dd></dl></section>`;
}

/** GET /admin: the overview page. */
export function overviewPage(name: string, csrf: string, o: Overview) {
  const { status: s, alerts, rates } = o;
  const [ratesLine, ...rateDetails] = describeRates(rates);
  return adminPage(
    name,
    csrf,
    'overview',
    html`<h1>Overview</h1>
${pausedSection(o.paused, csrf)}
<section class="card" aria-labelledby="subscribers"><h2 id="subscribers">Subscribers</h2>
<ul>${SUBSCRIBER_STATUSES.map((k) => html`<li><span data-subscribers="${k}">${s.subscribers[k] ?? 0}</span> ${k}</li>`)}</ul>
<p><a href="/admin/subscribers">All subscribers</a></p></section>
${growthSection(o.growth)}
${issuesSection(o)}
<section class="card" aria-labelledby="deliverability"><h2 id="deliverability">Bounces and complaints</h2>
<p>${ratesLine}</p>
${rateDetails.length ? html`<ul>${rateDetails.map((l) => html`<li>${l.trim()}</li>`)}</ul>` : ''}
${unmatchedPart(rates)}</section>
${sourcesSection(o.sources)}
${runsSection(o)}
<section class="card" aria-labelledby="alerts"><h2 id="alerts">Open alerts</h2>
${alerts.length ? html`<ul>${alerts.map((a) => html`<li>${describeAlert(a)}</li>`)}</ul>` : html`<p>None.</p>`}</section>`,
    { title: 'Overview' },
  );
}

/** Everything the overview shows, read from the store at `now`. */
export async function loadOverview(app: OverviewApp, now: Date): Promise<Overview> {
  const { store, config } = app;
  const status = await store.status(LAST_ISSUES);
  const issues: IssueLine[] = [];
  for (const i of status.lastIssues) issues.push({ ...i, deferred: (await store.laterDeliveries(i.id)).retries.count });
  const alerts = await store.openAlerts();
  const since = new Date(Date.parse(now.toISOString().slice(0, 10)) - (GROWTH_DAYS - 1) * DAY_MS).toISOString().slice(0, 10);
  const growth = growthSeries(await store.subscriberGrowth(since), status.subscribers.active ?? 0, now);
  const at = nextRunOf(config.SCHEDULE, config.TZ, now);
  const lastRun = (await store.recentRuns(1))[0] ?? null;
  const alertOf = new Map(alerts.map((a) => [a.key, a]));
  const paused = (await store.unfinishedIssues())
    .filter((i) => i.status === 'paused')
    .map((issue) => ({ issue, why: alertOf.get(`issue-paused:${issue.id}`)?.detail ?? null }));
  return {
    status,
    issues,
    alerts,
    rates: await deliverability(store, now),
    growth,
    sources: await configuredSourcesHealth(store, splitSources(config.DIGEST_SOURCE)),
    schedule: { expression: config.SCHEDULE, next: at ? whenIn(at, config.TZ) : null },
    lastRun,
    paused,
  };
}

/** Installs GET /admin; call after the admin gate is in place. */
export function overviewRoutes(http: Hono, app: OverviewApp, deps: AdminDeps): void {
  const { name, now, csrfOf } = deps;
  http.get('/admin', async (c) => c.html(overviewPage(name, csrfOf(c), await loadOverview(app, now()))));
}
