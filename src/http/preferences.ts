/**
 * Manage preferences: the "Manage preferences" link in every digest. GET shows the form;
 * POST saves how often the reader gets the digest, the topics they follow and their time zone.
 */
import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { App } from '../app.js';
import { unsubscribeUrl } from '../lib/urls.js';
import { AppError, statusOf } from '../errors.js';
import { parseFrequency, parseTimeZone, parseTopics } from '../subscriptions/inputs.js';
import { INVALID_LINK, page } from './page.js';
import { csrfField, csrfOk, csrfRefused, noReferrer } from './security.js';
import { TZ_SCRIPT, timeZoneField, timeZoneProblem } from './timezone.js';
import { subscriberFromToken } from './unsubscribe.js';

/** What the preferences page touches: the token, the subscriber's choices, the CSRF field. */
export type PreferencesDeps = Pick<App, 'config' | 'store' | 'tokens' | 'now'>;

/** Registers `GET` (the form) and `POST` (save) `/preferences/:token`. */
export function preferencesRoutes(http: Hono, app: PreferencesDeps): void {
  http.use('/preferences/*', noReferrer);
  const name = app.config.NEWSLETTER_NAME;
  const zoneHint = { fallback: app.config.TZ, ...(app.config.DELIVER_AT ? { deliverAt: app.config.DELIVER_AT } : {}) };
  /** `zoneError`: the time zone as typed, and why it was refused (shown beside the field). */
  const form = (
    c: Context,
    s: { id: number; frequency: string; topics: string[]; timezone: string | null },
    note = '',
    zoneError?: { value: string; message: string },
  ) => {
    const unsubscribe = unsubscribeUrl(app.config.PUBLIC_URL, app.tokens.sign('unsubscribe', s.id));
    return page(
      name,
      html`<h1>Your preferences</h1>
${note ? html`<p class="notice${note === 'Saved.' ? '' : ' warn'}" role="status">${note}</p>` : ''}
<form class="card" method="post">
<fieldset><legend>How often</legend>
<label><input type="radio" name="frequency" value="daily"${s.frequency === 'daily' ? html` checked` : ''}> Daily</label>
<label><input type="radio" name="frequency" value="weekly"${s.frequency === 'weekly' ? html` checked` : ''}> Weekly</label>
</fieldset>
<p><label for="topics">Topics</label><input id="topics" name="topics" type="text" maxlength="400" value="${s.topics.join(', ')}" aria-describedby="topics-hint">
<span class="hint" id="topics-hint">Comma-separated words or phrases, such as diffusion models, RL. Empty: every paper.</span></p>
${timeZoneField(zoneError?.value ?? s.timezone ?? '', { ...zoneHint, ...(zoneError ? { error: zoneError.message } : {}) })}
${csrfField(c, app)}
<button type="submit">Save</button></form>
<p><a href="${unsubscribe}">Unsubscribe</a></p>`,
      { title: 'Preferences', scripts: [TZ_SCRIPT] },
    );
  };

  /** A token that does not verify: 400; one of a reader who is no longer active: 404. */
  const notValid = (c: Context, known: boolean) => c.html(page(name, html`<p>${INVALID_LINK}</p>`), statusOf(known ? 'NOT_FOUND' : 'TOKEN_INVALID'));

  http.get('/preferences/:token', async (c) => {
    const s = await subscriberFromToken(app, 'preferences', c.req.param('token'));
    if (!s || s.status !== 'active') return notValid(c, s !== undefined);
    return c.html(form(c, s));
  });

  http.post('/preferences/:token', async (c) => {
    const s = await subscriberFromToken(app, 'preferences', c.req.param('token'));
    if (!s || s.status !== 'active') return notValid(c, s !== undefined);
    const body = await c.req.parseBody();
    if (!csrfOk(c, app, body)) return csrfRefused(c, app);
    let prefs;
    try {
      prefs = {
        frequency: parseFrequency(typeof body.frequency === 'string' ? body.frequency : undefined, s.frequency),
        topics: parseTopics(typeof body.topics === 'string' ? body.topics : undefined),
      };
    } catch (err) {
      const message = err instanceof AppError ? err.message : 'invalid input';
      return c.html(form(c, s, message), statusOf('INPUT_INVALID'));
    }
    const typed = typeof body.timezone === 'string' ? body.timezone : undefined;
    let timezone: string | null;
    try {
      // A form without the field (an old page) leaves the zone as it is; an empty one clears it.
      timezone = typed === undefined ? s.timezone : parseTimeZone(typed);
    } catch (err) {
      return c.html(form(c, { ...s, ...prefs }, '', { value: (typed ?? '').slice(0, 64), message: timeZoneProblem(err) }), statusOf('INPUT_INVALID'));
    }
    await app.store.setSubscriberPreferences(s.id, { ...prefs, timezone }, app.now().toISOString());
    return c.html(form(c, { id: s.id, ...prefs, timezone }, 'Saved.'));
  });
}
