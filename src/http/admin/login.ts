/**
 * Signing in to `/admin` and out: the login form, the password check (paced and limited by
 * `login-limits.ts`, each failure answered after the same delay), the session cookie, and the
 * device cookie of a browser that signed in before. The gate in `routes.ts` lets `/admin/login`
 * through without a session.
 */
import type { Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { App } from '../../app.js';
import { REDIRECT, statusOf } from '../../errors.js';
import { clientIp, limitKey } from '../client-address.js';
import { csrfField, csrfOk, csrfRefused } from '../security.js';
import { DEVICE_COOKIE, DEVICE_SECONDS, SESSION_SECONDS, type Session, type Sessions, deviceOf, newDevice, verifyPassword } from './auth.js';
import type { LoginLimits } from './login-limits.js';
import { loginPage } from './pages.js';

/** The session cookie, sent only to /admin. */
export const ADMIN_COOKIE = 'pb_admin';
/** Every failed login answers after this long, however long the check took (no timing signal, slower guessing). */
const FAILED_LOGIN_MS = 300;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What signing in touches: the config (name, proxies, public URL), the tokens (CSRF field, device MAC), the log. */
export type LoginApp = Pick<App, 'config' | 'tokens' | 'log'>;

/** The sign-in state `adminRoutes` keeps for this process. */
export interface LoginState {
  /** The hash a password is checked against (ADMIN_PASSWORD is hashed once, at start-up). */
  passwordHash: Promise<string>;
  sessions: Sessions;
  limits: LoginLimits;
  /** The session a request's cookie names, if any. */
  sessionOf: (c: Context) => Session | undefined;
}

/** Installs GET and POST `/admin/login` and POST `/admin/logout`. */
export function loginRoutes(http: Hono, app: LoginApp, state: LoginState): void {
  const name = app.config.NEWSLETTER_NAME;
  const secure = app.config.PUBLIC_URL.startsWith('https:');
  // The device cookie's MAC: keyed with the installation's secret, so it outlives a restart.
  const deviceMac = (id: string) => app.tokens.tag('admin-device', id);

  http.get('/admin/login', (c) => {
    if (state.sessionOf(c)) return c.redirect('/admin', REDIRECT.ELSEWHERE);
    return c.html(loginPage(name, csrfField(c, app)));
  });

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
    const turn = state.limits.take(client, device !== undefined);
    if (!turn.ok) {
      c.header('Retry-After', String(turn.retryAfterSeconds));
      const minutes = Math.ceil(turn.retryAfterSeconds / 60);
      return c.html(
        loginPage(name, csrfField(c, app), `Too many failed sign-ins from here. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`),
        statusOf('RATE_LIMITED'),
      );
    }
    if (turn.waitMs > 0) await sleep(turn.waitMs);
    const password = typeof body.password === 'string' ? body.password.slice(0, 1024) : '';
    const ok = password.length > 0 && (await verifyPassword(password, await state.passwordHash));
    if (!ok) {
      await sleep(Math.max(0, FAILED_LOGIN_MS - (performance.now() - started)));
      return c.html(loginPage(name, csrfField(c, app), 'Wrong password.'), statusOf('UNAUTHORIZED'));
    }
    state.limits.succeed(client, turn);
    setCookie(c, ADMIN_COOKIE, state.sessions.create().cookie, { path: '/admin', httpOnly: true, sameSite: 'Strict', secure, maxAge: SESSION_SECONDS });
    // The browser is recognised from now on (the same id again when it already was).
    const cookie = device ? `${device}.${deviceMac(device)}` : newDevice(deviceMac).cookie;
    setCookie(c, DEVICE_COOKIE, cookie, { path: '/admin/login', httpOnly: true, sameSite: 'Strict', secure, maxAge: DEVICE_SECONDS });
    app.log.info(`admin: signed in from ${ip}`);
    return c.redirect('/admin', REDIRECT.AFTER_POST);
  });

  http.post('/admin/logout', (c) => {
    const session = state.sessionOf(c);
    if (session) state.sessions.delete(session.id);
    deleteCookie(c, ADMIN_COOKIE, { path: '/admin', httpOnly: true, sameSite: 'Strict', secure });
    return c.redirect('/admin/login', REDIRECT.AFTER_POST);
  });
}
