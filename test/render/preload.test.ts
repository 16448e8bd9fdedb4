import { render } from '@react-email/render';
import { createElement } from 'react';
import { describe, expect, it } from 'vitest';
import ConfirmSubscription from '../../emails/ConfirmSubscription.js';
import Welcome from '../../emails/Welcome.js';
import { renderDigest } from '../../src/render/digest.js';
import { renderConfirmation, renderWelcome } from '../../src/render/mails.js';
import { previewDigest, seedDigest } from '../helpers/digest.js';

describe('no <link rel="preload"> in an email (React 19 adds one per <img>; @react-email/render ≥ 2.0.10 leaves them out)', () => {
  it('@react-email/render leaves the preload of an <img> out by itself', async () => {
    const el = createElement('html', null, createElement('body', null, createElement('img', { src: 'https://example.org/a.png', alt: '' })));
    const html = await render(el);
    expect(html).not.toContain('preload');
    expect(html).toContain('<img src="https://example.org/a.png" alt=""/>');
  });

  it('the preview digest, the 77-paper seed digest, the welcome and the confirmation email have none', async () => {
    const preview = (await renderDigest(previewDigest())).html;
    const seed = (await renderDigest(seedDigest(77))).html;
    const welcome = (await renderWelcome(Welcome.PreviewProps)).html;
    const confirmation = (await renderConfirmation(ConfirmSubscription.PreviewProps)).html;
    for (const html of [preview, seed, welcome, confirmation]) {
      expect(html).not.toMatch(/rel="?preload/i);
      expect(html).not.toContain('<link');
    }
    // The images themselves stay.
    expect(preview).toMatch(/<img alt="" height="68" src="https:\/\/cdn-thumbnails\.huggingface\.co\//);
  });
});
