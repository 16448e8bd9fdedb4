/**
 * The HTTP server (hono): health check and the one-click unsubscribe endpoint that every
 * digest's List-Unsubscribe header points at. GET never changes state; POST does, and answers
 * 200 with no redirect (RFC 8058).
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { App } from '../app.js';
import { AppError } from '../errors.js';

/** The routes, testable in-process with `app.request()`. */
export function createHttpApp(app: App): Hono {
  const http = new Hono();
  const name = app.config.NEWSLETTER_NAME;

  http.get('/healthz', (c) => c.json({ ok: true }));

  http.get('/unsubscribe/:token', async (c) => {
    const subscriber = await subscriberOf(app, c.req.param('token'));
    if (!subscriber) return c.html(page(name, 'This link is invalid or has expired.'), 400);
    if (subscriber.status !== 'active' && subscriber.status !== 'pending') {
      return c.html(page(name, `You are not subscribed to ${name}.`));
    }
    return c.html(
      page(
        name,
        html`Stop getting ${name}?
          <form method="post"><button type="submit">Unsubscribe</button></form>`,
      ),
    );
  });

  http.post('/unsubscribe/:token', async (c) => {
    const subscriber = await subscriberOf(app, c.req.param('token'));
    if (!subscriber) return c.html(page(name, 'This link is invalid or has expired.'), 400);
    if (subscriber.status === 'active' || subscriber.status === 'pending') {
      await app.store.setSubscriberStatus(subscriber.id, 'unsubscribed', new Date().toISOString());
      app.log.info(`unsubscribed subscriber #${subscriber.id} (one-click)`);
    }
    return c.html(page(name, `You are unsubscribed from ${name}. No more digests will be sent to you.`), 200);
  });

  http.notFound((c) => c.html(page(name, 'Not found.'), 404));
  http.onError((err, c) => {
    const e = err instanceof AppError ? err : new AppError('INTERNAL', 'internal error');
    if (!(err instanceof AppError)) app.log.error(`http: ${err.message}`);
    return c.html(page(name, e.message), e.httpStatus as 400);
  });
  return http;
}

async function subscriberOf(app: App, token: string) {
  let id: number;
  try {
    id = app.tokens.verify('unsubscribe', token);
  } catch {
    return undefined;
  }
  return app.store.getSubscriber(id);
}

function page(name: string, body: unknown) {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${name}</title></head>
<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;line-height:1.5">
<h1 style="font-size:1.25rem">${name}</h1><p>${body}</p></body></html>`;
}

/** Starts listening; resolves once the port is bound. */
export async function serveHttp(app: App): Promise<{ url: string; close: () => Promise<void> }> {
  const http = createHttpApp(app);
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: http.fetch, port: app.config.PORT, ...(app.config.HOST ? { hostname: app.config.HOST } : {}) }, (info) => {
      resolve({
        url: `http://${app.config.HOST ?? 'localhost'}:${info.port}`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
    server.once('error', (err) => reject(new AppError('CONFIG_INVALID', `cannot listen on port ${app.config.PORT}: ${err.message}`)));
  });
}
