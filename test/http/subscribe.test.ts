/**
 * Readers subscribe themselves: the landing page, POST /subscribe, confirm, resend, and every
 * attack on them, in-process with app.request(), against a real SQLite store and a real SMTP
 * server that receives the confirmation and welcome emails. Each attack leaves the store as it was.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { type Log, createLog, silentLog } from '../../src/log.js';
import { formSession, fromIp } from '../helpers/forms.js';
import { type ReaderRig, readerRig } from '../helpers/reader.js';
import { type TestSmtp, rawHeader } from '../helpers/smtp.js';
import type { Workspace } from '../helpers/workspace.js';

let rig: ReaderRig | undefined;
let ws: Workspace | undefined;
let app: App | undefined;
let smtp: TestSmtp | undefined;
afterEach(async () => {
  await rig?.close();
  rig = app = smtp = ws = undefined;
});

const ORIGIN = 'https://news.example.org';

async function setUp(env: Record<string, string> = {}, log: Log = silentLog) {
  rig = await readerRig({ env, log });
  ({ ws, app, smtp } = rig);
  return { http: rig.http, advance: rig.advance, subscribe: rig.subscribe };
}

/** Everything the store holds about subscribers, for "nothing changed" checks. */
const snapshot = () => rig!.subscribers();

const confirmLink = (i: number) => /\/confirm\/([A-Za-z0-9_-]+)/.exec(smtp!.received[i]!.parsed.text ?? '')?.[1] ?? '';

async function confirmVia(http: Hono, token: string) {
  // The CSRF cookie and token belong to the browser, not the page: any page of ours sets them.
  const form = await formSession(http, '/', ORIGIN);
  const res = await form.post(`/confirm/${token}`, {});
  await app!.idle();
  return { page: form, res, text: await res.text() };
}

describe('the landing page', () => {
  it('shows the name, tagline, byline, the form with a honeypot and a CSRF token, and links to the archive and the feed', async () => {
    const { http } = await setUp();
    const res = await http.request('/', {}, fromIp('203.0.113.7'));
    const page = await res.text();
    expect(res.status).toBe(200);
    expect(page).toContain('Get trending papers in your email inbox!');
    expect(page).toContain('by Paperboy and the research community');
    for (const field of ['name="email"', 'name="topics"', 'value="daily" checked', 'value="weekly"', 'name="website"', 'name="csrf"']) {
      expect(page).toContain(field);
    }
    expect(page).toContain('<link rel="alternate" type="application/atom+xml"');
    expect(page).toContain('href="/archive"');
    expect(page).toContain('href="/feed.xml"');
    // The one script is the time zone field's, external: nothing inline.
    expect(page).not.toMatch(/<script(?! src="\/assets\/tz\.js" defer><\/script>)|style="/);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('set-cookie')).toMatch(/pb_csrf=.*HttpOnly.*SameSite=Lax/i);
    expect((await http.request('/assets/paperboy.css')).headers.get('content-type')).toContain('text/css');
  });

  it('lists the latest issue’s papers, linking to its archive page', async () => {
    const { http } = await setUp();
    await ws!.cli(['ingest']);
    await ws!.cli(['subscribers', 'add', 'ada@example.org']);
    await ws!.cli(['send']);
    const page = await (await http.request('/', {}, fromIp('203.0.113.7'))).text();
    expect(page).toContain('Latest issue');
    expect(page).toMatch(/<a href="https:\/\/news.example.org\/archive\/1">[^<]+<\/a>/);
    // The top ten of the 30 papers, and a link to the rest.
    expect(page.match(/<li><a href="https:\/\/news.example.org\/archive\/1">/g)).toHaveLength(10);
    expect(page).toContain('Read the whole issue: 30 papers</a>');
  });
});

describe('POST /subscribe', () => {
  it('stores a pending subscriber and sends one confirmation email, with no address in the link', async () => {
    const { subscribe } = await setUp();
    const { res, text } = await subscribe({ email: 'Ada@Example.org', topics: 'diffusion models, RL', frequency: 'weekly' });
    expect(res.status).toBe(200);
    expect(text).toContain('Check your inbox');
    expect(await snapshot()).toMatchObject([{ email: 'Ada@example.org', status: 'pending', topics: ['diffusion models', 'rl'], frequency: 'weekly' }]);
    expect(smtp!.received).toHaveLength(1);
    const mail = smtp!.received[0]!;
    expect(mail.envelope.to).toEqual(['Ada@example.org']);
    expect(mail.parsed.subject).toBe('Confirm your subscription to Paperboy');
    expect(mail.parsed.headers.has('list-unsubscribe')).toBe(false);
    const link = /https:\/\/news\.example\.org\/confirm\/\S+/.exec(mail.parsed.text ?? '')?.[0] ?? '';
    expect(link).not.toBe('');
    expect(link.toLowerCase()).not.toContain('ada');
    expect(link).not.toContain('%40');
  });

  it('answers the same for new, pending, active, unsubscribed and suppressed addresses; only new and pending get mail', async () => {
    const { subscribe, advance } = await setUp();
    await ws!.cli(['subscribers', 'add', 'active@example.org']);
    await ws!.cli(['subscribers', 'add', 'gone@example.org']);
    await ws!.cli(['subscribers', 'remove', 'gone@example.org']);
    await ws!.cli(['subscribers', 'add', 'bounced@example.org']);
    const bounced = (await app!.store.findSubscriber('bounced@example.org'))!;
    await app!.store.setSubscriberStatus(bounced.id, 'suppressed', new Date().toISOString());
    await subscribe({ email: 'pending@example.org' });
    advance(25 * 3600_000);
    smtp!.received.length = 0;

    const answers = [];
    for (const email of ['new@example.org', 'pending@example.org', 'active@example.org', 'gone@example.org', 'bounced@example.org']) {
      const { res, text } = await subscribe({ email, frequency: 'daily' }, `198.51.100.${answers.length + 1}`);
      answers.push({ status: res.status, text });
    }
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([200]));
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    // The one who unsubscribed comes back through confirmation too; active and suppressed get nothing.
    expect(smtp!.received.map((m) => m.envelope.to[0]).sort()).toEqual(['gone@example.org', 'new@example.org', 'pending@example.org']);
    expect((await app!.store.findSubscriber('gone@example.org'))!.status).toBe('unsubscribed');
    expect((await app!.store.findSubscriber('bounced@example.org'))!.status).toBe('suppressed');
  });

  it('sends at most one confirmation per address per 24 hours: five posts, one email, the store as after the first', async () => {
    const { subscribe, advance } = await setUp();
    await subscribe({ email: 'ada@example.org', topics: 'rl' });
    const after = await snapshot();
    for (let i = 0; i < 4; i++) {
      const { res } = await subscribe({ email: 'ada@example.org', topics: `other${i}`, frequency: 'weekly' });
      expect(res.status).toBe(200);
    }
    expect(smtp!.received).toHaveLength(1);
    expect(await snapshot()).toEqual(after);
    advance(24 * 3600_000 + 1000);
    await subscribe({ email: 'ada@example.org' });
    expect(smtp!.received).toHaveLength(2);
  });

  it('refuses an invalid address with 400 and the form again, the error beside the field', async () => {
    const { subscribe } = await setUp();
    for (const email of ['not-an-address', 'a@b', 'x@example.org\r\nBcc: victim@example.org', '']) {
      const { res, text } = await subscribe({ email, topics: 'rl' });
      expect(res.status).toBe(400);
      expect(text).toMatch(/<input id="email"[^>]*aria-invalid="true" aria-describedby="email-error">/);
      expect(text).toContain('<p class="error" id="email-error">Not a valid email address');
      expect(text).toContain('value="rl"');
    }
    expect(await snapshot()).toEqual([]);
    expect(smtp!.received).toHaveLength(0);
  });

  it('refuses an invalid topic with 400 beside the topics field', async () => {
    const { subscribe } = await setUp();
    const { res, text } = await subscribe({ email: 'ada@example.org', topics: '<script>alert(1)</script>' });
    expect(res.status).toBe(400);
    expect(text).toContain('id="topics-error"');
    expect(text).not.toContain('<script>');
    expect(await snapshot()).toEqual([]);
  });

  it('ignores a filled honeypot: the same answer, nothing stored, nothing sent', async () => {
    const { subscribe } = await setUp();
    const honest = await subscribe({ email: 'bot@example.org', website: 'http://spam.example' });
    expect(honest.res.status).toBe(200);
    expect(honest.text).toContain('Check your inbox');
    expect(await snapshot()).toEqual([]);
    expect(smtp!.received).toHaveLength(0);
  });

  it('limits each IP address: over the limit, 429 and nothing stored or sent', async () => {
    const { subscribe } = await setUp({ SUBSCRIBE_LIMIT_PER_IP: '3' });
    for (let i = 0; i < 3; i++) expect((await subscribe({ email: `r${i}@example.org` }, '192.0.2.1')).res.status).toBe(200);
    const before = await snapshot();
    const over = await subscribe({ email: 'r9@example.org' }, '192.0.2.1');
    expect(over.res.status).toBe(429);
    expect(over.res.headers.get('retry-after')).toBe('3600');
    expect(await snapshot()).toEqual(before);
    expect(smtp!.received).toHaveLength(3);
    expect((await subscribe({ email: 'r9@example.org' }, '192.0.2.2')).res.status).toBe(200);
  });

  it('caps confirmation emails per hour over all addresses: 429, nothing stored, until the hour is over', async () => {
    const { subscribe, advance } = await setUp({ CONFIRMATIONS_PER_HOUR: '2' });
    await subscribe({ email: 'a@example.org' }, '192.0.2.1');
    await subscribe({ email: 'b@example.org' }, '192.0.2.2');
    const before = await snapshot();
    expect((await subscribe({ email: 'c@example.org' }, '192.0.2.3')).res.status).toBe(429);
    expect(await snapshot()).toEqual(before);
    expect(smtp!.received).toHaveLength(2);
    advance(3601_000);
    expect((await subscribe({ email: 'c@example.org' }, '192.0.2.3')).res.status).toBe(200);
    expect(smtp!.received).toHaveLength(3);
  });

  it('refuses a cross-site POST, a missing or forged CSRF token, and an oversized body, changing nothing', async () => {
    const { http } = await setUp();
    const form = await formSession(http, '/', ORIGIN);
    const fields = { email: 'ada@example.org' };
    expect((await form.post('/subscribe', fields, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await form.post('/subscribe', fields, { origin: null })).status).toBe(403);
    expect((await form.post('/subscribe', fields, { csrf: false })).status).toBe(403);
    expect((await form.post('/subscribe', { ...fields, csrf: 'A'.repeat(22) }, { csrf: false })).status).toBe(403);
    expect((await form.post('/subscribe', fields, { cookie: false })).status).toBe(403);
    const big = await form.post('/subscribe', { ...fields, topics: 'x'.repeat(40_000) });
    expect(big.status).toBe(413);
    await app!.idle();
    expect(await snapshot()).toEqual([]);
    expect(smtp!.received).toHaveLength(0);
  });
});

describe('confirm', () => {
  it('GET shows a Confirm button and changes nothing; POST activates and sends the welcome email', async () => {
    const { http, subscribe } = await setUp();
    await subscribe({ email: 'ada@example.org', topics: 'rl' });
    const token = confirmLink(0);
    const get = await http.request(`/confirm/${token}`);
    expect(get.status).toBe(200);
    expect(get.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await get.text()).toContain('Confirm my subscription</button>');
    expect((await app!.store.findSubscriber('ada@example.org'))!.status).toBe('pending');

    const { res, text } = await confirmVia(http, token);
    expect(res.status).toBe(200);
    expect(text).toContain("You're subscribed");
    expect((await app!.store.findSubscriber('ada@example.org'))!.status).toBe('active');
    expect(smtp!.received).toHaveLength(2);
    const welcome = smtp!.received[1]!.parsed;
    expect(welcome.subject).toBe('Welcome to Paperboy');
    expect(rawHeader(welcome, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(rawHeader(welcome, 'List-Unsubscribe')).toMatch(/^<https:\/\/news\.example\.org\/unsubscribe\/[A-Za-z0-9_-]+>$/);
    expect(welcome.text).toMatch(/\/preferences\/[A-Za-z0-9_-]+/);
    expect(welcome.text).toMatch(/\/unsubscribe\/[A-Za-z0-9_-]+/);
    expect(welcome.text).toContain('rl');
  });

  it('works once: a second POST changes nothing and sends no second welcome', async () => {
    const { http, subscribe } = await setUp();
    await subscribe({ email: 'ada@example.org' });
    const token = confirmLink(0);
    await confirmVia(http, token);
    const again = await confirmVia(http, token);
    expect(again.res.status).toBe(200);
    expect(again.text).not.toContain('welcome email is on its way');
    expect(smtp!.received).toHaveLength(2);
    // After unsubscribing, the old link does not bring the reader back.
    const ada = (await app!.store.findSubscriber('ada@example.org'))!;
    await app!.store.setSubscriberStatus(ada.id, 'unsubscribed', new Date().toISOString());
    const reused = await confirmVia(http, token);
    expect(reused.res.status).toBe(410);
    expect((await app!.store.findSubscriber('ada@example.org'))!.status).toBe('unsubscribed');
  });

  it('refuses forged, truncated and wrong-purpose tokens with 400, changing nothing', async () => {
    const { http, subscribe } = await setUp();
    await subscribe({ email: 'ada@example.org' });
    const token = confirmLink(0);
    const ada = (await app!.store.findSubscriber('ada@example.org'))!;
    const forged = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
    for (const t of [forged, token.slice(1), 'x', app!.tokens.sign('unsubscribe', ada.id), app!.tokens.sign('preferences', ada.id)]) {
      expect((await http.request(`/confirm/${t}`)).status).toBe(400);
      const form = await formSession(http, '/', ORIGIN);
      expect((await form.post(`/confirm/${t}`, {})).status).toBe(400);
    }
    await app!.idle();
    expect((await app!.store.findSubscriber('ada@example.org'))!.status).toBe('pending');
    expect(smtp!.received).toHaveLength(1);
  });

  it('an expired link (7 days) offers a new one; the new link works and the old one does not', async () => {
    const { http, subscribe, advance } = await setUp();
    await subscribe({ email: 'ada@example.org' });
    const old = confirmLink(0);
    advance(7 * 24 * 3600_000 + 5000);
    const page = await formSession(http, `/confirm/${old}`, ORIGIN);
    expect(page.status).toBe(410);
    expect(page.html).toContain(`action="/confirm/${old}/resend"`);
    expect((await page.post(`/confirm/${old}`, {})).status).toBe(410);
    expect((await app!.store.findSubscriber('ada@example.org'))!.status).toBe('pending');

    expect((await page.post(`/confirm/${old}/resend`, {})).status).toBe(200);
    await app!.idle();
    expect(smtp!.received).toHaveLength(2);
    const fresh = confirmLink(1);
    expect(fresh).not.toBe(old);
    expect((await http.request(`/confirm/${old}`)).status).toBe(410);
    expect((await confirmVia(http, fresh)).res.status).toBe(200);
    expect((await app!.store.findSubscriber('ada@example.org'))!.status).toBe('active');
  });

  it('a suppressed address never gets mail, not even through an old link', async () => {
    const { http, subscribe, advance } = await setUp();
    await subscribe({ email: 'ada@example.org' });
    const token = confirmLink(0);
    const ada = (await app!.store.findSubscriber('ada@example.org'))!;
    await app!.store.setSubscriberStatus(ada.id, 'suppressed', new Date().toISOString());
    expect((await confirmVia(http, token)).res.status).toBe(400);
    advance(8 * 24 * 3600_000);
    await subscribe({ email: 'ada@example.org' });
    const form = await formSession(http, '/', ORIGIN);
    await form.post(`/confirm/${token}/resend`, {});
    await app!.idle();
    expect(smtp!.received).toHaveLength(1);
    expect((await app!.store.findSubscriber('ada@example.org'))!.status).toBe('suppressed');
  });

  it('without SMTP, the confirmation email lands in the outbox folder, created on first use', async () => {
    rig = await readerRig({ smtp: false, clock: 'real' });
    ({ ws, app } = rig);
    const http = rig.http;
    const form = await formSession(http, '/', ORIGIN);
    expect((await form.post('/subscribe', { email: 'ada@example.org' })).status).toBe(200);
    await app.idle();
    const files = readdirSync(app.config.OUTBOX_DIR);
    expect(files).toEqual([expect.stringMatching(/^confirm-subscriber-1-\d+\.eml$/)]);
    expect(readFileSync(path.join(app.config.OUTBOX_DIR, files[0]!), 'utf8')).toContain('Subject: Confirm your subscription to Paperboy');
  });

  it('a dead SMTP server loses nothing: the reader may ask again at once', async () => {
    const { subscribe } = await setUp();
    await smtp!.close();
    await subscribe({ email: 'ada@example.org' });
    const ada = (await app!.store.findSubscriber('ada@example.org'))!;
    expect(ada.status).toBe('pending');
    expect(ada.confirmSentAt).toBeNull();
  });
});

describe('privacy', () => {
  it('puts no email address in a URL or an info log line, from subscribing to unsubscribing', async () => {
    const lines: string[] = [];
    const { http, subscribe } = await setUp(
      {},
      createLog((l) => lines.push(l)),
    );
    const { text } = await subscribe({ email: 'ada@example.org', topics: 'rl' });
    expect(text).not.toContain('ada@example.org');
    const { text: confirmed } = await confirmVia(http, confirmLink(0));
    const urls = [
      ...confirmed.matchAll(/href="([^"]+)"/g),
      ...smtp!.received
        .map((m) => m.parsed.text ?? '')
        .join('\n')
        .matchAll(/https?:\/\/\S+/g),
    ].map((m) => m[1] ?? m[0]);
    expect(urls.length).toBeGreaterThan(3);
    for (const u of urls) expect(decodeURIComponent(u)).not.toMatch(/ada|@example\.org/);
    const ada = (await app!.store.findSubscriber('ada@example.org'))!;
    const unsubscribe = `/unsubscribe/${app!.tokens.linkTokens(ada.id).unsubscribe}`;
    expect((await http.request(unsubscribe, { method: 'POST', body: 'List-Unsubscribe=One-Click' })).status).toBe(200);
    const info = lines.filter((l) => !l.startsWith('warning: ') && !l.startsWith('error: '));
    expect(info.length).toBeGreaterThanOrEqual(3);
    for (const l of info) expect(l).not.toContain('@');
  });
});
