/**
 * The HTTP server (hono): the landing page and subscribe form, confirmation, one-click
 * unsubscribe, preferences, the archive and its Atom feed, and a health check. GET never changes
 * state; POST does, behind the checks in `security.ts`.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { App } from '../app.js';
import { AppError, statusOf } from '../errors.js';
import { HTTPException } from 'hono/http-exception';
import { archiveRoutes } from './archive.js';
import { assetRoutes } from './assets.js';
import { confirmRoutes } from './confirm.js';
import { feedRoutes } from './feed.js';
import { landingRoutes } from './landing.js';
import { page } from './page.js';
import { preferencesRoutes } from './preferences.js';
import { WindowLimiter, protect } from './security.js';
import { unsubscribeRoutes } from './unsubscribe.js';
import { webhookRoutes } from './webhooks/index.js';
import { adminRoutes } from './admin/routes.js';
import { recordEvents } from '../bounces/policy.js';

/**
 * The routes, testable in-process with `app.request()`. It takes the whole app and hands each
 * module the slice of it that module declares.
 */
export function createHttpApp(app: App): Hono {
  const http = new Hono();
  const name = app.config.NEWSLETTER_NAME;
  protect(http, app);
  // Sign-up requests and new-link requests per client address per hour.
  const limiter = new WindowLimiter(app.config.SUBSCRIBE_LIMIT_PER_IP, 3600_000);
  http.get('/healthz', (c) => c.json({ ok: true }));
  assetRoutes(http);
  landingRoutes(http, app, limiter);
  confirmRoutes(http, app, limiter);
  unsubscribeRoutes(http, app);
  preferencesRoutes(http, app);
  archiveRoutes(http, app);
  feedRoutes(http, app);
  // Bounces and complaints from a provider go through the same policy as the bounce mailbox's.
  webhookRoutes(http, app, { record: async (events) => void (await recordEvents(app.bounces, events)) });
  adminRoutes(http, app);
  http.notFound((c) => c.html(page(name, html`<p>Not found.</p>`), statusOf('NOT_FOUND')));
  http.onError((err, c) => {
    // hono's own refusals (the Origin check's) carry their status; every other is the table's.
    if (err instanceof HTTPException)
      return c.html(page(name, html`<p>${err.status === statusOf('FORBIDDEN') ? 'This request did not come from this site.' : err.message}</p>`), err.status);
    const e = err instanceof AppError ? err : new AppError('INTERNAL', 'internal error');
    if (!(err instanceof AppError)) app.log.error(`http: ${err.message}`);
    return c.html(page(name, html`<p>${e.message}</p>`), e.httpStatus);
  });
  return http;
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
