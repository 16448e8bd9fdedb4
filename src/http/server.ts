/**
 * The HTTP server (hono): one-click unsubscribe, preferences, the archive, and a health check.
 * GET never changes state; POST does.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { html } from 'hono/html';
import type { App } from '../app.js';
import { AppError } from '../errors.js';
import { archiveRoutes } from './archive.js';
import { page } from './page.js';
import { preferencesRoutes } from './preferences.js';
import { unsubscribeRoutes } from './unsubscribe.js';

/** The routes, testable in-process with `app.request()`. */
export function createHttpApp(app: App): Hono {
  const http = new Hono();
  const name = app.config.NEWSLETTER_NAME;
  http.get('/healthz', (c) => c.json({ ok: true }));
  unsubscribeRoutes(http, app);
  preferencesRoutes(http, app);
  archiveRoutes(http, app);
  http.notFound((c) => c.html(page(name, html`<p>Not found.</p>`), 404));
  http.onError((err, c) => {
    const e = err instanceof AppError ? err : new AppError('INTERNAL', 'internal error');
    if (!(err instanceof AppError)) app.log.error(`http: ${err.message}`);
    return c.html(page(name, html`<p>${e.message}</p>`), e.httpStatus as 400);
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
