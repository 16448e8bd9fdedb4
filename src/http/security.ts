/**
 * What every page of the HTTP server shares for safety: security headers, a body size limit, an
 * Origin check on state-changing requests, CSRF form tokens (signed double submit) and a
 * per-address rate limit (the client's address is `client-address.ts`'s). The RFC 8058 one-click unsubscribe POST is the one
 * state-changing request without the Origin check and the form token: mail clients send it.
 */
import { randomBytes } from 'node:crypto';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie, setCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import { html } from 'hono/html';
import { secureHeaders } from 'hono/secure-headers';
import type { App } from '../app.js';
import { statusOf } from '../errors.js';
import { page } from './page.js';

/** Largest request body accepted (a form is a few hundred bytes). */
export const MAX_BODY_BYTES = 16 * 1024;
/** Largest CSV the admin's import page accepts (a file or pasted lines). */
export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;
/** The import's body limit: the CSV plus room for the multipart envelope and the CSRF field. */
const MAX_IMPORT_BODY_BYTES = MAX_IMPORT_BYTES + 64 * 1024;
const CSRF_COOKIE = 'pb_csrf';
const CSRF_FIELD = 'csrf';

/** Paths whose POST is the RFC 8058 one-click unsubscribe. */
const isOneClick = (path: string) => path.startsWith('/unsubscribe/');
const isWebhook = (path: string) => path.startsWith('/webhooks/');
/** The admin's CSV upload: exactly this path, nothing under or beside it. */
const isImport = (path: string) => path === '/admin/subscribers/import';

/** The Content-Security-Policy of every page (hono's secureHeaders directives). */
const SITE_CSP: Record<string, string[]> = {
  defaultSrc: ["'none'"],
  styleSrc: ["'self'"],
  // Same-origin scripts only (`/assets/tz.js`, the admin's progress script); never an inline one.
  scriptSrc: ["'self'"],
  imgSrc: ["'self'", 'https:', 'data:'],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
};

/** Directives as a header value: `frameAncestors: ["'none'"]` → `frame-ancestors 'none'`; no value, the bare name. */
function cspHeader(directives: Record<string, string[]>): string {
  return Object.entries(directives)
    .map(([k, v]) => [k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), ...v].join(' '))
    .join('; ');
}

/**
 * The site's CSP with more directives, as a header value, for the few pages that need one more
 * thing (a same-origin frame, a same-origin event stream): e.g. `{ frameSrc: ["'self'"] }`.
 */
export function siteCspWith(extra: Record<string, string[]>): string {
  return cspHeader({ ...SITE_CSP, ...extra });
}

/**
 * The CSP of an email's own HTML served as a page: the archive's issue page and the admin's
 * preview frame. The email carries its inline styles and remote images; no script, no form, no
 * base. Nothing may frame the archive's page; only this site frames the preview, which is also
 * sandboxed.
 */
const EMAIL_CSP: Record<string, string[]> = {
  defaultSrc: ["'none'"],
  styleSrc: ["'unsafe-inline'"],
  imgSrc: ['https:', 'data:'],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
};

/**
 * The one CSP of an email shown as a page, as a header value: `framedBy: 'self'` lets this site
 * frame it (the admin's preview), and `sandbox` adds the directive of that name.
 */
export function emailPageCsp(opts: { framedBy: 'none' | 'self'; sandbox?: boolean } = { framedBy: 'none' }): string {
  return cspHeader({ ...EMAIL_CSP, frameAncestors: [`'${opts.framedBy}'`], ...(opts.sandbox ? { sandbox: [] } : {}) });
}

/** What the security middleware and the CSRF helpers read from the app. */
export type SecurityDeps = Pick<App, 'config' | 'tokens'>;

/** Installs headers, body limit and the Origin check on every route of `http`. */
export function protect(http: Hono, app: Pick<App, 'config'>): void {
  const publicOrigin = new URL(app.config.PUBLIC_URL).origin;
  http.use(
    '*',
    secureHeaders({
      // Routes may set their own CSP or Referrer-Policy (the archive's email HTML, token pages).
      overwrite: false,
      contentSecurityPolicy: SITE_CSP,
      referrerPolicy: 'strict-origin-when-cross-origin',
      xFrameOptions: 'DENY',
      crossOriginEmbedderPolicy: false,
      strictTransportSecurity: publicOrigin.startsWith('https:') ? 'max-age=15552000; includeSubDomains' : false,
    }),
  );
  const name = app.config.NEWSLETTER_NAME;
  const limit = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: (c) => c.html(page(name, html`<p>That request is too large.</p>`), statusOf('TOO_LARGE')),
  });
  const importLimit = bodyLimit({
    maxSize: MAX_IMPORT_BODY_BYTES,
    onError: (c) => c.html(page(name, html`<p>That file is too large: an import takes at most ${MAX_IMPORT_BYTES / 1024 / 1024} MB.</p>`), statusOf('TOO_LARGE')),
  });
  // Same origin as the request, or PUBLIC_URL's (behind a proxy the two differ).
  const origin = csrf({ origin: (o, c) => o === publicOrigin || o === new URL(c.req.url).origin });
  http.use('*', async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    // Provider webhooks come from servers, not browsers (no Origin; SNS posts text/plain), and carry
    // bounce dumps beyond 16 KB: they prove themselves by signature and have their own limit.
    if (isWebhook(c.req.path)) return next();
    // bodyLimit reads `c.req.raw.body`, which makes @hono/node-server build a whole web Request (a
    // stream, an AbortController) for every POST; a Content-Length within the limit needs none of
    // that: Node's parser ends the body there (`npm run bench:http`: one-click unsubscribe ~1.3x).
    const checked = async () => {
      if (isOneClick(c.req.path)) await next();
      else await origin(c, next);
    };
    // The admin's CSV import (a file upload) alone gets a larger limit; it still needs the Origin
    // check here, and the admin gate's session and CSRF token.
    const upload = isImport(c.req.path);
    const length = c.req.header('content-length') ?? '';
    if (/^\d{1,9}$/.test(length) && Number(length) <= MAX_BODY_BYTES && !c.req.header('transfer-encoding')) return checked();
    return (upload ? importLimit : limit)(c, checked);
  });
}

/** Pages whose URL holds a token: the token must not leak to another site through Referer. */
export const noReferrer: MiddlewareHandler = async (c, next) => {
  await next();
  c.header('Referrer-Policy', 'no-referrer');
};

/**
 * The hidden form field that proves a POST came from our own page: an HMAC of a random nonce
 * kept in an HttpOnly cookie (set here when missing).
 */
export function csrfField(c: Context, app: SecurityDeps) {
  let nonce = getCookie(c, CSRF_COOKIE);
  if (!nonce || !/^[A-Za-z0-9_-]{22}$/.test(nonce)) {
    nonce = randomBytes(16).toString('base64url');
    setCookie(c, CSRF_COOKIE, nonce, {
      path: '/',
      httpOnly: true,
      sameSite: 'Lax',
      secure: app.config.PUBLIC_URL.startsWith('https:'),
    });
  }
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${app.tokens.csrf(nonce)}">`;
}

/** True when the form carries the token of this browser's cookie. */
export function csrfOk(c: Context, app: Pick<App, 'tokens'>, body: Record<string, unknown>): boolean {
  const token = body[CSRF_FIELD];
  return app.tokens.checkCsrf(getCookie(c, CSRF_COOKIE), typeof token === 'string' ? token : undefined);
}

/** The answer to a form without a valid token: nothing changed. */
export function csrfRefused(c: Context, app: Pick<App, 'config'>) {
  return c.html(
    page(app.config.NEWSLETTER_NAME, html`<p>This form has expired or did not come from this site. Go back, reload the page and try again.</p>`),
    statusOf('FORBIDDEN'),
  );
}

/** The answer over a rate limit (429, an hour to wait): nothing stored, nothing sent. */
export function tooMany(c: Context, app: Pick<App, 'config'>) {
  c.header('Retry-After', '3600');
  return c.html(page(app.config.NEWSLETTER_NAME, html`<h1>Too many requests</h1><p>Please try again in an hour.</p>`), statusOf('RATE_LIMITED'));
}

/**
 * A fixed-window counter per key (requests per IP per hour). In memory: one process serves the
 * pages; a restart forgets the counts, which errs on the side of letting readers in.
 */
export class WindowLimiter {
  private readonly hits = new Map<string, { start: number; n: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Counts a request; false when `key` is over its limit for the current window. */
  take(key: string, now = Date.now()): boolean {
    if (this.hits.size > 50_000) this.prune(now);
    const h = this.hits.get(key);
    if (!h || now - h.start >= this.windowMs) {
      this.hits.set(key, { start: now, n: 1 });
      return true;
    }
    h.n++;
    return h.n <= this.limit;
  }

  private prune(now: number): void {
    for (const [k, h] of this.hits) if (now - h.start >= this.windowMs) this.hits.delete(k);
  }
}
