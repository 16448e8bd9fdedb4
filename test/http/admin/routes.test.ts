import { afterEach, describe, expect, it } from 'vitest';
import { fromIp } from '../../helpers/forms.js';
import { SEED } from '../../helpers/workspace.js';
import { type AdminRig, PASSWORD, adminRig } from './helpers.js';

let rig: AdminRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

const HOUR = 3600_000;

describe('/admin without a configured password', () => {
  it('does not exist: every /admin path is the 404 page', async () => {
    rig = await adminRig({});
    for (const path of ['/admin', '/admin/', '/admin/login', '/admin/subscribers']) {
      expect((await rig.get(path)).status).toBe(404);
    }
    expect((await rig.post('/admin/login', { password: PASSWORD })).status).toBe(404);
  });
});

describe('/admin without a session', () => {
  it('sends every GET to the login form and refuses every POST with 403, changing nothing', async () => {
    rig = await adminRig();
    const before = await rig.app.store.status(5);
    for (const path of ['/admin', '/admin/', '/admin/subscribers', '/admin/issues/1']) {
      const res = await rig.get(path);
      expect(res.status, path).toBe(302);
      expect(res.headers.get('location')).toBe('/admin/login');
    }
    for (const path of ['/admin', '/admin/logout', '/admin/subscribers/remove']) {
      const res = await rig.post(path, { email: 'ada@example.org' });
      expect(res.status, path).toBe(403);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    expect(await rig.app.store.status(5)).toEqual(before);
    const form = await rig.get('/admin/login');
    expect(form.status).toBe(200);
    expect(await form.text()).toContain('type="password"');
  });

  it('refuses a POST from another site (Origin check) even on the login form', async () => {
    rig = await adminRig();
    const res = await rig.http.request('/admin/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
      body: `password=${encodeURIComponent(PASSWORD)}`,
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('set-cookie') ?? '').not.toContain('pb_admin');
  });
});

describe('signing in', () => {
  it('refuses a wrong password with 401, says so, and sets no session cookie', async () => {
    rig = await adminRig();
    const { res, cookie } = await rig.login('not the password at all');
    expect(res.status).toBe(401);
    expect(await res.text()).toContain('Wrong password.');
    expect(cookie).toBeUndefined();
  });

  it('refuses a login form without its CSRF token', async () => {
    rig = await adminRig();
    const res = await rig.post('/admin/login', { password: PASSWORD });
    expect(res.status).toBe(403);
    expect(res.headers.get('set-cookie') ?? '').not.toContain('pb_admin');
  });

  it('answers the 6th failure from one address within 15 minutes with 429, even with the right password', async () => {
    rig = await adminRig();
    for (let i = 0; i < 5; i++) expect((await rig.login(`wrong password ${i}`)).res.status).toBe(401);
    const sixth = await rig.login(PASSWORD);
    expect(sixth.res.status).toBe(429);
    expect(sixth.cookie).toBeUndefined();
    // Another address is not held back; the first one is let in once the window has passed.
    expect((await rig.login(PASSWORD, '198.51.100.9')).res.status).toBe(303);
    rig.advance(15 * 60_000 + 1);
    const later = await rig.login(PASSWORD);
    expect(later.res.status).toBe(303);
    expect(later.cookie).toBeDefined();
  });

  it('sets an HttpOnly, SameSite=Strict cookie for /admin with a Max-Age, Secure under an https PUBLIC_URL', async () => {
    rig = await adminRig();
    const { res } = await rig.login();
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin');
    const set = res.headers.get('set-cookie')!;
    expect(set).toMatch(/^pb_admin=[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43};/);
    expect(set).toContain('HttpOnly');
    expect(set).toContain('SameSite=Strict');
    expect(set).toContain('Path=/admin');
    expect(set).toContain('Max-Age=43200');
    expect(set).toContain('Secure');
  });

  it('leaves Secure off under an http PUBLIC_URL (a local run)', async () => {
    rig = await adminRig({ ADMIN_PASSWORD: PASSWORD, PUBLIC_URL: 'http://localhost:3000' });
    const { res } = await rig.login();
    expect(res.status).toBe(303);
    const set = res.headers.get('set-cookie')!;
    expect(set).toContain('HttpOnly');
    expect(set).not.toContain('Secure');
  });
});

describe('the overview', () => {
  it('shows subscribers by state and the last issue with its deliveries', async () => {
    rig = await adminRig({ ADMIN_PASSWORD: PASSWORD }, async (ws) => {
      await ws.cli(['subscribers', 'add', 'grace@example.org']);
      await ws.cli(['ingest', SEED]);
      expect((await ws.cli(['send'])).code).toBe(0);
    });
    const { cookie } = await rig.login();
    const res = await rig.get('/admin', cookie);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const page = await res.text();
    expect(page).toContain('<span data-subscribers="active">2</span> active');
    expect(page).toContain('<span data-subscribers="pending">0</span> pending');
    const issue = (await rig.app.store.status(1)).lastIssues[0]!;
    expect(page).toContain(`<strong>#${issue.id}</strong>`);
    expect(page).toMatch(/2 sent/);
    expect(page).toContain('Open alerts');
    expect(page).toContain('Bounces and complaints');
    expect(page).not.toMatch(/<script(?![^>]*src=)/);
    expect(page).not.toContain('style=');
  });
});

describe('a session', () => {
  it('refuses a POST without or with a wrong CSRF token (403), and the session survives', async () => {
    rig = await adminRig();
    const { cookie } = await rig.login();
    const csrf = await rig.csrfOf(cookie!);
    expect(csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await rig.post('/admin/logout', {}, cookie)).status).toBe(403);
    const wrong = csrf.slice(0, -1) + (csrf.endsWith('A') ? 'B' : 'A');
    expect((await rig.post('/admin/logout', { csrf: wrong }, cookie)).status).toBe(403);
    expect((await rig.post('/admin/logout', { csrf: 'short' }, cookie)).status).toBe(403);
    expect((await rig.get('/admin', cookie)).status).toBe(200);
  });

  it('answers a garbled form body with 400, changing nothing', async () => {
    rig = await adminRig();
    const { cookie } = await rig.login();
    const ada = (await rig.app.store.findSubscriber('ada@example.org'))!;
    const res = await rig.http.request(
      `/admin/subscribers/${ada.id}/remove`,
      {
        method: 'POST',
        headers: { cookie: cookie!, origin: rig.origin, 'content-type': 'multipart/form-data; boundary=xyz' },
        body: '--xyz\r\nContent-Disposition: form-data; name="csrf"\r\n\r\nno end',
      },
      fromIp('203.0.113.7'),
    );
    expect(res.status).toBe(400);
    expect((await rig.app.store.findSubscriber('ada@example.org'))!.status).toBe('active');
  });

  it("does not accept another session's CSRF token", async () => {
    rig = await adminRig();
    const a = (await rig.login()).cookie!;
    const b = (await rig.login()).cookie!;
    expect((await rig.post('/admin/logout', { csrf: await rig.csrfOf(b) }, a)).status).toBe(403);
    expect((await rig.get('/admin', a)).status).toBe(200);
  });

  it('ends at logout: the old cookie no longer works', async () => {
    rig = await adminRig();
    const { cookie } = await rig.login();
    const res = await rig.post('/admin/logout', { csrf: await rig.csrfOf(cookie!) }, cookie);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/login');
    expect(res.headers.get('set-cookie')).toMatch(/pb_admin=;.*Max-Age=0/);
    const after = await rig.get('/admin', cookie);
    expect(after.status).toBe(302);
    expect(after.headers.get('location')).toBe('/admin/login');
  });

  it('expires after 12 hours: then /admin goes back to the login form', async () => {
    rig = await adminRig();
    const { cookie } = await rig.login();
    rig.advance(12 * HOUR - 1000);
    expect((await rig.get('/admin', cookie)).status).toBe(200);
    rig.advance(1000);
    const res = await rig.get('/admin', cookie);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/admin/login');
  });

  it('refuses a forged cookie (the HMAC changed) or an unknown one', async () => {
    rig = await adminRig();
    const { cookie } = await rig.login();
    const forged = cookie!.slice(0, -1) + (cookie!.endsWith('A') ? 'B' : 'A');
    const otherId = cookie!.replace(/=(.)/, (_m, ch: string) => `=${ch === 'A' ? 'B' : 'A'}`);
    for (const c of [forged, otherId, 'pb_admin=x', 'pb_admin=']) {
      expect((await rig.get('/admin', c)).status, c).toBe(302);
    }
    expect((await rig.get('/admin', cookie)).status).toBe(200);
  });

  it('answers an unknown /admin page with 404 once signed in', async () => {
    rig = await adminRig();
    const { cookie } = await rig.login();
    expect((await rig.get('/admin/nope', cookie)).status).toBe(404);
  });
});
