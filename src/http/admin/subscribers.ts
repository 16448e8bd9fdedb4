/**
 * `/admin/subscribers`: search and filter the list a keyset page at a time, add, remove, forget
 * (behind a confirmation) and export CSV. Every action calls the same function as its
 * `paperboy subscribers` command, so the page and the CLI cannot drift apart. The gate in
 * `routes.ts` has already checked the session and, on POST, its CSRF token.
 */
import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { App } from '../../app.js';
import { stripControls } from '../../lib/controls.js';
import { FREQUENCIES, type Frequency, SUBSCRIBER_STATUSES, type Subscriber, type SubscriberStatus } from '../../domain.js';
import { AppError, REDIRECT, statusOf } from '../../errors.js';
import type { SubscriberSearch } from '../../store/store.js';
import { subscriberCsvHeader, subscriberCsvLine } from '../../subscriptions/csv.js';
import { emailKey, normalizeEmail } from '../../lib/email.js';
import { parseFrequency, parseTopics } from '../../subscriptions/inputs.js';
import { addSubscriber, forgetSubscriber, removeSubscriber } from '../../subscriptions/operator.js';
import { type AdminDeps, adminPage, messagePage } from './pages.js';

/** Rows per page. */
export const PAGE_SIZE = 100;

/** What the subscribers' pages touch: the store, the default frequency, the tokens' address hash, the log. */
export type SubscribersApp = Pick<App, 'store' | 'config' | 'tokens' | 'log'>;

type Filters = Omit<SubscriberSearch, 'limit'>;

/** The longest search kept (an address is at most 254 characters) and the longest topic filter. */
const MAX_QUERY = 254;
const MAX_TOPIC = 40;

const oneOf = <T extends string>(values: readonly T[], v: string | undefined): T | undefined => (values.includes(v as T) ? (v as T) : undefined);

/**
 * The list's filters from the query string. Control characters are stripped first: no address
 * or topic holds one, and PostgreSQL refuses a NUL in text (a search for `%00` was a 500).
 */
function filtersOf(c: Context): Filters {
  const q = (k: string) => stripControls(c.req.query(k) ?? '').trim() || undefined;
  const after = Number(q('after'));
  return {
    query: q('q')?.slice(0, MAX_QUERY),
    status: oneOf<SubscriberStatus>(SUBSCRIBER_STATUSES, q('status')),
    frequency: oneOf<Frequency>(FREQUENCIES, q('frequency')),
    topic: q('topic')?.slice(0, MAX_TOPIC),
    after: Number.isSafeInteger(after) && after > 0 ? after : undefined,
  };
}

/** The query string of `f` (the list's own filters), for links. */
function queryOf(f: Filters, after?: number): string {
  const p = new URLSearchParams();
  if (f.query) p.set('q', f.query);
  if (f.status) p.set('status', f.status);
  if (f.frequency) p.set('frequency', f.frequency);
  if (f.topic) p.set('topic', f.topic);
  if (after) p.set('after', String(after));
  return p.toString();
}

const csrfInput = (csrf: string) => html`<input type="hidden" name="csrf" value="${csrf}">`;
const selected = (a: string | undefined, b: string) => (a === b ? html` selected` : '');

function row(s: Subscriber, csrf: string) {
  return html`<li data-id="${s.id}"><strong>${s.email}</strong> <span class="badge" data-state="${s.status}">${s.status}</span> <span class="meta">${s.frequency}, ${s.topics.length ? s.topics.join(', ') : 'all topics'}, since ${s.createdAt.slice(0, 10)}</span>
<form method="post" action="/admin/subscribers/${s.id}/remove">${csrfInput(csrf)}<button type="submit" class="secondary">Remove</button></form>
<a href="/admin/subscribers/${s.id}/forget">Forget…</a></li>`;
}

interface ListView {
  filters: Filters;
  rows: Subscriber[];
  next?: number;
  error?: string;
  add?: { email: string; topics: string; frequency: string };
}

/** GET /admin/subscribers: the filter form, one page of rows, the add form. */
export function subscribersPage(name: string, csrf: string, v: ListView) {
  const f = v.filters;
  const add = v.add ?? { email: '', topics: '', frequency: '' };
  return adminPage(
    name,
    csrf,
    'subscribers',
    html`<h1>Subscribers</h1>
${v.error ? html`<p class="notice warn" role="alert">${v.error}</p>` : ''}
<form class="card" method="get" action="/admin/subscribers" role="search">
<p><label for="q">Address contains</label><input id="q" name="q" type="search" value="${f.query ?? ''}" maxlength="254"></p>
<p><label for="status">State</label><select id="status" name="status"><option value="">any</option>${SUBSCRIBER_STATUSES.map((s) => html`<option${selected(f.status, s)}>${s}</option>`)}</select></p>
<p><label for="frequency">Frequency</label><select id="frequency" name="frequency"><option value="">any</option>${FREQUENCIES.map((s) => html`<option${selected(f.frequency, s)}>${s}</option>`)}</select></p>
<p><label for="topic">Topic</label><input id="topic" name="topic" value="${f.topic ?? ''}" maxlength="40"></p>
<p class="actions"><button type="submit">Filter</button> <a href="/admin/subscribers">Clear</a> <a href="/admin/subscribers/export.csv">Export CSV</a> <a href="/admin/subscribers/import">Import CSV</a></p></form>
<section class="card" aria-labelledby="list"><h2 id="list">${f.after ? `After #${f.after}` : 'First page'}</h2>
${v.rows.length ? html`<ul class="subscribers">${v.rows.map((s) => row(s, csrf))}</ul>` : html`<p>No subscriber matches.</p>`}
${v.next ? html`<p><a rel="next" href="/admin/subscribers?${queryOf(f, v.next)}">Next page</a></p>` : ''}</section>
<form class="card" method="post" action="/admin/subscribers/add"><h2>Add a subscriber</h2>
<p class="meta">Confirmed at once: you vouch for their consent.</p>
<p><label for="email">Address</label><input id="email" name="email" type="email" required maxlength="254" value="${add.email}"></p>
<p><label for="topics">Topics (comma-separated, optional)</label><input id="topics" name="topics" value="${add.topics}"></p>
<p><label for="add-frequency">Frequency</label><select id="add-frequency" name="frequency"><option value="">default</option>${FREQUENCIES.map((s) => html`<option${selected(add.frequency, s)}>${s}</option>`)}</select></p>
${csrfInput(csrf)}<button type="submit">Add</button></form>`,
    { title: 'Subscribers' },
  );
}

/** GET /admin/subscribers/:id/forget: the confirmation. */
function forgetPage(name: string, csrf: string, s: Subscriber) {
  return adminPage(
    name,
    csrf,
    'subscribers',
    html`<h1>Forget ${s.email}</h1>
<form class="card" method="post" action="/admin/subscribers/${s.id}/forget">
<p>Really erase ${s.email}? Their row, topics and delivery history are deleted for good${s.status === 'suppressed' ? ' (a keyed hash keeps the address suppressed)' : ''}.</p>
${csrfInput(csrf)}<button type="submit">Erase</button> <a href="/admin/subscribers">Cancel</a></form>`,
    { title: 'Forget a subscriber' },
  );
}

const field = (body: Record<string, unknown>, k: string) => (typeof body[k] === 'string' ? (body[k] as string) : '');

/** Installs the routes; call after the admin gate is in place. */
export function subscriberRoutes(http: Hono, app: SubscribersApp, deps: AdminDeps): void {
  const { name, now, csrfOf } = deps;
  /** The list page; `refused`: the add form's error made it a 400. */
  const list = async (c: Context, extra: Partial<ListView> = {}, refused = false) => {
    const filters = extra.filters ?? filtersOf(c);
    const found = await app.store.searchSubscribers({ ...filters, limit: PAGE_SIZE + 1 });
    const rows = found.slice(0, PAGE_SIZE);
    const next = found.length > PAGE_SIZE ? rows[rows.length - 1]!.id : undefined;
    if (refused) c.status(statusOf('INPUT_INVALID'));
    return c.html(subscribersPage(name, csrfOf(c), { filters, rows, next, ...extra }));
  };
  const byId = (c: Context) => app.store.getSubscriber(Number(c.req.param('id')));
  const notFound = (c: Context) => c.html(messagePage(name, 'No such subscriber (already forgotten?).'), statusOf('NOT_FOUND'));

  http.get('/admin/subscribers', (c) => list(c));

  http.get('/admin/subscribers/export.csv', async (c) => {
    const lines = [subscriberCsvHeader()];
    for await (const s of app.store.iterateSubscribers()) lines.push(subscriberCsvLine(s));
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="subscribers-${now().toISOString().slice(0, 10)}.csv"`);
    return c.body(lines.join(''));
  });

  http.post('/admin/subscribers/add', async (c) => {
    const body = await c.req.parseBody();
    const form = { email: field(body, 'email').slice(0, 1024), topics: field(body, 'topics').slice(0, 1024), frequency: field(body, 'frequency') };
    try {
      const input = {
        email: normalizeEmail(form.email),
        topics: parseTopics(form.topics),
        frequency: parseFrequency(form.frequency, app.config.DEFAULT_FREQUENCY),
      };
      const { outcome, subscriber } = await addSubscriber(app.store, input, now(), app.tokens.emailHash(emailKey(input.email)));
      app.log.info(`admin: subscribers add #${subscriber.id} (${outcome})`);
      return c.redirect('/admin/subscribers', REDIRECT.AFTER_POST);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      return list(c, { filters: {}, error: err.message, add: form }, true);
    }
  });

  http.get('/admin/subscribers/:id{[0-9]+}/forget', async (c) => {
    const s = await byId(c);
    return s ? c.html(forgetPage(name, csrfOf(c), s)) : notFound(c);
  });

  http.post('/admin/subscribers/:id{[0-9]+}/forget', async (c) => {
    const s = await byId(c);
    if (!s) return notFound(c);
    await forgetSubscriber(app, s.email, now());
    app.log.info(`admin: subscribers forget #${s.id}`);
    return c.redirect('/admin/subscribers', REDIRECT.AFTER_POST);
  });

  http.post('/admin/subscribers/:id{[0-9]+}/remove', async (c) => {
    const s = await byId(c);
    if (!s) return notFound(c);
    await removeSubscriber(app.store, s.email, now());
    app.log.info(`admin: subscribers remove #${s.id}`);
    return c.redirect('/admin/subscribers', REDIRECT.AFTER_POST);
  });
}
