import { afterEach, describe, expect, it } from 'vitest';
import { chart } from '../../../src/http/admin/chart.js';
import { growthSeries } from '../../../src/http/admin/overview.js';
import { SEED } from '../../helpers/workspace.js';
import { type AdminRig, adminRig, PASSWORD } from './helpers.js';

let rig: AdminRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** One section of the overview, by the id of its heading. */
const section = (page: string, id: string) => new RegExp(`<section[^>]*aria-labelledby="${id}">([\\s\\S]*?)</section>`).exec(page)?.[1] ?? '';
const count = (text: string, re: RegExp) => (text.match(new RegExp(re, 'g')) ?? []).length;

async function signedIn(env: Record<string, string> = {}, setUp?: Parameters<typeof adminRig>[1]): Promise<{ rig: AdminRig; cookie: string }> {
  rig = await adminRig({ ADMIN_PASSWORD: PASSWORD, ...env }, setUp);
  const { cookie } = await rig.login();
  return { rig, cookie: cookie! };
}

describe('/admin without a session', () => {
  it('sends the overview to the login form', async () => {
    rig = await adminRig();
    const res = await rig.get('/admin');
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/admin/login');
  });
});

describe('/admin growth', () => {
  /** Sets a subscriber's dates behind the store's back (inserts stamp the real time). */
  const dates = (r: AdminRig, email: string, d: { created: string; confirmed?: string | null; unsubscribed?: string | null; updated?: string }) =>
    r.ws.exec(
      'update subscribers set created_at = ?, confirmed_at = ?, unsubscribed_at = ?, updated_at = ? where email = ?',
      d.created,
      d.confirmed ?? null,
      d.unsubscribed ?? null,
      d.updated ?? d.unsubscribed ?? d.confirmed ?? d.created,
      email,
    );

  async function grown() {
    const { rig, cookie } = await signedIn();
    const sub = (email: string, status: 'active' | 'pending' | 'unsubscribed' | 'suppressed') => ({
      email,
      status,
      topics: [],
      frequency: 'daily' as const,
      source: 'test',
    });
    await rig.app.store.insertSubscribers([
      sub('a1@example.org', 'active'),
      sub('a2@example.org', 'active'),
      sub('a3@example.org', 'active'),
      sub('old@example.org', 'active'),
      sub('p1@example.org', 'pending'),
      sub('u1@example.org', 'unsubscribed'),
      sub('s1@example.org', 'suppressed'),
      sub('imported@example.org', 'unsubscribed'),
    ]);
    const t = (day: string) => `${day}T10:00:00.000Z`;
    dates(rig, 'ada@example.org', { created: t('2026-01-01'), confirmed: t('2026-01-01') });
    dates(rig, 'old@example.org', { created: t('2026-10-01'), confirmed: t('2026-10-01') });
    dates(rig, 'a1@example.org', { created: t('2026-11-20'), confirmed: t('2026-11-20') });
    dates(rig, 'a2@example.org', { created: t('2026-11-25'), confirmed: t('2026-11-25') });
    dates(rig, 'a3@example.org', { created: t('2026-11-27'), confirmed: '2026-11-27T08:59:00.000Z' });
    dates(rig, 'p1@example.org', { created: t('2026-11-26') });
    dates(rig, 'u1@example.org', { created: t('2026-11-10'), confirmed: t('2026-11-10'), unsubscribed: t('2026-11-22') });
    dates(rig, 's1@example.org', { created: t('2026-10-01'), confirmed: t('2026-10-01'), updated: t('2026-11-15') });
    // Imported as unsubscribed, never a reader here: joined, but not a leaver.
    dates(rig, 'imported@example.org', { created: t('2026-11-26') });
    return { rig, cookie };
  }

  it('counts who joined and who left per day, on the store', async () => {
    const { rig } = await grown();
    expect(await rig.app.store.subscriberGrowth('2026-10-29')).toEqual([
      { day: '2026-11-10', joined: 1, left: 0, confirmed: 1 },
      { day: '2026-11-15', joined: 0, left: 1, confirmed: 0 },
      { day: '2026-11-20', joined: 1, left: 0, confirmed: 1 },
      { day: '2026-11-22', joined: 0, left: 1, confirmed: 0 },
      { day: '2026-11-25', joined: 1, left: 0, confirmed: 1 },
      { day: '2026-11-26', joined: 2, left: 0, confirmed: 0 },
      { day: '2026-11-27', joined: 1, left: 0, confirmed: 1 },
    ]);
    expect(await rig.app.store.subscriberGrowth('2026-11-27')).toEqual([{ day: '2026-11-27', joined: 1, left: 0, confirmed: 1 }]);
    expect(await rig.app.store.subscriberGrowth('2026-12-01')).toEqual([]);
  });

  it('draws 30 days of joiners, leavers and active readers, every day present', async () => {
    const { rig, cookie } = await grown();
    const res = await rig.get('/admin', cookie);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toMatch(/style=/);
    const growth = section(text, 'growth');
    expect(growth).toContain('<dd data-joined>6</dd>');
    expect(growth).toContain('<dd data-left>2</dd>');
    expect(growth).toContain('aria-label="New subscribers per day, last 30 days: 6 in total; leavers: 2 in total"');
    expect(growth).toContain('<title>New subscribers per day, last 30 days: 6 in total; leavers: 2 in total</title>');
    expect(count(growth, /<rect class="chart-bar"/)).toBe(60);
    expect(count(growth, /<circle class="chart-point"/)).toBe(30);
    expect(count(growth, /role="img"/)).toBe(2);
    // Active at each day's end: ada, old and s1 before the window; then +u1, −s1, +a1, −u1, +a2, +a3.
    expect(growth).toContain('aria-label="Active subscribers at the end of each day, last 30 days: from 3 to 5"');
    expect(growth).toContain('<summary>The figures</summary>');
    const row = (day: string) => new RegExp(`<tr><th scope="row">${day}</th>((?:<td>\\d+</td>)+)</tr>`).exec(growth)?.[1]?.match(/\d+/g)?.map(Number);
    // joined, left, then (second chart) active.
    expect(row('2026-10-29')).toEqual([0, 0]);
    expect(row('2026-11-10')).toEqual([1, 0]);
    expect(row('2026-11-15')).toEqual([0, 1]);
    expect(row('2026-11-26')).toEqual([2, 0]);
    expect(row('2026-11-27')).toEqual([1, 0]);
    expect(row('2026-10-28')).toBeUndefined();
    expect(count(growth, /<tr><th scope="row">/)).toBe(60);
    expect(growth).toContain('<title>2026-11-26: 2 joined</title>');
    expect(growth).toContain('<title>2026-11-14: 4 active</title>');
    expect(growth).toContain('<title>2026-11-15: 3 active</title>');
    expect(section(text, 'subscribers')).toContain('<span data-subscribers="active">5</span> active');
  });

  it('fills the days from the end backwards (unit)', () => {
    const series = growthSeries([{ day: '2026-03-02', joined: 2, left: 1, confirmed: 2 }], 10, new Date('2026-03-03T12:00:00Z'), 3);
    expect(series).toEqual([
      { day: '2026-03-01', joined: 0, left: 0, active: 9 },
      { day: '2026-03-02', joined: 2, left: 1, active: 10 },
      { day: '2026-03-03', joined: 0, left: 0, active: 10 },
    ]);
  });
});

describe('/admin issues, sources, schedule', () => {
  it('shows each source as not run yet, then failing since its first failure with the error', async () => {
    const { rig, cookie } = await signedIn();
    const source = rig.ws.env.DIGEST_SOURCE!;
    let sources = section(await (await rig.get('/admin', cookie)).text(), 'sources');
    expect(sources).toContain('<span class="badge" data-state="not-run">not run yet</span>');
    expect(sources).toContain('href="/admin/sources"');
    await rig.app.store.recordSourceResult(source, { ok: false, error: 'HTTP 503 <busy>' }, '2026-11-26T08:00:00.000Z');
    await rig.app.store.recordSourceResult(source, { ok: false, error: 'HTTP 503 <still busy>' }, '2026-11-27T08:00:00.000Z');
    sources = section(await (await rig.get('/admin', cookie)).text(), 'sources');
    expect(sources).toContain('<span class="badge" data-state="failing">failing</span>');
    expect(sources).toContain('failing (2 runs in a row, since 2026-11-26 08:00 UTC; never succeeded): HTTP 503 &lt;still busy&gt;');
    await rig.app.store.recordSourceResult(source, { ok: true }, '2026-11-27T08:30:00.000Z');
    sources = section(await (await rig.get('/admin', cookie)).text(), 'sources');
    expect(sources).toContain('data-state="ok"');
    expect(sources).toContain('ok (last success 2026-11-27 08:30 UTC; last failure 2026-11-27 08:00 UTC)');
  });

  it('lists one line per configured source', async () => {
    const { rig, cookie } = await signedIn({ DIGEST_SOURCE: `${SEED}, https://example.org/feed?a=1&b=2` });
    const sources = section(await (await rig.get('/admin', cookie)).text(), 'sources');
    expect(count(sources, /<li data-source=/)).toBe(2);
    expect(sources).toContain('<code>https://example.org/feed?a=1&amp;b=2</code>');
  });

  it('shows the next run per SCHEDULE in TZ, and the last run', async () => {
    const { rig, cookie } = await signedIn({ SCHEDULE: '30 7 * * 1', TZ: 'Europe/Paris' });
    let runs = section(await (await rig.get('/admin', cookie)).text(), 'runs');
    // Friday 2026-11-27 10:00 in Paris: the next Monday 07:30 there.
    expect(runs).toContain('<dd data-next-run>2026-11-30 07:30 Europe/Paris (06:30 UTC) <span class="meta">(SCHEDULE "30 7 * * 1")</span>');
    expect(runs).toMatch(/<dd data-last-run>none yet<\/dd>/);
    const id = await rig.app.store.startRun('schedule', '2026-11-27T06:30:00.000Z');
    await rig.app.store.finishRun(id, { finishedAt: '2026-11-27T06:30:02.000Z', sources: [], issues: [], summary: 'nothing sent: daily: no new papers' });
    runs = section(await (await rig.get('/admin', cookie)).text(), 'runs');
    expect(runs).toContain('<dd data-last-run>2026-11-27 06:30 UTC (schedule, took 2.0 s): nothing sent: daily: no new papers');
  });

  it('lists the last issues with explicit counts and links', async () => {
    const { rig, cookie } = await signedIn({}, async (ws) => {
      await ws.cli(['ingest', SEED]);
      await ws.cli(['subscribers', 'add', 'bo@example.net']);
    });
    expect((await rig.ws.cli(['send'])).code).toBe(0);
    let issues = section(await (await rig.get('/admin', cookie)).text(), 'issues');
    expect(issues).toMatch(/<li data-issue="1"><a href="\/admin\/issues\/1"><strong>#1<\/strong>/);
    expect(issues).toContain('<span data-deliveries>2 sent, 0 failed, 0 deferred, 0 pending</span>');
    // One delivery deferred for a retry, one never tried yet.
    rig.ws.exec("update deliveries set status = 'pending', attempts = 1, last_error = '421 busy', next_attempt_at = '2026-11-27T10:00:00.000Z' where id = 1");
    rig.ws.exec("update deliveries set status = 'pending', attempts = 0 where id = 2");
    issues = section(await (await rig.get('/admin', cookie)).text(), 'issues');
    expect(issues).toContain('<span data-deliveries>0 sent, 0 failed, 1 deferred, 1 pending</span>');
  });

  it('shows a paused issue with why and a Resume form carrying the CSRF token', async () => {
    const { rig, cookie } = await signedIn({}, async (ws) => {
      await ws.cli(['ingest', SEED]);
    });
    expect(section(await (await rig.get('/admin', cookie)).text(), 'paused')).toBe('');
    expect((await rig.ws.cli(['send'])).code).toBe(0);
    await rig.app.store.setIssueStatus(1, 'paused', '2026-11-27T09:00:00.000Z');
    await rig.app.store.openAlert({ key: 'issue-paused:1', subject: 'Issue #1 paused', detail: 'the SMTP server said <421 too busy>' }, '2026-11-27T09:00:00.000Z');
    const text = await (await rig.get('/admin', cookie)).text();
    const csrf = await rig.csrfOf(cookie);
    expect(csrf).not.toBe('');
    const paused = section(text, 'paused');
    expect(paused).toContain('<li data-paused="1"><a href="/admin/issues/1">');
    expect(paused).toContain('the SMTP server said &lt;421 too busy&gt;');
    expect(paused).toContain(
      `<form class="actions" method="post" action="/admin/issues/1/resume"><input type="hidden" name="csrf" value="${csrf}"><button type="submit">Resume</button></form>`,
    );
    expect(section(text, 'issues')).toContain('<span class="badge" data-state="paused">paused</span>');
  });
});

describe('chart()', () => {
  const render = async (c: Parameters<typeof chart>[0]) => String(await chart(c));

  it('escapes labels, names and the summary', async () => {
    const svg = await render({ summary: 'a <b> & "c"', labels: ['<x>'], series: [{ name: 'n"&<', values: [3] }] });
    expect(svg).toContain('aria-label="a &lt;b&gt; &amp; &quot;c&quot;"');
    expect(svg).toContain('<title>a &lt;b&gt; &amp; &quot;c&quot;</title>');
    expect(svg).toContain('<th scope="row">&lt;x&gt;</th>');
    expect(svg).toContain('<th scope="col">n&quot;&amp;&lt;</th>');
    expect(svg).not.toContain('<x>');
    expect(svg).not.toMatch(/style=|<script/);
  });

  it('draws an empty chart without bars, points or NaN', async () => {
    const svg = await render({
      summary: 'nothing',
      labels: [],
      series: [
        { name: 'joined', values: [] },
        { name: 'active', values: [], kind: 'line' },
      ],
    });
    expect(svg).toContain('role="img"');
    expect(count(svg, /<rect /)).toBe(0);
    expect(count(svg, /<circle /)).toBe(0);
    expect(svg).not.toMatch(/NaN|Infinity/);
    expect(svg).toContain('<p>No figures.</p>');
  });

  it('draws all zeros flat on the baseline', async () => {
    const labels = ['d1', 'd2', 'd3'];
    const svg = await render({
      summary: 'zeros',
      labels,
      series: [
        { name: 'joined', values: [0, 0, 0] },
        { name: 'left', values: [0, 0, 0], below: true },
        { name: 'active', values: [0, 0, 0], kind: 'line' },
      ],
    });
    expect(svg).not.toMatch(/NaN|Infinity/);
    expect(count(svg, /<rect class="chart-bar"/)).toBe(6);
    expect(count(svg, /height="0"/)).toBe(6);
    expect(count(svg, /<circle class="chart-point"/)).toBe(3);
    expect(new Set([...svg.matchAll(/<circle [^>]*cy="([^"]+)"/g)].map((m) => m[1])).size).toBe(1);
  });

  it('scales the tallest bar to the plot and a point per label', async () => {
    const svg = await render({
      summary: 's',
      labels: ['a', 'b'],
      series: [
        { name: 'n', values: [1, 4] },
        { name: 'l', values: [2, 5], kind: 'line' },
      ],
    });
    const heights = [...svg.matchAll(/<rect class="chart-bar"[^>]*height="([^"]+)"/g)].map((m) => Number(m[1]));
    expect(heights).toHaveLength(2);
    expect(heights[1]).toBeCloseTo(heights[0]! * 4, 0);
    expect(svg).toContain('<polyline class="chart-line"');
    expect(count(svg, /<circle class="chart-point"/)).toBe(2);
  });
});
