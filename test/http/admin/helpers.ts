/**
 * An app with /admin configured, a fake clock, and a browser-like way to sign in and post forms.
 */
import type { Hono } from 'hono';
import { type App, createApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import { createHttpApp } from '../../../src/http/server.js';
import { silentLog } from '../../../src/log.js';
import { formSession, fromIp } from '../../helpers/forms.js';
import { type Workspace, workspace } from '../../helpers/workspace.js';

export const PASSWORD = 'correct horse battery staple';

export interface AdminRig {
  ws: Workspace;
  app: App;
  http: Hono;
  origin: string;
  /** Moves the fake clock forward. */
  advance(ms: number): void;
  /** Signs in from `ip`: the login answer and the session cookie it set (`pb_admin=…`, or undefined). */
  login(password?: string, ip?: string): Promise<{ res: Response; cookie: string | undefined }>;
  /** GET with the session cookie. */
  get(path: string, cookie?: string): Promise<Response>;
  /** POST a form with the session cookie and a same-origin Origin. */
  post(path: string, fields: Record<string, string>, cookie?: string): Promise<Response>;
  /** POST multipart/form-data (a file upload) with the session cookie and a same-origin Origin. */
  postMultipart(path: string, form: FormData, cookie?: string): Promise<Response>;
  /** The CSRF token on a signed-in page. */
  csrfOf(cookie: string): Promise<string>;
  close(): Promise<void>;
}

/** A workspace with `env` (e.g. ADMIN_PASSWORD), its app on a fake clock, and the HTTP routes. */
export async function adminRig(env: Record<string, string> = { ADMIN_PASSWORD: PASSWORD }, setUp?: (ws: Workspace) => Promise<void>): Promise<AdminRig> {
  let t = Date.parse('2026-11-27T09:00:00Z');
  const now = () => new Date(t);
  const ws = workspace(env, now);
  await ws.cli(['subscribers', 'add', 'ada@example.org']);
  await setUp?.(ws);
  const app = await createApp(loadConfig(ws.env, ws.dir), silentLog, { now });
  const http = createHttpApp(app);
  const origin = app.config.PUBLIC_URL;
  const ip = '203.0.113.7';
  const get = async (path: string, cookie?: string) => http.request(path, cookie ? { headers: { cookie } } : {}, fromIp(ip));
  const post = async (path: string, fields: Record<string, string>, cookie?: string) =>
    http.request(
      path,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin, ...(cookie ? { cookie } : {}) },
        body: new URLSearchParams(fields).toString(),
      },
      fromIp(ip),
    );
  const postMultipart = async (path: string, form: FormData, cookie?: string) => {
    // Encoded as a browser would (boundary, Content-Length), so the body limit sees the real size.
    const req = new Request('http://localhost/', { method: 'POST', body: form });
    const body = new Uint8Array(await req.arrayBuffer());
    const headers = { 'content-type': req.headers.get('content-type')!, 'content-length': String(body.byteLength), origin, ...(cookie ? { cookie } : {}) };
    return http.request(path, { method: 'POST', headers, body }, fromIp(ip));
  };
  return {
    ws,
    app,
    http,
    origin,
    advance: (ms) => void (t += ms),
    async login(password = PASSWORD, from = ip) {
      const form = await formSession(http, '/admin/login', origin, from);
      const res = await form.post('/admin/login', { password }, { ip: from });
      return { res, cookie: /pb_admin=[^;]+/.exec(res.headers.get('set-cookie') ?? '')?.[0] };
    },
    get,
    post,
    postMultipart,
    async csrfOf(cookie) {
      const page = await (await get('/admin', cookie)).text();
      return /name="csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
    },
    async close() {
      await app.close();
      ws.cleanup();
    },
  };
}

/** A rig signed in: the rig, its session cookie and the session's CSRF token. */
export async function signedInRig(env?: Record<string, string>, setUp?: (ws: Workspace) => Promise<void>): Promise<{ rig: AdminRig; cookie: string; csrf: string }> {
  const rig = await adminRig(env, setUp);
  const { cookie } = await rig.login();
  return { rig, cookie: cookie!, csrf: await rig.csrfOf(cookie!) };
}
