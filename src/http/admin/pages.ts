/**
 * The HTML of the operator's pages: the site's page shell and stylesheet (no inline style or
 * script, so the CSP stays strict), lists rather than wide tables so that they read at 375 px.
 * Every value goes through hono's `html` template, which escapes it.
 */
import { html } from 'hono/html';
import type { Context } from 'hono';
import { type PageOptions, page } from '../page.js';

/** What every admin section's routes get from `adminRoutes`. */
export interface AdminDeps {
  /** The newsletter's name (the page shell's brand). */
  name: string;
  now: () => Date;
  /** The signed-in session's CSRF token (the gate guarantees a session). */
  csrfOf: (c: Context) => string;
}

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

/** The sections of the admin, in the navigation's order. */
export const ADMIN_SECTIONS = [
  ['overview', '/admin', 'Overview'],
  ['subscribers', '/admin/subscribers', 'Subscribers'],
  ['issues', '/admin/issues', 'Issues'],
  ['sources', '/admin/sources', 'Sources'],
] as const;
/** One section's key (`overview`, `subscribers`, …), for marking the current one. */
export type AdminSection = (typeof ADMIN_SECTIONS)[number][0];

/** The navigation (the current section marked) and logout button every signed-in page starts with. */
export function adminNav(csrf: string, current: AdminSection) {
  return html`<header class="admin-bar"><nav class="links" aria-label="Admin">${ADMIN_SECTIONS.map(
    ([key, href, label]) => html`<a href="${href}"${key === current ? html` aria-current="page"` : ''}>${label}</a> `,
  )}</nav>
<form method="post" action="/admin/logout"><input type="hidden" name="csrf" value="${csrf}"><button type="submit" class="secondary">Sign out</button></form></header>`;
}

/** A signed-in page: the navigation (`section` marked), then `body`, in the wide layout. */
export function adminPage(name: string, csrf: string, section: AdminSection, body: unknown, opts: PageOptions = {}) {
  return page(
    name,
    html`${adminNav(csrf, section)}
${body}`,
    { wide: true, bodyClass: 'admin', ...opts },
  );
}

/** A signed-in page with only a message (a refused form, an unknown page). */
export function messagePage(name: string, message: string) {
  return page(name, html`<p>${message}</p><p><a href="/admin">Back to the overview</a></p>`, { title: 'Admin', wide: true, bodyClass: 'admin' });
}
