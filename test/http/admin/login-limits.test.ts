/**
 * An attacker without the password cannot lock the operator out of /admin. Issue 16, item 8:
 * fifty failed logins from anywhere locked the login for everyone for 15 minutes. Now guesses
 * are limited per client (5 per 15 minutes per address, or per browser that signed in before),
 * and past fifty failures overall unrecognised clients are paced, never refused.
 */
import type { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { fromIp } from '../../helpers/forms.js';
import { type AdminRig, PASSWORD, adminRig } from './helpers.js';

let rig: AdminRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** A browser at `ip` that keeps the cookies it is given (CSRF, device): it opens the login form once, then signs in. */
async function browser(http: Hono, origin: string, ip: string) {
  const jar = new Map<string, string>();
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const keep = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const m = /^([^=]+)=([^;]*)/.exec(line);
      if (m) jar.set(m[1]!, m[2]!);
    }
  };
  const page = await http.request('/admin/login', {}, fromIp(ip));
  keep(page);
  const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  return {
    jar,
    async login(password: string) {
      const res = await http.request(
        '/admin/login',
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin, cookie: cookie() },
          body: new URLSearchParams({ password, csrf }).toString(),
        },
        fromIp(ip),
      );
      keep(res);
      return res.status;
    },
  };
}

describe('failed logins from anywhere', () => {
  it('fifty of them from fifty addresses lock nobody out: the next guess is checked, and the operator signs in', async () => {
    rig = await adminRig();
    const guesses = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => (await browser(rig!.http, rig!.origin, `10.1.${i >> 8}.${i & 255}`)).login(`wrong guess ${i}`)),
    );
    expect(new Set(guesses)).toEqual(new Set([401]));
    expect(await (await browser(rig.http, rig.origin, '10.2.0.1')).login('yet another guess')).toBe(401);
    // The operator, from an address and a browser never seen before.
    expect(await (await browser(rig.http, rig.origin, '198.51.100.20')).login(PASSWORD)).toBe(303);
  });
});

describe('failed logins from one client', () => {
  it('parallel guesses cannot outrun the limit: of 20 at once, 5 are checked and 15 refused', async () => {
    rig = await adminRig();
    const attacker = await browser(rig.http, rig.origin, '192.0.2.66');
    const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => attacker.login(`parallel guess ${i}`)));
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
  });

  it('a browser that signed in before is not held back by failures from its address; a new one is', async () => {
    rig = await adminRig();
    const operator = await browser(rig.http, rig.origin, '203.0.113.7');
    expect(await operator.login(PASSWORD)).toBe(303);
    expect(operator.jar.get('pb_admin_device')).toMatch(/^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
    // Someone else behind the same address (a shared NAT, or a proxy TRUST_PROXY does not know of).
    const attacker = await browser(rig.http, rig.origin, '203.0.113.7');
    for (let i = 0; i < 5; i++) expect(await attacker.login(`guess ${i}`)).toBe(401);
    expect(await attacker.login(PASSWORD)).toBe(429);
    expect(await (await browser(rig.http, rig.origin, '203.0.113.7')).login(PASSWORD)).toBe(429);
    expect(await operator.login(PASSWORD)).toBe(303);
  });

  it('the device cookie: HttpOnly, SameSite=Strict, sent to /admin/login only, Secure under https, for a year', async () => {
    rig = await adminRig();
    const { res } = await rig.login();
    const line = res.headers.getSetCookie().find((l) => l.startsWith('pb_admin_device='))!;
    expect(line).toMatch(/^pb_admin_device=[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+;/);
    for (const part of ['HttpOnly', 'SameSite=Strict', 'Path=/admin/login', 'Secure', `Max-Age=${365 * 24 * 3600}`]) expect(line).toContain(part);
  });

  it('a forged or altered device cookie counts as none', async () => {
    rig = await adminRig();
    const operator = await browser(rig.http, rig.origin, '203.0.113.7');
    expect(await operator.login(PASSWORD)).toBe(303);
    const real = operator.jar.get('pb_admin_device')!;
    const forger = await browser(rig.http, rig.origin, '203.0.113.7');
    for (let i = 0; i < 5; i++) expect(await forger.login(`guess ${i}`)).toBe(401);
    for (const forged of [`${real.slice(0, -1)}${real.endsWith('A') ? 'B' : 'A'}`, 'A'.repeat(22), `${'B'.repeat(22)}.${real.split('.')[1]}`]) {
      forger.jar.set('pb_admin_device', forged);
      expect(await forger.login(PASSWORD), forged).toBe(429);
    }
  });
});
