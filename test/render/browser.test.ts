/**
 * The rendered digest in a real browser (Debian's Chromium) at desktop (600 px) and phone
 * (375 px) widths, in light and dark mode: no horizontal overflow, every title visible.
 * Screenshots go to test/artifacts/ (git-ignored) for a person to look at.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderDigest } from '../../src/render/digest.js';
import { launch } from '../helpers/browser.js';
import { requires } from '../helpers/requires.js';
import { previewDigest, seedDigest } from '../helpers/digest.js';
import { ROOT } from '../helpers/workspace.js';

const ARTIFACTS = path.join(ROOT, 'test', 'artifacts');
// A 120×68 PNG stands in for remote thumbnails: the test machine is offline.
const THUMB = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAHgAAABECAIAAADFvmZTAAAAdElEQVR42u3QAQkAAAgDsAczrHGMZQtBGCzBMl0ciALRohEtWrQF0aIRLVq0BdGiES1aNKJFI1q0aESLRrRo0YgWjWjRohEtGtGiRSNaNKJFi0a0aESLFo1o0YgWLRrRohEtWjSiRSNatGhEi0a0aNGI/m4BoHROjZ3IdbcAAAAASUVORK5CYII=',
  'base64',
);

describe.skipIf(requires('chromium'))('the digest in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launch();
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => browser?.close());

  const cases = [
    { name: 'seed-77', props: () => seedDigest(77) },
    { name: 'preview', props: () => previewDigest() },
  ];
  for (const { name, props } of cases) {
    for (const width of [600, 375]) {
      for (const colorScheme of ['light', 'dark'] as const) {
        it(`${name} at ${width} px (${colorScheme}): no horizontal overflow, every title visible`, async () => {
          const p = props();
          const { html } = await renderDigest(p);
          const page = await browser.newPage({ viewport: { width, height: 900 }, colorScheme });
          await page.route('**/*', (route) => (route.request().url().endsWith('.png') ? route.fulfill({ body: THUMB, contentType: 'image/png' }) : route.abort()));
          await page.setContent(html, { waitUntil: 'load' });
          const { scrollWidth, innerWidth } = await page.evaluate(() => ({
            scrollWidth: document.documentElement.scrollWidth,
            innerWidth: window.innerWidth,
          }));
          expect(scrollWidth).toBeLessThanOrEqual(innerWidth);
          const headings = page.locator('h2');
          expect(await headings.count()).toBe(p.papers.length);
          const texts = await headings.allInnerTexts();
          expect(texts.map((t) => t.replace(/\s+/g, ' ').trim())).toEqual(p.papers.map((x) => x.title));
          for (let i = 0; i < p.papers.length; i++) {
            const box = (await headings.nth(i).boundingBox())!;
            expect(await headings.nth(i).isVisible()).toBe(true);
            expect(box.x).toBeGreaterThanOrEqual(0);
            expect(box.x + box.width).toBeLessThanOrEqual(width);
          }
          const bg = await page.evaluate(() => getComputedStyle(document.querySelector('.pb-card')!).backgroundColor);
          expect(bg).toBe(colorScheme === 'dark' ? 'rgb(22, 27, 38)' : 'rgb(255, 255, 255)');
          await page.screenshot({ path: path.join(ARTIFACTS, `digest-${name}-${width}-${colorScheme}.png`), fullPage: name === 'preview' });
          await page.close();
        });
      }
    }
  }

  it('shows outside strings as text, not markup', async () => {
    const p = { ...seedDigest(1) };
    p.papers = [{ title: '<script>document.title="owned"</script> & "quotes"', url: 'https://arxiv.org/abs/1', abstract: 'x <b>y</b>', authors: [] }];
    const page = await browser.newPage();
    await page.setContent((await renderDigest(p)).html);
    expect(await page.locator('h2').innerText()).toBe('<script>document.title="owned"</script> & "quotes"');
    expect(await page.title()).not.toBe('owned');
    expect(await page.locator('b', { hasText: 'y' }).count()).toBe(0);
    await page.close();
  });
});
