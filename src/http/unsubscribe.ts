/**
 * One-click unsubscribe (RFC 8058): every digest's List-Unsubscribe header points here.
 * GET shows a confirmation form and changes nothing; POST unsubscribes and answers 200 with no
 * redirect, whatever the body (mail clients send `List-Unsubscribe=One-Click`).
 */
import type { Hono } from 'hono';
import { html } from 'hono/html';
import type { App } from '../app.js';
import { statusOf } from '../errors.js';
import { INVALID_LINK, page } from './page.js';
import { noReferrer } from './security.js';

/** Looks up the subscriber a token of `purpose` names; undefined for any bad token. */
export async function subscriberFromToken(app: Pick<App, 'store' | 'tokens'>, purpose: 'unsubscribe' | 'preferences', token: string) {
  let id: number;
  try {
    id = app.tokens.verify(purpose, token);
  } catch {
    return undefined;
  }
  return app.store.getSubscriber(id);
}

/** What one-click unsubscribe touches: the token, the subscriber's state, the log. */
export type UnsubscribeDeps = Pick<App, 'config' | 'store' | 'tokens' | 'log' | 'now'>;

/** Registers `GET` (a confirmation form) and `POST` (RFC 8058 one-click) `/unsubscribe/:token`. */
export function unsubscribeRoutes(http: Hono, app: UnsubscribeDeps): void {
  const name = app.config.NEWSLETTER_NAME;
  http.use('/unsubscribe/*', noReferrer);

  http.get('/unsubscribe/:token', async (c) => {
    const s = await subscriberFromToken(app, 'unsubscribe', c.req.param('token'));
    if (!s) return c.html(page(name, html`<h1>Link not valid</h1><p>${INVALID_LINK}</p>`, { title: 'Link not valid' }), statusOf('TOKEN_INVALID'));
    if (s.status !== 'active' && s.status !== 'pending') {
      return c.html(page(name, html`<h1>Unsubscribed</h1><p>You are not subscribed to ${name}.</p>`, { title: 'Unsubscribed' }));
    }
    return c.html(
      page(
        name,
        html`<h1>Unsubscribe</h1><p>Stop getting ${name}? You can subscribe again at any time.</p>
<form class="card" method="post"><button type="submit">Unsubscribe</button></form>`,
        { title: 'Unsubscribe' },
      ),
    );
  });

  http.post('/unsubscribe/:token', async (c) => {
    const s = await subscriberFromToken(app, 'unsubscribe', c.req.param('token'));
    if (!s) return c.html(page(name, html`<h1>Link not valid</h1><p>${INVALID_LINK}</p>`, { title: 'Link not valid' }), statusOf('TOKEN_INVALID'));
    if (s.status === 'active' || s.status === 'pending') {
      await app.store.setSubscriberStatus(s.id, 'unsubscribed', app.now().toISOString());
      app.log.info(`unsubscribed subscriber #${s.id} (one-click)`);
    }
    return c.html(
      page(name, html`<h1>Unsubscribed</h1><p class="notice">You are unsubscribed from ${name}. No more digests will be sent to you.</p>`, {
        title: 'Unsubscribed',
      }),
    );
  });
}
