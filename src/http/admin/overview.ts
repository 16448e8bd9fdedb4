/**
 * GET /admin, the overview: subscribers by state, the last issues, open alerts and
 * deliverability.
 */
import type { Hono } from 'hono';
import { html } from 'hono/html';
import type { App } from '../../app.js';
import { type Deliverability, deliverability, describeDeliverability } from '../../bounces/rates.js';
import { DELIVERY_STATUSES, SUBSCRIBER_STATUSES } from '../../domain.js';
import { describeAlert } from '../../pipeline/report.js';
import type { Alert } from '../../store/runs.js';
import type { StoreStatus } from '../../store/store.js';
import { page } from '../page.js';
import { type AdminDeps, adminNav } from './pages.js';

/** What the overview shows. */
export interface Overview {
  status: StoreStatus;
  alerts: Alert[];
  rates: Deliverability;
}

const counts = (o: Partial<Record<string, number>>, keys: readonly string[]) =>
  keys
    .filter((k) => o[k])
    .map((k) => `${o[k]} ${k}`)
    .join(', ') || 'none';

/** GET /admin: subscribers by state, the last issues, open alerts and deliverability. */
export function overviewPage(name: string, csrf: string, o: Overview) {
  const { status: s, alerts, rates } = o;
  const [ratesLine, ...rateDetails] = describeDeliverability(rates);
  return page(
    name,
    html`${adminNav(csrf, 'overview')}
<h1>Overview</h1>
<section class="card" aria-labelledby="subscribers"><h2 id="subscribers">Subscribers</h2>
<ul>${SUBSCRIBER_STATUSES.map((k) => html`<li><span data-state="${k}">${s.subscribers[k] ?? 0}</span> ${k}</li>`)}</ul></section>
<section class="card" aria-labelledby="issues"><h2 id="issues">Last issues</h2>
${s.lastIssues.length
  ? html`<ul>${s.lastIssues.map(
      (i) => html`<li><strong>#${i.id}</strong> ${i.subject} <span class="meta">${i.frequency}, ${i.createdAt.slice(0, 16).replace('T', ' ')} UTC, ${i.status}; ${i.papers} papers; ${counts(i.deliveries, DELIVERY_STATUSES)}</span></li>`,
    )}</ul>`
  : html`<p>No issue yet.</p>`}
${s.possibleDuplicates ? html`<p class="notice warn">${s.possibleDuplicates} deliveries were sent again after an interrupted run (possible duplicates).</p>` : ''}
</section>
<section class="card" aria-labelledby="alerts"><h2 id="alerts">Open alerts</h2>
${alerts.length ? html`<ul>${alerts.map((a) => html`<li>${describeAlert(a)}</li>`)}</ul>` : html`<p>None.</p>`}</section>
<section class="card" aria-labelledby="deliverability"><h2 id="deliverability">Bounces and complaints</h2>
<p>${ratesLine}</p>
${rateDetails.length ? html`<ul>${rateDetails.map((l) => html`<li>${l.trim()}</li>`)}</ul>` : ''}</section>`,
    { title: 'Overview' },
  );
}

/** Installs GET /admin; call after the admin gate is in place. */
export function overviewRoutes(http: Hono, app: App, deps: AdminDeps): void {
  const { name, now, csrfOf } = deps;
  http.get('/admin', async (c) => {
    const [status, alerts, rates] = [await app.store.status(5), await app.store.openAlerts(), await deliverability(app.store, now())];
    return c.html(overviewPage(name, csrfOf(c), { status, alerts, rates }));
  });
}
