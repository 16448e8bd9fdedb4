/**
 * Manage preferences: the "Manage preferences" link in every digest. GET shows the form;
 * POST saves how often the reader gets the digest and the topics they follow.
 */
import type { Hono } from 'hono';
import { html } from 'hono/html';
import type { App } from '../app.js';
import { AppError } from '../errors.js';
import { parseFrequency, parseTopics } from '../subscriptions/service.js';
import { INVALID_LINK, page } from './page.js';
import { subscriberFromToken } from './unsubscribe.js';

export function preferencesRoutes(http: Hono, app: App): void {
  const name = app.config.NEWSLETTER_NAME;
  const form = (s: { id: number; frequency: string; topics: string[] }, note = '') => {
    const unsubscribe = `${app.config.PUBLIC_URL}/unsubscribe/${app.tokens.sign('unsubscribe', s.id)}`;
    return page(
      name,
      html`${note ? html`<p><strong>${note}</strong></p>` : ''}
<form method="post">
<fieldset><legend>How often</legend>
<label><input type="radio" name="frequency" value="daily" ${s.frequency === 'daily' ? 'checked' : ''}> Daily</label>
<label><input type="radio" name="frequency" value="weekly" ${s.frequency === 'weekly' ? 'checked' : ''}> Weekly</label>
</fieldset>
<p><label>Topics (comma-separated, empty for everything)<br><input name="topics" value="${s.topics.join(', ')}" size="40"></label></p>
<button type="submit">Save</button></form>
<p><a href="${unsubscribe}">Unsubscribe</a></p>`,
    );
  };

  http.get('/preferences/:token', async (c) => {
    const s = await subscriberFromToken(app, 'preferences', c.req.param('token'));
    if (!s || s.status !== 'active') return c.html(page(name, html`<p>${INVALID_LINK}</p>`), s ? 404 : 400);
    return c.html(form(s));
  });

  http.post('/preferences/:token', async (c) => {
    const s = await subscriberFromToken(app, 'preferences', c.req.param('token'));
    if (!s || s.status !== 'active') return c.html(page(name, html`<p>${INVALID_LINK}</p>`), s ? 404 : 400);
    const body = await c.req.parseBody();
    let prefs;
    try {
      prefs = {
        frequency: parseFrequency(typeof body.frequency === 'string' ? body.frequency : undefined, s.frequency),
        topics: parseTopics(typeof body.topics === 'string' ? body.topics : undefined),
      };
    } catch (err) {
      const message = err instanceof AppError ? err.message : 'invalid input';
      return c.html(form(s, message), 400);
    }
    await app.store.setSubscriberPreferences(s.id, prefs, new Date().toISOString());
    return c.html(form({ id: s.id, ...prefs }, 'Saved.'));
  });
}
