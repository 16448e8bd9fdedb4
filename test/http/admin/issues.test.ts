import { afterEach, describe, expect, it } from 'vitest';
import { isNoIssue, planNextIssue } from '../../../src/issue/builder.js';
import { reply, startSmtp } from '../../helpers/smtp.js';
import { SEED } from '../../helpers/workspace.js';
import { type AdminRig, adminRig } from './helpers.js';

let rig: AdminRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** A signed-in rig with the seed ingested (and, from the helper, one subscriber). */
async function signedIn(): Promise<{ rig: AdminRig; cookie: string }> {
  rig = await adminRig(undefined, async (ws) => {
    await ws.cli(['ingest', SEED]);
  });
  const { cookie } = await rig.login();
  return { rig, cookie: cookie! };
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const issueCount = (r: AdminRig) => Number(r.ws.rows<{ n: number | string }>('select count(*) n from issues')[0]!.n);

describe('/admin/issues without a session', () => {
  it('sends every page to the login form', async () => {
    rig = await adminRig();
    for (const path of ['/admin/issues', '/admin/issues/next/daily/preview', '/admin/issues/next/daily/preview.html', '/admin/issues/1']) {
      const res = await rig.get(path);
      expect(res.status, path).toBe(302);
      expect(res.headers.get('location')).toBe('/admin/login');
    }
  });
});

describe('/admin/issues', () => {
  it('lists the next daily issue with its 30 papers and a preview link', async () => {
    const { rig, cookie } = await signedIn();
    const res = await rig.get('/admin/issues', cookie);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/<li data-frequency="daily">[^\n]*30 papers for 1 recipient</);
    expect(text).toContain('href="/admin/issues/next/daily/preview"');
    expect(text).toContain('No issue yet.');
    expect(text).toContain('href="/admin/issues"');
  });

  it('previews the next issue in a sandboxed frame, storing nothing', async () => {
    const { rig, cookie } = await signedIn();
    const before = issueCount(rig);
    const res = await rig.get('/admin/issues/next/daily/preview', cookie);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("frame-src 'self'");
    const text = await res.text();
    expect(text).toMatch(/<iframe sandbox="" src="\/admin\/issues\/next\/daily\/preview\.html\?variant=0"/);
    const planned = await planNextIssue(rig.app.store, rig.app.buildOptions('daily', rig.app.flow.now()));
    const papers = isNoIssue(planned) ? [] : planned.variants.get(0)!;
    expect(papers).toHaveLength(30);
    expect(text).toContain(escape(papers[0]!.title));

    const email = await rig.get('/admin/issues/next/daily/preview.html', cookie);
    expect(email.status).toBe(200);
    const csp = email.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain('sandbox');
    expect(csp).toContain("frame-ancestors 'self'");
    expect(email.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    const body = await email.text();
    expect(body).toContain('<html');
    expect(body).not.toContain('<script');
    expect(issueCount(rig) - before).toBe(0);
    expect(rig.ws.rows('select id from deliveries')).toEqual([]);
  });

  it('previews each variant: topic readers see their own papers, with how many readers get each; an unknown variant is 404', async () => {
    rig = await adminRig(undefined, async (ws) => {
      await ws.cli(['ingest', SEED]);
      await ws.cli(['subscribers', 'add', 'dee@example.org', '--topics', 'diffusion']);
    });
    const { cookie } = await rig.login();
    const page = await (await rig.get('/admin/issues/next/daily/preview', cookie!)).text();
    const links = [
      ...page.matchAll(/href="\/admin\/issues\/next\/daily\/preview\?variant=(\d+)"[^>]*>([^<]+)<\/a> <span class="meta">(\d+) papers, (\d+) readers?</g),
    ].map((m) => ({ variant: Number(m[1]), label: m[2], papers: Number(m[3]), readers: Number(m[4]) }));
    expect(links[0]).toEqual({ variant: 0, label: 'Everyone else', papers: 30, readers: 1 });
    expect(links).toHaveLength(2);
    const topic = links[1]!;
    expect(topic.readers).toBe(1);
    expect(topic.papers).toBeGreaterThan(0);
    expect(topic.papers).toBeLessThan(30);
    const variantPage = await rig.get(`/admin/issues/next/daily/preview?variant=${topic.variant}`, cookie);
    const text = await variantPage.text();
    expect(text).toContain(`src="/admin/issues/next/daily/preview.html?variant=${topic.variant}"`);
    expect(text).toContain(`Papers (Topic variant ${topic.variant}, 1 reader)`);
    const email = await (await rig.get(`/admin/issues/next/daily/preview.html?variant=${topic.variant}`, cookie)).text();
    const main = await (await rig.get('/admin/issues/next/daily/preview.html', cookie)).text();
    expect(email).toMatch(/diffusion/i);
    expect(email.length).toBeLessThan(main.length);
    expect((await rig.get('/admin/issues/next/daily/preview?variant=999', cookie)).status).toBe(404);
    expect((await rig.get('/admin/issues/next/daily/preview.html?variant=999', cookie)).status).toBe(404);
    expect((await rig.get('/admin/issues/next/daily/preview.html?variant=x', cookie)).status).toBe(404);
  });

  it('shows no preview when there is no next issue', async () => {
    rig = await adminRig();
    const { cookie } = await rig.login();
    const list = await (await rig.get('/admin/issues', cookie!)).text();
    expect(list).not.toContain('/admin/issues/next/daily/preview"');
    expect((await rig.get('/admin/issues/next/daily/preview', cookie)).status).toBe(200);
    expect((await rig.get('/admin/issues/next/daily/preview.html', cookie)).status).toBe(404);
    expect((await rig.get('/admin/issues/next/monthly/preview', cookie)).status).toBe(404);
  });

  it('lists a sent issue with its deliveries, and shows its detail page; an unknown id is 404', async () => {
    const { rig, cookie } = await signedIn();
    const sent = await rig.ws.cli(['send']);
    expect(sent.code, sent.stderr).toBe(0);
    const list = await (await rig.get('/admin/issues', cookie)).text();
    expect(list).toMatch(/<li data-issue="1"><a href="\/admin\/issues\/1"><strong>#1<\/strong>[^\n]*<span data-status>sent<\/span>[^\n]*1 sent/);
    const detail = await rig.get('/admin/issues/1', cookie);
    expect(detail.status).toBe(200);
    const text = await detail.text();
    expect(text).toContain('<h1>Issue #1</h1>');
    expect(text).toContain('<dd data-count="sent">1</dd>');
    expect(text).toContain('<dd data-count="failed">0</dd>');
    expect(text).toContain('None recorded.');
    expect((await rig.get('/admin/issues/999', cookie)).status).toBe(404);
  });

  it("shows an issue's failures with the address, attempts and the SMTP server's reply", async () => {
    const smtp = await startSmtp({
      onRcpt: (a) => (a === 'bo@example.net' ? reply(550, '5.1.1 <bo@example.net>: Recipient address rejected: User unknown') : undefined),
    });
    try {
      rig = await adminRig({ ADMIN_PASSWORD: 'correct horse battery staple', SMTP_URL: smtp.url }, async (ws) => {
        await ws.cli(['ingest', SEED]);
        await ws.cli(['subscribers', 'add', 'bo@example.net']);
      });
      const { cookie } = await rig.login();
      expect((await rig.ws.cli(['send'])).code).toBe(0);
      const text = await (await rig.get('/admin/issues/1', cookie!)).text();
      expect(text).toContain('<dd data-count="sent">1</dd>');
      expect(text).toContain('<dd data-count="failed">1</dd>');
      expect(text).toMatch(
        /<strong>bo@example\.net<\/strong> <span class="meta">failed, 1 attempt, [^<]+<\/span> <code>550 5\.1\.1 &lt;bo@example\.net&gt;: Recipient address rejected: User unknown<\/code>/,
      );
    } finally {
      await smtp.close();
    }
  });
});
