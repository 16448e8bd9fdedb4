/**
 * The HTML of the operator's pages: the site's page shell and stylesheet (no inline style or
 * script, so the CSP stays strict), lists rather than wide tables so that they read at 375 px.
 * Every value goes through hono's `html` template, which escapes it.
 */
import { html } from 'hono/html';
import { type Deliverability, describeDeliverability } from '../../bounces/rates.js';
import { DELIVERY_STATUSES, SUBSCRIBER_STATUSES } from '../../domain.js';
import { describeAlert } from '../../pipeline/report.js';
import type { Alert } from '../../store/runs.js';
import type { StoreStatus } from '../../store/store.js';
import { page } from '../page.js';

/** The login form with its rendered CSRF field; `error` says why the last attempt failed. */
export function loginPage(name: string, csrf: unknown, error?: string) {
  return page(
    name,
    html`<h1>Sign in</h1>
${error ? html`<p class="notice warn" role="alert">${error}</p>` : ''}
<form class="card" method="post" action="/admin/login">
<p><label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024"></p>
${csrf}
<button type="submit">Sign in</button></form>`,
    { title: 'Sign in' },
  );
}

/** The navigation and logout button every signed-in page starts with. */
export function adminNav(csrf: string) {
  return html`<nav class="links" aria-label="Admin"><a href="/admin" aria-current="page">Overview</a> <a href="/admin/subscribers">Subscribers</a> <a href="/admin/issues">Issues</a></nav>
<form method="post" action="/admin/logout"><input type="hidden" name="csrf" value="${csrf}"><button type="submit" class="secondary">Sign out</button></form>`;
}

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
    html`${adminNav(csrf)}
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

/** A signed-in page with only a message (a refused form, an unknown page). */
export function messagePage(name: string, message: string) {
  return page(name, html`<p>${message}</p><p><a href="/admin">Back to the overview</a></p>`, { title: 'Admin' });
}
