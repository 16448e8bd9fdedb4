/**
 * A reader's whole journey in a real browser (Debian's Chromium through playwright-core),
 * against Paperboy's real HTTP server, a real SQLite store and an in-process SMTP server:
 * open the landing page, subscribe with a topic, confirm from the email, get the welcome mail,
 * get a digest holding only matching papers, change preferences, and unsubscribe with the
 * digest's link. axe-core checks every page; screenshots of every page, light and dark, at 375
 * and 1280 px, go to test/artifacts/pages/ (git-ignored).
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
import { sendNext } from '../../src/pipeline/send-job.js';
import { freePort, launch } from '../helpers/browser.js';
import { eventually } from '../helpers/eventually.js';
import { requires } from '../helpers/requires.js';
import { type TestSmtp, startSmtp } from '../helpers/smtp.js';
import { NEXT_DAY, ROOT, SEED, type Workspace, workspace } from '../helpers/workspace.js';

const SHOTS = path.join(ROOT, 'test', 'artifacts', 'pages');

describe.skipIf(requires('chromium'))('a reader in Chromium', () => {
  let ws: Workspace;
  let smtp: TestSmtp;
  let app: App;
  let server: { url: string; close: () => Promise<void> };
  let browser: Browser;
  let base: string;
  /** Every page visited, for the screenshots and axe. */
  const visited: { name: string; url: string; html: string }[] = [];

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    smtp = await startSmtp();
    ws = workspace({ PUBLIC_URL: base, PORT: String(port), HOST: '127.0.0.1', SMTP_URL: smtp.url });
    await ws.cli(['ingest', SEED]);
    await ws.cli(['subscribers', 'add', 'everything@example.org']);
    expect((await ws.cli(['send'])).code).toBe(0);
    app = await createApp(loadConfig(ws.env, ws.dir), silentLog);
    server = await serveHttp(app);
    browser = await launch();
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await app?.close();
    await smtp?.close();
    ws?.cleanup();
  });

  const mailTo = (to: string, subject: RegExp) =>
    eventually(() => smtp.received.find((m) => m.envelope.to.includes(to) && subject.test(m.parsed.subject ?? '')), {
      what: `"${subject.source}" to ${to}`,
      timeoutMs: 10_000,
      intervalMs: 50,
    });
  const linkIn = (text: string | undefined, route: string) => {
    const m = new RegExp(`${base.replace(/[.:/]/g, '\\$&')}/${route}/[A-Za-z0-9_-]+`).exec(text ?? '');
    if (!m) throw new Error(`no /${route}/ link in the email`);
    return m[0];
  };

  async function look(page: Page, name: string): Promise<void> {
    visited.push({ name, url: page.url(), html: await page.content() });
    const results = await new AxeBuilder({ page }).analyze();
    const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(
      bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
      name,
    ).toEqual([]);
  }

  it('subscribes, confirms, gets the welcome mail and a digest of only matching papers, changes preferences, unsubscribes', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'Asia/Tokyo' });
    const page = await context.newPage();
    await page.goto(`${base}/`);
    // /assets/tz.js (allowed by the CSP) guesses the zone from the browser and offers every zone.
    await expect.poll(() => page.getByLabel(/Time zone/).inputValue()).toBe('Asia/Tokyo');
    expect(await page.locator('#timezones option').count()).toBeGreaterThan(300);
    await look(page, 'landing');
    await page.getByLabel('Email address').fill('reader@example.org');
    await page.getByLabel(/Topics/).fill('diffusion, time series');
    await page.getByLabel('Daily').check();
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Check your inbox');
    await look(page, 'subscribe-thanks');

    const confirmation = await mailTo('reader@example.org', /^Confirm your subscription/);
    expect((await app.store.findSubscriber('reader@example.org'))!.timezone).toBe('Asia/Tokyo');
    await page.goto(linkIn(confirmation.parsed.text, 'confirm'));
    await look(page, 'confirm');
    expect((await app.store.findSubscriber('reader@example.org'))!.status).toBe('pending');
    await page.getByRole('button', { name: 'Confirm my subscription' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe("You're subscribed");
    await look(page, 'confirmed');
    const welcome = await mailTo('reader@example.org', /^Welcome to/);
    expect(welcome.parsed.text).toContain('diffusion');
    // Its taste of the latest issue holds only papers about the reader's topics.
    expect(welcome.parsed.text).not.toContain('X-LLM: Bootstrapping');

    // The next day's digest: five new papers, of which one is about diffusion and time series.
    await ws.cli(['ingest', NEXT_DAY]);
    const mailer = app.mailer();
    try {
      await sendNext(app.sendDeps(mailer), 'daily');
    } finally {
      await mailer.close();
    }
    const digest = await mailTo('reader@example.org', /^Paperboy: /);
    const everything = await mailTo('everything@example.org', /^Paperboy: .* and 4 more papers$/);
    expect(digest.parsed.subject).toBe('Paperboy: EventTSF: Event-Aware Non-Stationary Time Series Forecasting');
    expect(everything.parsed.text).toContain('ALIGN: Word Association Learning');
    expect(digest.parsed.text).not.toContain('ALIGN: Word Association Learning');

    await page.goto(linkIn(digest.parsed.text, 'preferences'));
    await look(page, 'preferences');
    await page.getByLabel('Weekly').check();
    await page.getByLabel('Topics').fill('diffusion models, RL');
    await page.getByLabel(/Time zone/).fill('Europe/Paris');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Saved.');
    expect(await app.store.findSubscriber('reader@example.org')).toMatchObject({
      frequency: 'weekly',
      topics: ['diffusion models', 'rl'],
      timezone: 'Europe/Paris',
    });

    await page.goto(linkIn(digest.parsed.text, 'unsubscribe'));
    await look(page, 'unsubscribe');
    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await expect.poll(() => page.locator('p').last().textContent()).toContain('You are unsubscribed');
    await look(page, 'unsubscribed');
    expect((await app.store.findSubscriber('reader@example.org'))!.status).toBe('unsubscribed');

    await page.goto(`${base}/archive`);
    await look(page, 'archive');
    await page.goto(`${base}/archive/1`);
    await look(page, 'archive-issue');
    await context.close();
  });

  it('every page fits 375 and 1280 px, light and dark, with screenshots', async () => {
    expect(visited.length).toBeGreaterThan(5);
    for (const width of [375, 1280]) {
      for (const colorScheme of ['light', 'dark'] as const) {
        const context = await browser.newContext({ viewport: { width, height: 800 }, colorScheme });
        const page = await context.newPage();
        for (const { name, html } of visited) {
          // Each page as the reader saw it (a POST's answer, a token page before it was used),
          // under our origin so that its stylesheet and CSP apply.
          await page.goto(`${base}/healthz`);
          await page.setContent(html, { waitUntil: 'load' });
          const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
          expect(scrollWidth, `${name} at ${width} px`).toBeLessThanOrEqual(innerWidth);
          await page.screenshot({ path: path.join(SHOTS, `${name}-${width}-${colorScheme}.png`), fullPage: true });
        }
        await context.close();
      }
    }
  });
});
