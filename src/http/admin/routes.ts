/**
 * The operator's pages under `/admin`, present only when ADMIN_PASSWORD_HASH or ADMIN_PASSWORD
 * is set (otherwise every /admin path is the site's 404). Everything but the login form needs a
 * session; every POST needs the session's CSRF token on top of the Origin check `protect()`
 * applies to all POSTs. A refused request changes nothing.
 */
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { App } from '../../app.js';
import { REDIRECT, statusOf } from '../../errors.js';
import { Sessions, hashPassword, safeEqual } from './auth.js';
import { type ImportApp, importRoutes } from './import.js';
import { type IssuesApp, issueRoutes } from './issues.js';
import { ADMIN_COOKIE, type LoginApp, type LoginState, loginRoutes } from './login.js';
import { LoginLimits } from './login-limits.js';
import { type OverviewApp, overviewRoutes } from './overview.js';
import { type AdminDeps, messagePage } from './pages.js';
import { progressRoutes } from './progress.js';
import { AdminSends, type SendsApp } from './sends.js';
import { type SendingApp, sendingRoutes } from './sending.js';
import { type SourcesApp, sourceRoutes } from './sources.js';
import { type SubscribersApp, subscriberRoutes } from './subscribers.js';

/** Options for tests: the clock sessions and limits read (default: the app's). */
export interface AdminOptions {
  now?: () => Date;
}

/** What the whole of `/admin` touches: the union of its sections' slices, and the flow's clock. */
export type AdminApp = LoginApp & OverviewApp & SubscribersApp & ImportApp & IssuesApp & SendingApp & SendsApp & SourcesApp & Pick<App, 'flow'>;

const isAdminPath = (path: string) => path === '/admin' || path.startsWith('/admin/');
const isRead = (method: string) => method === 'GET' || method === 'HEAD';

/** Installs `/admin` on `http` when a password is configured. */
export function adminRoutes(http: Hono, app: AdminApp, opts: AdminOptions = {}): void {
  const { ADMIN_PASSWORD_HASH, ADMIN_PASSWORD, NEWSLETTER_NAME: name } = app.config;
  if (!ADMIN_PASSWORD_HASH && !ADMIN_PASSWORD) return;
  const now = opts.now ?? app.now;
  // ADMIN_PASSWORD is hashed once at start-up, so that only the hash stays in use.
  const passwordHash = ADMIN_PASSWORD_HASH ? Promise.resolve(ADMIN_PASSWORD_HASH) : hashPassword(ADMIN_PASSWORD!);
  passwordHash.catch((err) => app.log.error(`admin: cannot hash ADMIN_PASSWORD: ${(err as Error).message}`));
  const sessions = new Sessions(now);
  const state: LoginState = { passwordHash, sessions, limits: new LoginLimits(now), sessionOf: (c) => sessions.find(getCookie(c, ADMIN_COOKIE)) };

  http.use('*', gate(name, state));
  loginRoutes(http, app, state);

  const deps: AdminDeps = { name, now, csrfOf: (c) => state.sessionOf(c)!.csrf };
  const sends = new AdminSends(app);
  overviewRoutes(http, app, deps);
  subscriberRoutes(http, app, deps);
  importRoutes(http, app, deps);
  progressRoutes(http, app, deps, sends);
  sendingRoutes(http, app, deps, sends);
  issueRoutes(http, app, deps, sends);
  sourceRoutes(http, app, deps);
}

/** The gate: no session, no page (GET goes to the login form, anything else is refused). */
function gate(name: string, state: LoginState): MiddlewareHandler {
  const refused = (c: Context) =>
    c.html(messagePage(name, 'This form has expired or did not come from this site. Go back, reload the page and try again.'), statusOf('FORBIDDEN'));
  return async (c, next) => {
    if (!isAdminPath(c.req.path)) return next();
    c.header('Cache-Control', 'no-store');
    c.header('X-Robots-Tag', 'noindex');
    if (c.req.path === '/admin/login') return next();
    const session = state.sessionOf(c);
    if (!session) return isRead(c.req.method) ? c.redirect('/admin/login', REDIRECT.ELSEWHERE) : refused(c);
    if (!isRead(c.req.method)) {
      // A body that is not a form (garbled multipart, a wrong content type) is the client's error.
      const body = await c.req.parseBody().catch(() => undefined);
      if (!body) return c.html(messagePage(name, 'This request is not a form this page sent. Go back, reload the page and try again.'), statusOf('INPUT_INVALID'));
      if (!safeEqual(typeof body.csrf === 'string' ? body.csrf : undefined, session.csrf)) return refused(c);
    }
    return next();
  };
}
