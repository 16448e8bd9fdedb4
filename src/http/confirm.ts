/**
 * Double opt-in. `GET /confirm/TOKEN` shows a Confirm button and changes nothing (link scanners
 * fetch GETs); `POST` confirms and sends the welcome email. An expired link offers a new one
 * (`POST /confirm/TOKEN/resend`). Token pages send no Referer.
 */
import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { App } from '../app.js';
import { preferencesUrl } from '../lib/urls.js';
import { statusOf } from '../errors.js';
import type { Subscriber } from '../domain.js';
import { type ConfirmState, confirmState, confirmSubscription, resendConfirmation } from '../subscriptions/double-opt-in.js';
import { INVALID_LINK, page } from './page.js';
import { clientKey } from './client-address.js';
import { type WindowLimiter, csrfField, csrfOk, csrfRefused, noReferrer, tooMany } from './security.js';

/** What the confirmation pages touch: the flow (tokens, store, mail), the CSRF field, the public URL. */
export type ConfirmDeps = Pick<App, 'config' | 'tokens' | 'flow'>;

/** Registers `GET`/`POST /confirm/:token` and `POST /confirm/:token/resend`. */
export function confirmRoutes(http: Hono, app: ConfirmDeps, limiter: WindowLimiter): void {
  const name = app.config.NEWSLETTER_NAME;
  http.use('/confirm/*', noReferrer);

  const what = (s: Subscriber) =>
    html`the <strong>${s.frequency}</strong> digest${s.topics.length ? html`, about <strong>${s.topics.join(', ')}</strong>` : html` with every paper`}`;

  const answer = (c: Context, state: ConfirmState, token: string, fresh = false) => {
    switch (state.kind) {
      case 'invalid':
        return c.html(
          page(name, html`<h1>Link not valid</h1><p>${INVALID_LINK}</p><p><a href="/">Subscribe again</a></p>`, { title: 'Link not valid' }),
          statusOf('TOKEN_INVALID'),
        );
      case 'expired':
        return c.html(
          page(
            name,
            html`<h1>This link has expired</h1><p>Confirmation links work for 7 days, and only the newest one works.</p>
<form class="card" method="post" action="/confirm/${token}/resend">${csrfField(c, app)}<button type="submit">Send me a new link</button></form>`,
            { title: 'Link expired' },
          ),
          statusOf('LINK_EXPIRED'),
        );
      case 'used': {
        const prefs = preferencesUrl(app.config.PUBLIC_URL, app.tokens.linkTokens(state.subscriber.id).preferences);
        return c.html(
          page(
            name,
            html`<h1>You're subscribed</h1><p class="notice">You will get ${what(state.subscriber)}.${fresh ? ' A welcome email is on its way.' : ''}</p>
<p><a href="${prefs}">Manage preferences</a></p>`,
            { title: 'Subscribed' },
          ),
        );
      }
      case 'ready':
        return c.html(
          page(
            name,
            html`<h1>Confirm your subscription</h1><p>Start getting ${what(state.subscriber)} of ${name}?</p>
<form class="card" method="post">${csrfField(c, app)}<button type="submit">Confirm my subscription</button></form>`,
            { title: 'Confirm your subscription' },
          ),
        );
    }
  };

  http.get('/confirm/:token', async (c) => answer(c, await confirmState(app.flow, c.req.param('token')), c.req.param('token')));

  http.post('/confirm/:token', async (c) => {
    if (!csrfOk(c, app, await c.req.parseBody())) return csrfRefused(c, app);
    const before = await confirmState(app.flow, c.req.param('token'));
    return answer(c, await confirmSubscription(app.flow, c.req.param('token')), c.req.param('token'), before.kind === 'ready');
  });

  http.post('/confirm/:token/resend', async (c) => {
    if (!limiter.take(clientKey(c, app.config.TRUST_PROXY))) return tooMany(c, app);
    if (!csrfOk(c, app, await c.req.parseBody())) return csrfRefused(c, app);
    const result = await resendConfirmation(app.flow, c.req.param('token'));
    if (result === 'invalid') return answer(c, { kind: 'invalid' }, '');
    if (result === 'busy') return tooMany(c, app);
    return c.html(
      page(name, html`<h1>Check your inbox</h1><p class="notice">If this address still waits for confirmation, a new link is on its way.</p>`, {
        title: 'Check your inbox',
      }),
    );
  });
}
