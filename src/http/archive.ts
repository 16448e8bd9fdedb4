/**
 * The archive: every issue's main variant as a web page ("View in browser"), without any
 * reader's links, and an index of recent issues.
 */
import type { Hono } from 'hono';
import { html } from 'hono/html';
import type { App } from '../app.js';
import { archiveUrl } from '../lib/urls.js';
import { statusOf } from '../errors.js';
import { displayDate } from '../render/digest.js';
import { feedLink } from './feed.js';
import { page } from './page.js';
import { emailPageCsp } from './security.js';

/** What the archive reads: the issues in the store, how a digest is rendered, and the public URL and name. */
export type ArchiveDeps = Pick<App, 'config' | 'store' | 'digest'>;

/** Registers `GET /archive` (the index of recent issues) and `GET /archive/:id` (one issue's email as a page). */
export function archiveRoutes(http: Hono, app: ArchiveDeps): void {
  const name = app.config.NEWSLETTER_NAME;
  // Issues never change once written: render each once.
  const rendered = new Map<number, Promise<string>>();

  http.get('/archive', async (c) => {
    const issues = await app.store.recentIssues(100);
    const items = issues.map(
      (i) => html`<li><a href="${archiveUrl(app.config.PUBLIC_URL, i.id)}">${displayDate(i.issueDate)} (${i.frequency})</a>: ${i.subject}</li>`,
    );
    return c.html(
      page(
        name,
        html`<h1>All issues</h1>${issues.length ? html`<ul class="card">${items}</ul>` : html`<p>No issues yet.</p>`}<p class="links"><a href="/">Subscribe</a><a href="/feed.xml">Atom feed</a></p>`,
        {
          title: 'All issues',
          head: feedLink(app.config.PUBLIC_URL, name),
        },
      ),
    );
  });

  http.get('/archive/:id', async (c) => {
    const id = Number(c.req.param('id'));
    const issue = Number.isSafeInteger(id) && id > 0 ? await app.store.getIssue(id) : undefined;
    if (!issue) return c.html(page(name, html`<p>No such issue.</p>`), statusOf('NOT_FOUND'));
    let htmlPage = rendered.get(id);
    if (!htmlPage) {
      htmlPage = app.store.issueVariants(id).then(async (variants) => {
        // The email's HTML as it is, plus a title and the feed's alternate link in its head.
        const head = html`<title>${issue.subject}</title>${feedLink(app.config.PUBLIC_URL, name)}`;
        return (await app.digest.archived(issue, variants.get(0) ?? [])).html.replace('</head>', `${await head}</head>`);
      });
      rendered.set(id, htmlPage);
      htmlPage.catch(() => rendered.delete(id));
    }
    // The email's HTML carries its own inline styles; no script runs here either.
    c.header('Content-Security-Policy', emailPageCsp());
    return c.html(await htmlPage);
  });
}
