import { describe, expect, it } from 'vitest';
import ConfirmSubscription, { type ConfirmSubscriptionProps } from '../../emails/ConfirmSubscription.js';
import Welcome, { type WelcomeProps } from '../../emails/Welcome.js';
import { AppError } from '../../src/errors.js';
import { renderConfirmation, renderWelcome } from '../../src/render/mails.js';
import { masthead, previewDigest } from '../helpers/digest.js';

const BASE = 'https://paperboy.example.org';

const welcome: WelcomeProps = {
  ...masthead,
  frequency: 'daily',
  when: 'every day at 08:00 (UTC)',
  topics: ['cs.CL', 'cs.AI', 'robotics'],
  papers: previewDigest().papers.slice(0, 5),
  latestIssueUrl: `${BASE}/archive/42`,
  archiveUrl: `${BASE}/archive`,
  preferencesUrl: `${BASE}/preferences/AgAAAAAAAAABMbVVgDDA-GH9K7nD0IQQ4A`,
  unsubscribeUrl: `${BASE}/unsubscribe/AQAAAAAAAAABjjq2pGAn5z1sR6wltpoWPw`,
  postalAddress: masthead.postalAddress,
};

const confirmation: ConfirmSubscriptionProps = {
  newsletterName: masthead.newsletterName,
  tagline: masthead.tagline,
  frequency: 'weekly',
  confirmUrl: `${BASE}/confirm/AwAAAAAAAAABZ2Fz3Jq8rQmS0bWJtY2x0A`,
  expiresInHours: 48,
  postalAddress: masthead.postalAddress,
};

/** React writes ' as &#x27; and <!-- --> between adjacent texts: read the HTML as a person would. */
const readable = (html: string) => html.replaceAll('&#x27;', "'").replaceAll('<!-- -->', '');
/** The text part is wrapped at 72 columns: compare sentences across line ends. */
const flat = (text: string) => text.replace(/\s+/g, ' ');
const hrefs = (html: string) => [...html.matchAll(/\shref="([^"]*)"/g)].map((m) => m[1]!);

describe('the welcome email', () => {
  it('renders the same HTML and text as before', async () => {
    const r = await renderWelcome(welcome);
    await expect(r.html).toMatchFileSnapshot('__snapshots__/welcome.html');
    await expect(r.text).toMatchFileSnapshot('__snapshots__/welcome.txt');
  });

  it('says who it is from, what the reader gets and when, in both parts', async () => {
    const { html, text } = await renderWelcome(welcome);
    for (const part of [readable(html), flat(text)]) {
      expect(part).toContain("You're subscribed to Paperboy.");
      expect(part).toContain('The daily digest of trending research papers, every day at 08:00 (UTC).');
      expect(part).toContain('You get only papers about cs.CL, cs.AI or robotics.');
      expect(part).toContain('Get trending papers in your email inbox!');
    }
    expect(html).toContain('<meta name="color-scheme" content="light dark"/>');
    expect(html).toMatch(/<html[^>]* lang="en"/);
  });

  it('without topics promises every paper; weekly says its day; one or two topics read naturally', async () => {
    const all = await renderWelcome({ ...welcome, topics: [], frequency: 'weekly', when: 'every Monday at 08:00 (UTC)' });
    expect(flat(all.text)).toContain('The weekly digest of trending research papers, every Monday at 08:00 (UTC).');
    expect(all.text).toContain('You get every paper');
    expect(all.html).toContain('You get every paper');
    expect(flat((await renderWelcome({ ...welcome, topics: ['cs.CL'] })).text)).toContain('only papers about cs.CL.');
    expect(flat((await renderWelcome({ ...welcome, topics: ['cs.CL', 'cs.AI'] })).text)).toContain('only papers about cs.CL or cs.AI.');
  });

  it('shows the latest issue’s top papers as cards (five at most) and links to the whole issue', async () => {
    const papers = previewDigest().papers;
    expect(papers.length).toBeGreaterThan(5);
    const { html, text } = await renderWelcome({ ...welcome, papers });
    const titles = [...html.matchAll(/<h2[^>]*><a href="([^"]+)"/g)].map((m) => m[1]);
    expect(titles).toEqual(papers.slice(0, 5).map((p) => p.url));
    expect(html).toContain('Chunhua Liu, Kabir Manandhar Shrestha, Sukai Huang · ▲ 42');
    expect(html).toMatch(/<a href="https:\/\/paperboy\.example\.org\/archive\/42"[^>]*>Read the whole latest issue<\/a>/);
    expect(text).toContain('1. ALIGN: Word Association Learning');
    expect(text).toContain('https://arxiv.org/abs/2508.13426');
    expect(text).toContain('The whole latest issue: https://paperboy.example.org/archive/42');
    expect(text).not.toContain('6. ');
    expect(text).not.toContain('Your first digest');
  });

  it('before the first issue says the first digest comes at the next send', async () => {
    const { html, text } = await renderWelcome({ ...welcome, papers: [], latestIssueUrl: undefined });
    for (const part of [html, flat(text)]) {
      expect(part).toContain('Your first digest comes with the next send, every day at 08:00 (UTC).');
      expect(part).not.toContain('latest issue');
    }
    expect(html).not.toContain('<h2');
  });

  it('has the footer: why, past issues, preferences, unsubscribe, postal address; the text part carries every URL', async () => {
    const { html, text } = await renderWelcome(welcome);
    for (const part of [readable(html), flat(text)]) {
      expect(part).toContain("You get this email because you confirmed your subscription to Paperboy's daily digest.");
      expect(part).toContain('Paperboy, 1 Example Street, 00000 Example City');
    }
    for (const [label, url] of [
      ['Past issues', welcome.archiveUrl],
      ['Manage preferences', welcome.preferencesUrl],
      ['Unsubscribe', welcome.unsubscribeUrl],
    ] as const) {
      expect(html).toMatch(new RegExp(`href="${url}"[^>]*>${label}</a>`));
      expect(text).toContain(`${label}: ${url}`);
    }
    for (const url of hrefs(html)) expect(text).toContain(url);
  });

  it('escapes every outside string and keeps only http(s) links', async () => {
    const hostile: WelcomeProps = {
      ...welcome,
      newsletterName: 'Papers & "Friends"',
      topics: ['<script>alert(1)</script>', 'a&b'],
      papers: [
        {
          title: '<img src=x onerror=alert(1)> & <b>bold</b>',
          url: 'javascript:alert(1)',
          abstract: 'An abstract with <script>alert(2)</script> inside.',
          authors: ['<i>Eve</i>'],
          thumbnail: 'data:image/png;base64,AAAA',
          codeUrl: 'vbscript:msgbox(1)',
        },
      ],
    };
    const { html, text } = await renderWelcome(hostile);
    expect(html).not.toMatch(/<script|<img src=x|<i>Eve|<b>bold|javascript:|vbscript:|data:image/);
    expect(html).toContain('only papers about &lt;script&gt;alert(1)&lt;/script&gt; or a&amp;b.');
    expect(html).toContain('Papers &amp; &quot;Friends&quot;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; &lt;b&gt;bold&lt;/b&gt;');
    for (const href of hrefs(html)) expect(href).toMatch(/^https?:\/\//);
    // The text part is text: the strings stay as written, but no unsafe link is offered.
    expect(flat(text)).toContain('only papers about <script>alert(1)</script> or a&b.');
    expect(text).not.toMatch(/javascript:|vbscript:|data:/);
  });

  it('refuses to render without http(s) links of its own', async () => {
    for (const key of ['archiveUrl', 'preferencesUrl', 'unsubscribeUrl', 'latestIssueUrl'] as const) {
      await expect(renderWelcome({ ...welcome, [key]: 'javascript:alert(1)' })).rejects.toThrow(AppError);
    }
    await expect(renderWelcome({ ...welcome, unsubscribeUrl: 'not a url' })).rejects.toThrow(/unsubscribeUrl is not an http\(s\) URL/);
  });

  it('its PreviewProps render', async () => {
    const { html, text } = await renderWelcome(Welcome.PreviewProps);
    expect(html).toContain('Read the whole latest issue');
    expect(text).toContain('http://localhost:3000/unsubscribe/preview');
  });
});

describe('the confirmation email', () => {
  it('renders the same HTML and text as before', async () => {
    const r = await renderConfirmation(confirmation);
    await expect(r.html).toMatchFileSnapshot('__snapshots__/confirm-subscription.html');
    await expect(r.text).toMatchFileSnapshot('__snapshots__/confirm-subscription.txt');
  });

  it('carries its fields: the confirm button, cadence, expiry and postal address, in both parts', async () => {
    const { html, text } = await renderConfirmation(confirmation);
    expect(html).toMatch(new RegExp(`<a href="${confirmation.confirmUrl}"[^>]*>.*Confirm my subscription`));
    expect(text).toContain(`${confirmation.confirmUrl}\nThe link works for 48 hours.`);
    for (const part of [readable(html), text]) {
      expect(part).toContain('weekly digest of trending research papers');
      expect(part).toContain('Paperboy, 1 Example Street, 00000 Example City');
      expect(part).toContain('Get trending papers in your email inbox!');
    }
    expect(html).not.toContain('rel="preload"');
  });

  it('escapes every outside string and keeps only http(s) links', async () => {
    const { html } = await renderConfirmation({ ...confirmation, newsletterName: '<script>alert(1)</script> & Co', tagline: '"<b>hi</b>"' });
    expect(html).not.toMatch(/<script|<b>hi/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
    expect(html).toContain('&quot;&lt;b&gt;hi&lt;/b&gt;&quot;');
    for (const href of hrefs(html)) expect(href).toMatch(/^https?:\/\//);
    await expect(renderConfirmation({ ...confirmation, confirmUrl: 'javascript:alert(1)' })).rejects.toThrow(AppError);
  });

  it('its PreviewProps render', async () => {
    const { html } = await renderConfirmation(ConfirmSubscription.PreviewProps);
    expect(html).toContain('href="http://localhost:3000/confirm/preview"');
  });
});
