/**
 * Behind a reverse proxy (TRUST_PROXY = the number of proxies in front), the client's address is
 * the right-most X-Forwarded-For entry no trusted proxy wrote: what the client writes itself (the
 * entries on the left) never decides it. Issue 16, item 3: with TRUST_PROXY=true the first entry
 * was taken, so varying it escaped the subscribe limit and the admin login limit.
 */
import type { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { fromIp } from '../helpers/forms.js';
import { type ReaderRig, readerRig } from '../helpers/reader.js';
import type { TestSmtp } from '../helpers/smtp.js';
import { type AdminRig, PASSWORD, adminRig } from './admin/helpers.js';

const ORIGIN = 'https://news.example.org';
/** The reverse proxy's own address: every request reaches Paperboy from it. */
const PROXY = '10.0.0.1';

let reader: ReaderRig | undefined;
let app: App | undefined;
let smtp: TestSmtp | undefined;
let rig: AdminRig | undefined;
afterEach(async () => {
  await reader?.close();
  await rig?.close();
  reader = app = smtp = rig = undefined;
});

/** A browser behind the proxy: GET `page` for the CSRF cookie and token, then POST forms, each with its own X-Forwarded-For. */
async function browser(http: Hono, page: string) {
  const res = await http.request(page, { headers: { 'x-forwarded-for': '198.51.100.7' } }, fromIp(PROXY));
  const html = await res.text();
  const cookie = /pb_csrf=[^;]+/.exec(res.headers.get('set-cookie') ?? '')?.[0] ?? '';
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  return (path: string, fields: Record<string, string>, forwardedFor: string) =>
    http.request(
      path,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ORIGIN, cookie, 'x-forwarded-for': forwardedFor },
        body: new URLSearchParams({ ...fields, csrf }).toString(),
      },
      fromIp(PROXY),
    );
}

async function subscribeRig(env: Record<string, string>) {
  reader = await readerRig({ env: { SUBSCRIBE_LIMIT_PER_IP: '3', ...env }, clock: 'real' });
  ({ app, smtp } = reader);
  return browser(reader.http, '/');
}

describe('the subscribe limit behind a proxy', () => {
  it('TRUST_PROXY=true: a client varying the X-Forwarded-For it sends is still one address (the entry the proxy appended)', async () => {
    const post = await subscribeRig({ TRUST_PROXY: 'true' });
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      const res = await post('/subscribe', { email: `r${i}@example.org` }, `192.0.2.${i + 1}, 198.51.100.7`);
      statuses.push(res.status);
    }
    await app!.idle();
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
    expect(smtp!.received).toHaveLength(3);
    // Another client behind the same proxy is not held back.
    expect((await post('/subscribe', { email: 'other@example.org' }, '192.0.2.1, 198.51.100.8')).status).toBe(200);
  });

  it('TRUST_PROXY=2: the second entry from the right is the client, whatever is written left of it', async () => {
    const post = await subscribeRig({ TRUST_PROXY: '2' });
    const statuses = [];
    for (let i = 0; i < 5; i++) {
      const res = await post('/subscribe', { email: `r${i}@example.org` }, `192.0.2.${i + 1}, 198.51.100.7, 10.0.0.2`);
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    // The outer proxy's address changes nothing either: the client is still 198.51.100.7.
    expect((await post('/subscribe', { email: 'r9@example.org' }, '198.51.100.7, 10.0.0.3')).status).toBe(429);
  });

  it('TRUST_PROXY=false (the default): X-Forwarded-For is ignored; every request is the proxy’s', async () => {
    const post = await subscribeRig({});
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await post('/subscribe', { email: `r${i}@example.org` }, `198.51.100.${i + 1}`)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
  });
});

describe('the admin login limit behind a proxy', () => {
  it('TRUST_PROXY=true: five failures from one client lock that client out, however it varies X-Forwarded-For', async () => {
    rig = await adminRig({ ADMIN_PASSWORD: PASSWORD, TRUST_PROXY: 'true' });
    const post = await browser(rig.http, '/admin/login');
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await post('/admin/login', { password: `wrong password ${i}` }, `192.0.2.${i + 1}, 198.51.100.7`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    const sixth = await post('/admin/login', { password: PASSWORD }, '203.0.113.99, 198.51.100.7');
    expect(sixth.status).toBe(429);
    expect(sixth.headers.get('set-cookie') ?? '').not.toContain('pb_admin=');
    // The operator, another client behind the same proxy, signs in.
    expect((await post('/admin/login', { password: PASSWORD }, '198.51.100.8')).status).toBe(303);
  });
});
