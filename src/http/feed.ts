/**
 * The Atom feed of past issues (`GET /feed.xml`): one entry per issue, linking to its archive
 * page, with the issue's papers as an HTML list. For readers who prefer a feed reader to email,
 * and for pages that advertise it (`feedLink`).
 */
import { Feed } from 'feed';
import type { Hono } from 'hono';
import { html } from 'hono/html';
import type { App } from '../app.js';
import type { Issue, Paper } from '../domain.js';
import { archiveUrl, feedUrl, homeUrl } from '../lib/urls.js';
import { safeHref } from '../lib/text.js';
import { toDigestPaper } from '../render/digest.js';

/** Issues in the feed, newest first. */
export const FEED_ISSUES = 50;

/** `<link rel="alternate">` for a page's head, so browsers and readers find the feed. */
export function feedLink(publicUrl: string, title = 'Atom feed') {
  return html`<link rel="alternate" type="application/atom+xml" title="${title}" href="${feedUrl(publicUrl)}">`;
}

/** Escapes text for HTML (Atom's `type="html"` title and content are HTML, then XML). */
function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Registers `GET /feed.xml` on `http`: the newest {@link FEED_ISSUES} issues as Atom 1.0. */
export function feedRoutes(http: Hono, app: Pick<App, 'config' | 'store'>): void {
  const { PUBLIC_URL: base, NEWSLETTER_NAME: name, NEWSLETTER_TAGLINE: tagline } = app.config;
  // An issue's papers never change once written: build each entry's list once.
  const contents = new Map<number, Promise<string>>();
  const content = (issue: Issue) => {
    let c = contents.get(issue.id);
    if (!c) {
      c = app.store.issueVariants(issue.id).then((variants) => paperList(variants.get(0) ?? []));
      contents.set(issue.id, c);
      c.catch(() => contents.delete(issue.id));
    }
    return c;
  };

  http.get('/feed.xml', async (c) => {
    const issues = await app.store.recentIssues(FEED_ISSUES);
    const feed = new Feed({
      title: name,
      description: tagline,
      id: feedUrl(base),
      link: homeUrl(base),
      feedLinks: { atom: feedUrl(base) },
      // Atom needs an author on the feed when entries have none.
      author: { name, link: homeUrl(base) },
      updated: issues[0] ? new Date(issues[0].createdAt) : new Date(),
      generator: 'Paperboy',
    });
    const bodies = await Promise.all(issues.map(content));
    issues.forEach((issue, i) => {
      const url = archiveUrl(base, issue.id);
      const date = new Date(issue.createdAt);
      // The entry title is `type="html"`: escape it, or a title with `<` or `&` becomes markup.
      feed.addItem({ title: escapeHtml(issue.subject), id: url, link: url, date, published: date, content: bodies[i]! });
    });
    return c.body(feed.atom1(), { headers: { 'Content-Type': 'application/atom+xml; charset=utf-8' } });
  });
}

/** The issue's papers as an HTML list of titles linking to each paper's page. */
function paperList(papers: Paper[]): string {
  const items = papers.map((p) => {
    const { title, url } = toDigestPaper(p);
    const href = safeHref(url);
    return href ? `<li><a href="${escapeHtml(href)}">${escapeHtml(title)}</a></li>` : `<li>${escapeHtml(title)}</li>`;
  });
  return items.length ? `<ul>${items.join('')}</ul>` : '<p>No papers.</p>';
}
