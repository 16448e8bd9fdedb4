/**
 * The archive: every issue's main variant as a web page ("View in browser"), without any
 * reader's links, and an index of recent issues.
 */
import type { Hono } from 'hono';
import { html } from 'hono/html';
import { type App, archiveUrl } from '../app.js';
import { digestProps, displayDate, renderDigest } from '../render/digest.js';
import { page } from './page.js';

export function archiveRoutes(http: Hono, app: App): void {
  const name = app.config.NEWSLETTER_NAME;
  // Issues never change once written: render each once.
  const rendered = new Map<number, Promise<string>>();

  http.get('/archive', async (c) => {
    const issues = await app.store.recentIssues(100);
    const items = issues.map(
      (i) => html`<li><a href="${archiveUrl(app.config.PUBLIC_URL, i.id)}">${displayDate(i.issueDate)} (${i.frequency})</a>: ${i.subject}</li>`,
    );
    return c.html(page(name, issues.length ? html`<ul>${items}</ul>` : html`<p>No issues yet.</p>`));
  });

  http.get('/archive/:id', async (c) => {
    const id = Number(c.req.param('id'));
    const issue = Number.isSafeInteger(id) && id > 0 ? await app.store.getIssue(id) : undefined;
    if (!issue) return c.html(page(name, html`<p>No such issue.</p>`), 404);
    let htmlPage = rendered.get(id);
    if (!htmlPage) {
      htmlPage = app.store.issueVariants(id).then(async (variants) => {
        const props = digestProps(app.masthead, issue, variants.get(0) ?? [], {});
        return (await renderDigest(props)).html;
      });
      rendered.set(id, htmlPage);
      htmlPage.catch(() => rendered.delete(id));
    }
    return c.html(await htmlPage);
  });
}
