/**
 * Sending from /admin: "send now" behind its confirmation, "resume" of a paused issue, and the
 * live progress as server-sent events, against a real SMTP server in-process.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { NewSubscriber } from '../../../src/store/store.js';
import { eventually } from '../../helpers/eventually.js';
import { reply, startSmtp, type TestSmtp } from '../../helpers/smtp.js';
import { SEED } from '../../helpers/workspace.js';
import { type AdminRig, PASSWORD, adminRig } from './helpers.js';

let rig: AdminRig | undefined;
let smtp: TestSmtp | undefined;
afterEach(async () => {
  await rig?.close();
  await smtp?.close();
  rig = undefined;
  smtp = undefined;
});

const readers = (n: number): NewSubscriber[] =>
  Array.from({ length: n }, (_, i) => ({ email: `reader${i}@example.net`, status: 'active', topics: [], frequency: 'daily', source: 'test' }));

/** A signed-in rig sending to `smtp`, the seed ingested, and `extra` more readers. */
async function signedIn(env: Record<string, string>, extra = 0): Promise<{ rig: AdminRig; cookie: string; csrf: string }> {
  rig = await adminRig({ ADMIN_PASSWORD: PASSWORD, ...env }, async (ws) => {
    await ws.cli(['ingest', SEED]);
  });
  if (extra) await rig.app.store.insertSubscribers(readers(extra));
  const { cookie } = await rig.login();
  return { rig, cookie: cookie!, csrf: await rig.csrfOf(cookie!) };
}

const count = (r: AdminRig, sql: string) => Number(r.ws.rows<{ n: number | string }>(sql)[0]!.n);
const issues = (r: AdminRig) => count(r, 'select count(*) n from issues');

/** The `progress` events of a stream, until it ends. */
async function events(res: Response): Promise<Record<string, unknown>[]> {
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((block) => block.includes('event: progress'))
    .map((block) => JSON.parse(/^data: (.*)$/m.exec(block)![1]!) as Record<string, unknown>);
}

describe('/admin sending without a session', () => {
  it('sends reads to the login form and refuses every POST, building and sending nothing', async () => {
    smtp = await startSmtp();
    rig = await adminRig({ ADMIN_PASSWORD: PASSWORD, SMTP_URL: smtp.url }, async (ws) => void (await ws.cli(['ingest', SEED])));
    for (const path of ['/admin/issues/next/daily/send', '/admin/issues/1/progress', '/admin/assets/progress.js']) {
      const res = await rig.get(path);
      expect(res.status, path).toBe(302);
      expect(res.headers.get('location')).toBe('/admin/login');
    }
    for (const path of ['/admin/issues/next/daily/send', '/admin/issues/1/resume']) {
      expect((await rig.post(path, { csrf: 'x' })).status, path).toBe(403);
    }
    expect(issues(rig)).toBe(0);
    expect(smtp.received).toHaveLength(0);
  });
});

describe('send now', () => {
  it('asks first: the confirmation names the subject, the recipients and the mail server, and builds nothing', async () => {
    smtp = await startSmtp();
    const { rig, cookie } = await signedIn({ SMTP_URL: smtp.url }, 2);
    const list = await (await rig.get('/admin/issues', cookie)).text();
    expect(list).toContain('href="/admin/issues/next/daily/send"');
    const res = await rig.get('/admin/issues/next/daily/send', cookie);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('Send the daily issue now?');
    expect(text).toMatch(/30 papers to <strong>3<\/strong> recipients, through [^<]*127\.0\.0\.1/);
    expect(text).toContain('<form class="card" method="post" action="/admin/issues/next/daily/send">');
    expect(issues(rig)).toBe(0);
  });

  it("refuses a POST without the session's CSRF token, changing nothing", async () => {
    smtp = await startSmtp();
    const { rig, cookie } = await signedIn({ SMTP_URL: smtp.url });
    expect((await rig.post('/admin/issues/next/daily/send', {}, cookie)).status).toBe(403);
    expect((await rig.post('/admin/issues/next/daily/send', { csrf: 'forged' }, cookie)).status).toBe(403);
    expect(issues(rig)).toBe(0);
    expect(smtp.received).toHaveLength(0);
  });

  it('builds the issue, answers at once with its page, and delivers it in the background', async () => {
    smtp = await startSmtp();
    const { rig, cookie, csrf } = await signedIn({ SMTP_URL: smtp.url }, 4);
    const res = await rig.post('/admin/issues/next/daily/send', { csrf }, cookie);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/issues/1');
    await rig.app.idle();
    expect(smtp.received.map((m) => m.envelope.to[0]).sort()).toEqual(['ada@example.org', ...readers(4).map((r) => r.email)].sort());
    expect(rig.ws.rows('select status from issues')).toEqual([{ status: 'sent' }]);
    const page = await (await rig.get('/admin/issues/1', cookie)).text();
    expect(page).toContain('<dd data-count="sent">5</dd>');
    // Nothing new since: a second "send now" has nothing to send.
    const again = await rig.post('/admin/issues/next/daily/send', { csrf }, cookie);
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('nothing was sent');
    expect(issues(rig)).toBe(1);
  });

  it('with a dead SMTP server says so and builds nothing', async () => {
    const { rig, cookie, csrf } = await signedIn({ SMTP_URL: 'smtp://127.0.0.1:9' });
    const res = await rig.post('/admin/issues/next/daily/send', { csrf }, cookie);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('Nothing was sent');
    expect(issues(rig)).toBe(0);
  });

  it('with nothing new says there is nothing to send, at the confirmation and at the POST', async () => {
    smtp = await startSmtp();
    rig = await adminRig({ ADMIN_PASSWORD: PASSWORD, SMTP_URL: smtp.url });
    const { cookie } = await rig.login();
    const csrf = await rig.csrfOf(cookie!);
    expect((await rig.get('/admin/issues/next/daily/send', cookie)).status).toBe(409);
    expect((await rig.post('/admin/issues/next/daily/send', { csrf }, cookie)).status).toBe(409);
    expect(issues(rig)).toBe(0);
  });

  it('runs one send at a time: a second while the first runs is refused', async () => {
    smtp = await startSmtp({ dataDelayMs: 100 });
    const { rig, cookie, csrf } = await signedIn({ SMTP_URL: smtp.url, SMTP_POOL: '1' }, 5);
    expect((await rig.post('/admin/issues/next/daily/send', { csrf }, cookie)).status).toBe(303);
    const second = await rig.post('/admin/issues/next/weekly/send', { csrf }, cookie);
    expect(second.status).toBe(409);
    expect(await second.text()).toContain('issue #1 is being sent from here');
    await rig.app.idle();
    expect(issues(rig)).toBe(1);
    expect(smtp.received).toHaveLength(6);
  });
});

describe('live progress', () => {
  it('streams the counts as server-sent events until the send is over', async () => {
    smtp = await startSmtp({ dataDelayMs: 40 });
    const { rig, cookie, csrf } = await signedIn({ SMTP_URL: smtp.url, SMTP_POOL: '1' }, 9);
    expect((await rig.post('/admin/issues/next/daily/send', { csrf }, cookie)).status).toBe(303);
    const page = await rig.get('/admin/issues/1', cookie);
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(await page.text()).toContain('data-progress-src="/admin/issues/1/progress"');
    const res = await rig.get('/admin/issues/1/progress', cookie);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const seen = await events(res);
    expect(seen.length).toBeGreaterThan(1);
    expect(seen[0]).toMatchObject({ issueId: 1, total: 10, running: true, done: false });
    const sent = seen.map((e) => e.sent as number);
    expect(sent).toEqual([...sent].sort((a, b) => a - b));
    expect(seen.at(-1)).toMatchObject({ status: 'sent', sent: 10, pending: 0, sending: 0, running: false, done: true });
    await rig.app.idle();
  });

  it('ends at once for an issue that is over, and is 404 for an unknown one', async () => {
    smtp = await startSmtp();
    const { rig, cookie } = await signedIn({ SMTP_URL: smtp.url });
    expect((await rig.ws.cli(['send'])).code).toBe(0);
    const seen = await events(await rig.get('/admin/issues/1/progress', cookie));
    expect(seen).toEqual([expect.objectContaining({ status: 'sent', sent: 1, done: true })]);
    expect((await rig.get('/admin/issues/99/progress', cookie)).status).toBe(404);
    const script = await rig.get('/admin/assets/progress.js', cookie);
    expect(script.headers.get('content-type')).toContain('javascript');
    expect(await script.text()).toContain('EventSource');
  });
});

describe('resume', () => {
  it('sends what a paused issue has left, and clears its alert', async () => {
    let refusing = true;
    smtp = await startSmtp({ onRcpt: () => (refusing ? reply(421, '4.7.0 Try again later, closing connection') : undefined) });
    const { rig, cookie, csrf } = await signedIn({ SMTP_URL: smtp.url, MAX_SEND_ERRORS: '2' }, 3);
    const run = await rig.ws.cli(['send']);
    expect(run.code).not.toBe(0);
    expect(rig.ws.rows('select status from issues')).toEqual([{ status: 'paused' }]);
    await rig.app.store.openAlert({ key: 'issue-paused:1', subject: 'issue #1 paused', detail: '421' }, new Date().toISOString());

    const page = await (await rig.get('/admin/issues/1', cookie)).text();
    expect(page).toContain('<form method="post" action="/admin/issues/1/resume"');
    refusing = false;
    const res = await rig.post('/admin/issues/1/resume', { csrf }, cookie);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/issues/1');
    await rig.app.idle();
    expect(rig.ws.rows('select status from issues')).toEqual([{ status: 'sent' }]);
    expect(count(rig, "select count(*) n from deliveries where status = 'sent'")).toBe(4);
    expect(await rig.app.store.openAlerts()).toEqual([]);
    // A sent issue has nothing to resume; an unknown one is 404.
    expect((await rig.post('/admin/issues/1/resume', { csrf }, cookie)).status).toBe(409);
    expect((await rig.post('/admin/issues/42/resume', { csrf }, cookie)).status).toBe(404);
  });
});

describe('shutting down during a send', () => {
  it('stops gracefully: what was in flight is recorded, nothing is left in flight, the rest waits', async () => {
    smtp = await startSmtp({ dataDelayMs: 60 });
    const { rig: r, csrf, cookie } = await signedIn({ SMTP_URL: smtp.url, SMTP_POOL: '1' }, 40);
    rig = undefined;
    expect((await r.post('/admin/issues/next/daily/send', { csrf }, cookie)).status).toBe(303);
    await eventually(() => smtp!.received.length >= 3, { what: 'the first three messages', timeoutMs: 30_000 });
    await r.app.close();
    const rows = r.ws.rows<{ status: string; n: number | string }>('select status, count(*) n from deliveries group by status order by status');
    const by = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    expect(by.sending ?? 0).toBe(0);
    expect(by.sent).toBe(smtp.received.length);
    expect(by.pending).toBeGreaterThan(0);
    expect((by.sent ?? 0) + (by.pending ?? 0)).toBe(41);
    r.ws.cleanup();
  });
});
