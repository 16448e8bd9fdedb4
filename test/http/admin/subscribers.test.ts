import { afterEach, describe, expect, it } from 'vitest';
import type { NewSubscriber } from '../../../src/store/store.js';
import { type AdminRig, adminRig, signedInRig } from './helpers.js';

let rig: AdminRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** A signed-in rig, its cookie and CSRF token (closed after the test). */
async function signedIn(): Promise<{ rig: AdminRig; cookie: string; csrf: string }> {
  const signed = await signedInRig();
  rig = signed.rig;
  return signed;
}

/** The subscriber ids listed on a page, in order. */
const idsOn = (page: string) => [...page.matchAll(/<li data-id="(\d+)"/g)].map((m) => Number(m[1]));
const nextOf = (page: string) => /<a rel="next" href="([^"]+)"/.exec(page)?.[1]?.replace(/&amp;/g, '&');

const statusOf = async (r: AdminRig, email: string) => (await r.app.store.findSubscriber(email))?.status;

const sub = (email: string, extra: Partial<NewSubscriber> = {}): NewSubscriber => ({
  email,
  status: 'active',
  topics: [],
  frequency: 'daily',
  source: 'test',
  ...extra,
});

describe('/admin/subscribers without a session', () => {
  it('sends every GET to the login form and refuses every POST, changing nothing', async () => {
    rig = await adminRig();
    const ada = (await rig.app.store.findSubscriber('ada@example.org'))!;
    for (const path of ['/admin/subscribers', '/admin/subscribers/export.csv', `/admin/subscribers/${ada.id}/forget`, '/admin/subscribers?q=ada']) {
      const res = await rig.get(path);
      expect(res.status, path).toBe(302);
      expect(res.headers.get('location')).toBe('/admin/login');
    }
    for (const path of [`/admin/subscribers/${ada.id}/remove`, `/admin/subscribers/${ada.id}/forget`, '/admin/subscribers/add']) {
      expect((await rig.post(path, { email: 'grace@example.org', csrf: 'x' })).status, path).toBe(403);
    }
    expect(await rig.app.store.findSubscriber('ada@example.org')).toEqual(ada);
    expect(await rig.app.store.findSubscriber('grace@example.org')).toBeUndefined();
  });
});

describe('/admin/subscribers', () => {
  it('pages through 250 subscribers 100 at a time, with a next link only while more follow', async () => {
    const { rig, cookie } = await signedIn();
    await rig.app.store.insertSubscribers(Array.from({ length: 249 }, (_, i) => sub(`reader${String(i).padStart(3, '0')}@example.org`)));
    const p1 = await (await rig.get('/admin/subscribers', cookie)).text();
    expect(p1).toContain('href="/admin/subscribers"');
    expect(idsOn(p1)).toHaveLength(100);
    const next1 = nextOf(p1)!;
    expect(next1).toBe(`/admin/subscribers?after=${idsOn(p1)[99]}`);
    const p2 = await (await rig.get(next1, cookie)).text();
    expect(idsOn(p2)).toHaveLength(100);
    expect(idsOn(p2)[0]).toBeGreaterThan(idsOn(p1)[99]!);
    const p3 = await (await rig.get(nextOf(p2)!, cookie)).text();
    expect(idsOn(p3)).toHaveLength(50);
    expect(nextOf(p3)).toBeUndefined();
    expect(new Set([...idsOn(p1), ...idsOn(p2), ...idsOn(p3)]).size).toBe(250);
  });

  it('finds an address by a case-insensitive part of it, with % and _ literal', async () => {
    const { rig, cookie } = await signedIn();
    await rig.app.store.insertSubscribers([sub('Grace.Hopper@Navy.example'), sub('a%b@example.org'), sub('a_b@example.org'), sub('axb@example.org')]);
    const search = async (q: string) => {
      const page = await (await rig.get(`/admin/subscribers?q=${encodeURIComponent(q)}`, cookie)).text();
      return [...page.matchAll(/<li data-id="\d+"><strong>([^<]+)</g)].map((m) => m[1]);
    };
    expect(await search('hopper@NAVY')).toEqual(['Grace.Hopper@Navy.example']);
    expect(await search('a%b')).toEqual(['a%b@example.org']);
    expect(await search('a_b')).toEqual(['a_b@example.org']);
    expect(await search('nobody')).toEqual([]);
  });

  it('filters by state, frequency and topic, and the next link keeps the filters', async () => {
    const { rig, cookie } = await signedIn();
    await rig.app.store.insertSubscribers([
      ...Array.from({ length: 120 }, (_, i) => sub(`w${i}@example.org`, { frequency: 'weekly' })),
      sub('p@example.org', { status: 'pending', topics: ['cs.lg', 'nlp'] }),
      sub('q@example.org', { status: 'pending', topics: ['nlp-ish'] }),
    ]);
    const emails = async (query: string) => {
      const page = await (await rig.get(`/admin/subscribers?${query}`, cookie)).text();
      return [...page.matchAll(/<li data-id="\d+"><strong>([^<]+)</g)].map((m) => m[1]);
    };
    expect(await emails('status=pending')).toEqual(['p@example.org', 'q@example.org']);
    expect(await emails('topic=nlp')).toEqual(['p@example.org']);
    expect(await emails('topic=CS.LG&status=pending')).toEqual(['p@example.org']);
    expect(await emails('frequency=daily')).toEqual(['ada@example.org', 'p@example.org', 'q@example.org']);
    const weekly = await (await rig.get('/admin/subscribers?frequency=weekly', cookie)).text();
    expect(idsOn(weekly)).toHaveLength(100);
    const next = nextOf(weekly)!;
    expect(next).toContain('frequency=weekly');
    expect(await emails(next.split('?')[1]!)).toHaveLength(20);
  });

  it('removes (unsubscribes) with the CSRF token, and refuses without it', async () => {
    const { rig, cookie, csrf } = await signedIn();
    const ada = (await rig.app.store.findSubscriber('ada@example.org'))!;
    expect((await rig.post(`/admin/subscribers/${ada.id}/remove`, {}, cookie)).status).toBe(403);
    expect((await rig.post(`/admin/subscribers/${ada.id}/remove`, { csrf: csrf.slice(1) }, cookie)).status).toBe(403);
    expect(await statusOf(rig, 'ada@example.org')).toBe('active');
    const res = await rig.post(`/admin/subscribers/${ada.id}/remove`, { csrf }, cookie);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/admin/subscribers');
    expect(rig.ws.rows<{ status: string }>('select status from subscribers where id = ?', ada.id)).toEqual([{ status: 'unsubscribed' }]);
    expect((await rig.post('/admin/subscribers/999999/remove', { csrf }, cookie)).status).toBe(404);
  });

  it('forgets behind a confirmation page', async () => {
    const { rig, cookie, csrf } = await signedIn();
    const ada = (await rig.app.store.findSubscriber('ada@example.org'))!;
    const list = await (await rig.get('/admin/subscribers', cookie)).text();
    expect(list).toContain(`href="/admin/subscribers/${ada.id}/forget"`);
    const confirm = await rig.get(`/admin/subscribers/${ada.id}/forget`, cookie);
    expect(confirm.status).toBe(200);
    const text = await confirm.text();
    expect(text).toContain('Really erase ada@example.org?');
    expect(text).toContain(`action="/admin/subscribers/${ada.id}/forget"`);
    expect(await rig.app.store.getSubscriber(ada.id)).toBeDefined();
    expect((await rig.post(`/admin/subscribers/${ada.id}/forget`, {}, cookie)).status).toBe(403);
    expect(await rig.app.store.getSubscriber(ada.id)).toBeDefined();
    const res = await rig.post(`/admin/subscribers/${ada.id}/forget`, { csrf }, cookie);
    expect(res.status).toBe(303);
    expect(rig.ws.rows('select id from subscribers where id = ?', ada.id)).toEqual([]);
    expect((await rig.get(`/admin/subscribers/${ada.id}/forget`, cookie)).status).toBe(404);
  });

  it('adds a confirmed subscriber; a malformed address is 400 with the form and the error, and stores nothing', async () => {
    const { rig, cookie, csrf } = await signedIn();
    const bad = await rig.post('/admin/subscribers/add', { csrf, email: 'not an address', topics: 'nlp' }, cookie);
    expect(bad.status).toBe(400);
    const text = await bad.text();
    expect(text).toContain('invalid email address');
    expect(text).toContain('action="/admin/subscribers/add"');
    expect(rig.ws.rows('select id from subscribers')).toHaveLength(1);
    const badTopic = await rig.post('/admin/subscribers/add', { csrf, email: 'grace@example.org', topics: '<script>' }, cookie);
    expect(badTopic.status).toBe(400);
    expect(await badTopic.text()).not.toContain('<script>');
    expect(await rig.app.store.findSubscriber('grace@example.org')).toBeUndefined();
    const ok = await rig.post('/admin/subscribers/add', { csrf, email: 'Grace@Example.org', topics: 'nlp, cs.LG', frequency: 'weekly' }, cookie);
    expect(ok.status).toBe(303);
    const grace = (await rig.app.store.findSubscriber('grace@example.org'))!;
    expect(grace).toMatchObject({ status: 'active', frequency: 'weekly', topics: ['nlp', 'cs.lg'] });
  });

  it('exports the same CSV as `paperboy subscribers export`, as an attachment', async () => {
    const { rig, cookie } = await signedIn();
    await rig.app.store.insertSubscribers([sub('grace@example.org', { topics: ['nlp', 'rl'], frequency: 'weekly' })]);
    const res = await rig.get('/admin/subscribers/export.csv', cookie);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="subscribers-\d{4}-\d{2}-\d{2}\.csv"$/);
    const csv = await res.text();
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe('email,status,topics,frequency,created_at,timezone');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^ada@example\.org,active,,daily,/);
    expect(lines[2]).toMatch(/^grace@example\.org,active,nlp;rl,weekly,/);
    const cli = await rig.ws.cli(['subscribers', 'export']);
    expect(csv).toBe(cli.stdout);
  });
});
