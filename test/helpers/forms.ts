/**
 * Driving the HTTP server's forms in-process as a browser would: GET the page (which sets the
 * CSRF cookie and puts its token in the form), then POST with the cookie, the token and a
 * same-origin Origin header, from a given client address.
 */
import type { Hono } from 'hono';

/** The bindings @hono/node-server passes: the client's socket address. */
export const fromIp = (ip: string) => ({ incoming: { socket: { remoteAddress: ip } } });

export interface FormSession {
  /** The page the session started on. */
  html: string;
  status: number;
  csrf: string;
  cookie: string;
  /** POSTs `fields` (plus the CSRF token unless `csrf: false`) to `path`. */
  post(path: string, fields: Record<string, string>, opts?: { csrf?: boolean; origin?: string | null; ip?: string; cookie?: boolean }): Promise<Response>;
}

export async function formSession(http: Hono, path: string, origin: string, ip = '203.0.113.7'): Promise<FormSession> {
  const res = await http.request(path, {}, fromIp(ip));
  const html = await res.text();
  const cookie = /pb_csrf=[^;]+/.exec(res.headers.get('set-cookie') ?? '')?.[0] ?? '';
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  return {
    html,
    status: res.status,
    csrf,
    cookie,
    async post(to, fields, opts = {}) {
      const body = new URLSearchParams({ ...fields, ...(opts.csrf === false ? {} : { csrf }) }).toString();
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
      if (opts.origin !== null) headers.origin = opts.origin ?? origin;
      if (opts.cookie !== false && cookie) headers.cookie = cookie;
      return http.request(to, { method: 'POST', headers, body }, fromIp(opts.ip ?? ip));
    },
  };
}
