/**
 * The operator's day in a real browser (Debian's Chromium through playwright-core), against
 * Paperboy's real HTTP server, a real store holding 10,000 readers and an in-process SMTP
 * server: sign in, find one reader among 10,000 and remove them, preview the next issue, send it
 * while watching the live progress, and see the counts change. axe-core checks every page, light
 * and dark; screenshots of every page at 375 and 1280 px, light and dark, go to
 * test/artifacts/admin/ (git-ignored).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { serveHttp } from '../../src/http/server.js';
import { silentLog } from '../../src/log.js';
import type { NewSubscriber } from '../../src/store/store.js';
import { freePort, launch } from '../helpers/browser.js';
import { requires } from '../helpers/requires.js';
import { type TestSmtp, startSmtp } from '../helpers/smtp.js';
import { ROOT, SEED, type Workspace, workspace } from '../helpers/workspace.js';

const SHOTS = path.join(ROOT, 'test', 'artifacts', 'admin');
const PASSWORD = 'correct horse battery staple';
const READERS = 10_000;
const FOUND = 'grace.hopper@navy.example';

describe.skipIf(requires('chromium'))('the operator in Chromium', () => {
  let ws: Workspace;
  let smtp: TestSmtp;
  let app: App;
  let server: { url: string; close: () => Promise<void> };
  let browser: Browser;
  let base: string;
  const looked: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    smtp = await startSmtp({ parse: false });
    ws = workspace({ PUBLIC_URL: base, PORT: String(port), HOST: '127.0.0.1', SMTP_URL: smtp.url, ADMIN_PASSWORD: PASSWORD });
    expect((await ws.cli(['ingest', SEED])).code).toBe(0);
    app = await createApp(loadConfig(ws.env, ws.dir), silentLog);
    const rows: NewSubscriber[] = Array.from({ length: READERS }, (_, i) => ({
      email: i === 4321 ? FOUND : `reader${String(i).padStart(5, '0')}@example.net`,
      status: 'active',
      topics: i % 7 === 0 ? ['diffusion'] : [],
      frequency: 'daily',
      source: 'import',
    }));
    await app.store.insertSubscribers(rows);
    server = await serveHttp(app);
    browser = await launch();
    mkdirSync(SHOTS, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await app?.close();
    await smtp?.close();
    ws?.cleanup();
  });

  /**
   * axe-core on the page, light and dark; then the page at 375 and 1280 px, light and dark: no
   * sideways scrolling, and a screenshot of each.
   */
  async function look(page: Page, name: string, opts: { frames?: boolean } = {}): Promise<void> {
    looked.push(name);
    const { width, height } = page.viewportSize()!;
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      // A sandboxed frame runs no script, so axe cannot run inside it (it would wait for it for
      // good): the preview's email is checked without it, and the email itself in test/render.
      const axe = new AxeBuilder({ page });
      const results = await (opts.frames === false ? axe.exclude('iframe').options({ iframes: false }).setLegacyMode(true) : axe).analyze();
      const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      expect(
        bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
        `${name} (${colorScheme})`,
      ).toEqual([]);
      for (const w of [375, 1280]) {
        await page.setViewportSize({ width: w, height: 800 });
        const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
        expect(scrollWidth, `${name} at ${w} px`).toBeLessThanOrEqual(innerWidth);
        await page.screenshot({ path: path.join(SHOTS, `${name}-${w}-${colorScheme}.png`), fullPage: true });
      }
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width, height });
  }

  const count = async (page: Page, key: string) => Number((await page.locator(`[data-count="${key}"]`).textContent())?.replace(/\D/g, ''));

  it('signs in, finds and removes one reader among 10,000, previews the next issue, sends it watching the progress, and sees the counts change', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();

    // Everything under /admin wants a session first.
    await page.goto(`${base}/admin/subscribers`);
    expect(new URL(page.url()).pathname).toBe('/admin/login');
    await look(page, 'login');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('Wrong password');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Overview');
    expect(await page.locator('[data-subscribers="active"]').first().textContent()).toBe(String(READERS));
    await look(page, 'overview-before');

    // One reader among 10,000.
    await page.getByRole('link', { name: 'Subscribers', exact: true }).click();
    await expect.poll(() => page.locator('ul.subscribers > li').count()).toBe(100);
    await look(page, 'subscribers');
    await page.getByLabel('Address contains').fill('grace.hopper');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.locator('ul.subscribers > li').count()).toBe(1);
    const row = page.locator('ul.subscribers > li').first();
    expect(await row.textContent()).toContain(FOUND);
    await look(page, 'subscribers-search');
    await row.getByRole('button', { name: 'Remove' }).click();
    await expect.poll(async () => (await app.store.findSubscriber(FOUND))?.status).toBe('unsubscribed');
    await page.getByLabel('Address contains').fill('grace.hopper');
    await page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => page.locator('ul.subscribers > li').first().textContent()).toContain('unsubscribed');

    // The next issue, as it would be sent.
    await page.getByRole('link', { name: 'Issues', exact: true }).click();
    await expect.poll(() => page.locator('li[data-frequency="daily"]').textContent()).toContain(`30 papers for ${READERS - 1} recipients`);
    await look(page, 'issues-before');
    await page.locator('li[data-frequency="daily"]').getByRole('link', { name: 'Preview' }).click();
    await expect
      .poll(() =>
        page
          .frameLocator('iframe.preview')
          .getByRole('link', { name: /X-LLM: Bootstrapping/ })
          .first()
          .isVisible(),
      )
      .toBe(true);
    await look(page, 'issue-preview', { frames: false });

    // Send it, behind the confirmation, watching the live counts.
    await page.goto(`${base}/admin/issues`);
    await page.locator('li[data-frequency="daily"]').getByRole('link', { name: 'Send now…' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Send the daily issue now?');
    await look(page, 'send-confirm');
    expect(smtp.received).toHaveLength(0);
    await page.getByRole('button', { name: `Send to ${READERS - 1} now` }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/admin/issues/1');
    const seen = new Set<number>();
    await expect
      .poll(
        async () => {
          seen.add(await count(page, 'sent'));
          return page.locator('[data-status]').first().textContent();
        },
        { timeout: 120_000, interval: 100 },
      )
      .toBe('sent');
    // The counts moved while the page was open: at least one figure between none and all.
    expect(
      [...seen].some((n) => n > 0 && n < READERS - 1),
      `sent counts seen: ${[...seen].join(', ')}`,
    ).toBe(true);
    await expect.poll(() => count(page, 'sent'), { timeout: 30_000 }).toBe(READERS - 1);
    expect(smtp.received).toHaveLength(READERS - 1);
    expect(smtp.received.some((m) => m.envelope.to.includes(FOUND))).toBe(false);
    await look(page, 'issue-sent');

    // The overview's counts changed.
    await page.getByRole('link', { name: 'Overview', exact: true }).click();
    await expect.poll(() => page.locator('[data-subscribers="unsubscribed"]').first().textContent()).toBe('1');
    expect(await page.locator('[data-subscribers="active"]').first().textContent()).toBe(String(READERS - 1));
    expect(await page.locator('main').textContent()).toContain(`${READERS - 1} sent`);
    await look(page, 'overview-after');

    // The remaining pages, looked at too.
    await page.getByRole('link', { name: 'Sources', exact: true }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Sources');
    await look(page, 'sources');
    await page.goto(`${base}/admin/subscribers/import`);
    await look(page, 'subscribers-import');
    const ada = (await app.store.findSubscriber('reader00001@example.net'))!;
    await page.goto(`${base}/admin/subscribers/${ada.id}/forget`);
    await look(page, 'subscriber-forget');
    await page.goto(`${base}/admin/issues`);
    await look(page, 'issues-after');
    await context.close();
  }, 300_000);

  it('looked at every page', () => {
    expect(looked.length).toBeGreaterThanOrEqual(12);
  });
});
