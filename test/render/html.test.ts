import { render } from '@react-email/components';
import { createElement } from 'react';
import { describe, expect, it } from 'vitest';
import TrendingPapers from '../../emails/TrendingPapers.js';
import Welcome from '../../emails/Welcome.js';
import { renderDigest } from '../../src/render/digest.js';
import { renderEmail, stripPreloadLinks } from '../../src/render/html.js';
import { renderWelcome } from '../../src/render/mails.js';
import { previewDigest, seedDigest } from '../helpers/digest.js';

describe('no <link rel="preload"> in an email (React 19 adds one per <img>)', () => {
  it('React Email’s own render does add them: the bug this guards against is real', async () => {
    const html = await render(createElement(TrendingPapers, previewDigest()));
    expect(html).toMatch(/<link rel="preload" as="image" href="https:\/\/cdn-thumbnails\.huggingface\.co\//);
  });

  it('the preview digest, the 77-paper seed digest and the welcome email have none', async () => {
    const preview = (await renderDigest(previewDigest())).html;
    const seed = (await renderDigest(seedDigest(77))).html;
    const welcome = (await renderWelcome(Welcome.PreviewProps)).html;
    for (const html of [preview, seed, welcome]) {
      expect(html).not.toMatch(/rel="?preload/i);
      expect(html).not.toContain('<link');
    }
    // The images themselves stay.
    expect(preview).toMatch(/<img alt="" height="68" src="https:\/\/cdn-thumbnails\.huggingface\.co\//);
  });

  it('renderEmail strips them from any element', async () => {
    const el = createElement('html', null, createElement('body', null, createElement('img', { src: 'https://example.org/a.png', alt: '' })));
    expect(await render(el)).toContain('rel="preload"');
    const html = await renderEmail(el);
    expect(html).not.toContain('preload');
    expect(html).toContain('<img src="https://example.org/a.png" alt=""/>');
  });

  it.each([
    ['React’s order', '<link rel="preload" as="image" href="https://x.org/a.png"/>'],
    ['as first', '<link as="image" rel="preload" href="https://x.org/a.png">'],
    ['href first, single quotes', "<link href='https://x.org/a.png' as='image' rel='preload' />"],
    ['unquoted, upper case', '<LINK REL=PRELOAD AS=image HREF=https://x.org/a.png>'],
    ['several rel tokens', '<link rel="prefetch preload" as="image" href="https://x.org/a.png">'],
    ['a > inside a quoted value', '<link imagesrcset="a.png 1x, b.png 2x" title="a > b" rel="preload" as="image">'],
    ['newlines between attributes', '<link\n  rel="preload"\n  as="image"\n  href="https://x.org/a.png"\n/>'],
  ])('removes a preload link whatever its form (%s)', (_name, tag) => {
    expect(stripPreloadLinks(`<head><meta charset="utf-8">${tag}<title>t</title></head>`)).toBe('<head><meta charset="utf-8"><title>t</title></head>');
  });

  it('leaves every other link and any text that merely mentions preload alone', () => {
    const kept = [
      '<link rel="alternate" type="application/atom+xml" href="https://x.org/feed.xml">',
      '<link rel="stylesheet" href="https://x.org/preload.css">',
      '<link title="rel=preload" rel="icon" href="https://x.org/i.png">',
      '<linked rel="preload">',
      '<p>rel="preload" as="image"</p>',
    ].join('');
    expect(stripPreloadLinks(kept)).toBe(kept);
  });
});
