/**
 * The operator's pages under `/admin`, present only when ADMIN_PASSWORD_HASH or ADMIN_PASSWORD
 * is set (otherwise every /admin path is the site's 404). Everything but the login form needs a
 * session; every POST needs the session's CSRF token on top of the Origin check `protect()`
 * applies to all POSTs. A refused request changes nothing.
 */
import type { Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { App } from '../../app.js';
import { clientIp, limitKey } from '../client-address.js';
import { csrfField, csrfOk, csrfRefused } from '../security.js';
import { DEVICE_COOKIE, DEVICE_SECONDS, SESSION_SECONDS, Sessions, deviceOf, hashPassword, newDevice, safeEqual, verifyPassword } from './auth.js';
import { LoginLimits } from './login-limits.js';
import { issueRoutes } from './issues.js';
import { importRoutes } from './import.js';
import { overviewRoutes } from './overview.js';
import { type AdminDeps, loginPage, messagePage } from './pages.js';
import { sendingRoutes } from './sending.js';
import { sourceRoutes } from './sources.js';
import { subscriberRoutes } from './subscribers.js';

/** The session cookie, sent only to /admin. */
export const ADMIN_COOKIE = 'pb_admin';
/** Every failed login answers after this long, however long the check took (no timing signal, slower guessing). */
const FAILED_LOGIN_MS = 300;

/** Options for tests: the clock sessions and limits read (default: the app's). */
export interface AdminOptions {
  now?: () => Date;
}

const isAdminPath = (path: string) => path === '/admin' || path.startsWith('/admin/');
const isRead = (method: string) => method === 'GET' || method === 'HEAD';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Installs `/admin` on `http` when a password is configured. */
export function adminRoutes(http: Hono, app: App, opts: AdminOptions = {}): void {
  const { ADMIN_PASSWORD_HASH, ADMIN_PASSWORD, NEWSLETTER_NAME: name } = app.config;
  if (!ADMIN_PASSWORD_HASH && !ADMIN_PASSWORD) return;
  const now = opts.now ?? app.now;
  // ADMIN_PASSWORD is hashed once at start-up, so that only the hash stays in use.
  const passwordHash = ADMIN_PASSWORD_HASH ? Promise.resolve(ADMIN_PASSWORD_HASH) : hashPassword(ADMIN_PASSWORD!);
  passwordHash.catch((err) => app.log.error(`admin: cannot hash ADMIN_PASSWORD: ${(err as Error).message}`));
  const sessions = new Sessions(now);
  const limits = new LoginLimits(now);
  const secure = app.config.PUBLIC_URL.startsWith('https:');
  const sessionOf = (c: Context) => sessions.find(getCookie(c, ADMIN_COOKIE));
  const refused = (c: Context) => c.html(messagePage(name, 'This form has expired or did not come from this site. Go back, reload the page and try again.'), 403);

  // The gate: no session, no page (GET goes to the login form, anything else is refused).
  http.use('*', async (c, next) => {
    if (!isAdminPath(c.req.path)) return next();
    c.header('Cache-Control', 'no-store');
    c.header('X-Robots-Tag', 'noindex');
    if (c.req.path === '/admin/login') return next();
    const session = sessionOf(c);
    if (!session) return isRead(c.req.method) ? c.redirect('/admin/login', 302) : refused(c);
    if (!isRead(c.req.method)) {
      // A body that is not a form (garbled multipart, a wrong content type) is the client's error.
      const body = await c.req.parseBody().catch(() => undefined);
      if (!body) return c.html(messagePage(name, 'This request is not a form this page sent. Go back, reload the page and try again.'), 400);
      if (!safeEqual(typeof body.csrf === 'string' ? body.csrf : undefined, session.csrf)) return refused(c);
    }
    return next();
  });

  http.get('/admin/login', (c) => {
    if (sessionOf(c)) return c.redirect('/admin', 302);
    return c.html(loginPage(name, csrfField(c, app)));
  });

  // The device cookie's MAC: keyed with the installation's secret, so it outlives a restart.
  const deviceMac = (id: string) => app.tokens.tag('admin-device', id);

  http.post('/admin/login', async (c) => {
    const started = performance.now();
    const body = await c.req.parseBody();
    if (!csrfOk(c, app, body)) return csrfRefused(c, app);
    const ip = clientIp(c, app.config.TRUST_PROXY);
    const device = deviceOf(getCookie(c, DEVICE_COOKIE), deviceMac);
    // A browser that signed in before counts its own failures; any other client, its address's.
    const client = device ? `device:${device}` : `address:${limitKey(ip)}`;
    // Checked and counted in one step, with nothing awaited between: parallel guesses cannot
    // all pass a check that has not counted them yet.
    const turn = limits.take(client, device !== undefined);
    if (!turn.ok) {
      c.header('Retry-After', String(turn.retryAfterSeconds));
      const minutes = Math.ceil(turn.retryAfterSeconds / 60);
      return c.html(loginPage(name, csrfField(c, app), `Too many failed sign-ins from here. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`), 429);
    }
    if (turn.waitMs > 0) await sleep(turn.waitMs);
    const password = typeof body.password === 'string' ? body.password.slice(0, 1024) : '';
    const ok = password.length > 0 && (await verifyPassword(password, await passwordHash));
    if (!ok) {
      await sleep(Math.max(0, FAILED_LOGIN_MS - (performance.now() - started)));
      return c.html(loginPage(name, csrfField(c, app), 'Wrong password.'), 401);
    }
    limits.succeed(client, turn);
    setCookie(c, ADMIN_COOKIE, sessions.create().cookie, { path: '/admin', httpOnly: true, sameSite: 'Strict', secure, maxAge: SESSION_SECONDS });
    // The browser is recognised from now on (the same id again when it already was).
    const cookie = device ? `${device}.${deviceMac(device)}` : newDevice(deviceMac).cookie;
    setCookie(c, DEVICE_COOKIE, cookie, { path: '/admin/login', httpOnly: true, sameSite: 'Strict', secure, maxAge: DEVICE_SECONDS });
    app.log.info(`admin: signed in from ${ip}`);
    return c.redirect('/admin', 303);
  });

  http.post('/admin/logout', (c) => {
    const session = sessionOf(c);
    if (session) sessions.delete(session.id);
    deleteCookie(c, ADMIN_COOKIE, { path: '/admin', httpOnly: true, sameSite: 'Strict', secure });
    return c.redirect('/admin/login', 303);
  });

  const deps: AdminDeps = { name, now, csrfOf: (c) => sessionOf(c)!.csrf };
  overviewRoutes(http, app, deps);
  subscriberRoutes(http, app, deps);
  importRoutes(http, app, deps);
  const sends = sendingRoutes(http, app, deps);
  issueRoutes(http, app, deps, sends);
  sourceRoutes(http, app, deps);
}
