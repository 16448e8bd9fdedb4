import { render } from '@react-email/render';
import { createElement } from 'react';
import { describe, expect, it } from 'vitest';
import ConfirmSubscription, { confirmSubscriptionText } from '../../emails/ConfirmSubscription.js';
import TrendingPapers, { abstractChars, trendingPapersText } from '../../emails/TrendingPapers.js';
import { digestProps, renderDigest } from '../../src/render/digest.js';
import { masthead, previewDigest, seedDigest, seedPapers, urls } from '../helpers/digest.js';

const GMAIL_CLIP = 102_000; // "102 KB", read strictly

describe('the digest email', () => {
  it('renders a fixed issue to the same HTML and text as before', async () => {
    const r = await renderDigest(previewDigest());
    await expect(r.html).toMatchFileSnapshot('__snapshots__/trending-papers.html');
    await expect(r.text).toMatchFileSnapshot('__snapshots__/trending-papers.txt');
  });

  it('keeps the whole 77-paper seed digest under Gmail’s 102 KB clip', async () => {
    const r = await renderDigest(seedDigest(77));
    expect(r.paperCount).toBe(77);
    expect(Buffer.byteLength(r.html)).toBeLessThan(GMAIL_CLIP);
    expect(abstractChars(77)).toBeLessThan(abstractChars(30));
  });

  it('shortens abstracts further when papers with many links would push a 77-paper issue over the clip', async () => {
    const rich = seedPapers().map((p, i) => ({
      ...p,
      arxivId: `2508.${13400 + i}`,
      links: {
        page: `https://arxiv.org/abs/2508.${13400 + i}`,
        code: `https://github.com/example-org/project-${i}`,
        project: `https://example-org.github.io/project-${i}/`,
      },
      authors: ['Chunhua Liu', 'Kabir Manandhar Shrestha', 'Sukai Huang', 'Someone Else'],
      upvotes: 100 - i,
      extra: { stars: 1200 + i },
    }));
    const props = digestProps(masthead, { issueDate: '2026-03-17', frequency: 'daily' }, rich, urls);
    const plain = await render(createElement(TrendingPapers, props));
    expect(Buffer.byteLength(plain)).toBeGreaterThan(GMAIL_CLIP);
    const r = await renderDigest(props);
    expect(Buffer.byteLength(r.html)).toBeLessThan(GMAIL_CLIP);
    expect((r.html.match(/>Read more</g) ?? []).length).toBe(77);
  });

  it('is a client-proof document: lang, colour scheme, tables, 600 px, no external CSS or fonts', async () => {
    const { html } = await renderDigest(seedDigest(5));
    expect(html).toMatch(/<html[^>]* lang="en"/);
    expect(html).toContain('<meta name="color-scheme" content="light dark"/>');
    expect(html).toContain('@media (prefers-color-scheme:dark)');
    expect(html).toContain('max-width:600px');
    expect(html).toMatch(/<table[^>]+role="presentation"/);
    expect(html).not.toMatch(/<link[^>]+stylesheet|@import|@font-face|<script/i);
  });

  it('shows authors (three, then et al.), upvotes, TL;DR, thumbnail with size and empty alt, and the paper links', async () => {
    const { html } = await renderDigest(previewDigest());
    expect(html).toContain('Chunhua Liu, Kabir Manandhar Shrestha, Sukai Huang · ▲ 42');
    expect(html).toContain('Yunfeng Ge, Ming Jin, Yiji Zhao et al.');
    expect(html).toContain('<b>TL;DR </b>Fine-tuning LLMs');
    // Decorative (alt=""): the linked title beside it already names the paper.
    expect(html).toMatch(/<img alt="" height="68" src="https:\/\/cdn-thumbnails\.huggingface\.co\/[^"]+" /);
    expect(html).toMatch(/width="120"/);
    expect(html).toContain('>Code ★ 1.2k</a>');
    expect(html).toContain('>Project page</a>');
    expect(html).toContain('href="https://arxiv.org/pdf/2508.13426"');
  });

  it('has the footer: why, view in browser, preferences, unsubscribe, postal address', async () => {
    const { html, text } = await renderDigest(previewDigest());
    for (const part of [html.replaceAll('&#x27;', "'"), text]) {
      expect(part).toContain("You get this email because you subscribed to Paperboy's daily digest.");
      expect(part).toContain('https://paperboy.example.org/archive/42');
      expect(part).toContain('https://paperboy.example.org/preferences/');
      expect(part).toContain('https://paperboy.example.org/unsubscribe/');
      expect(part).toContain('Paperboy, 1 Example Street, 00000 Example City');
    }
  });

  it('has a plain-text part that reads on its own: no upper-cased headings; title, authors, link, summary per paper', async () => {
    const { text } = await renderDigest(previewDigest());
    expect(text).not.toMatch(/^[A-Z0-9 :]{12,}$/m);
    expect(text).toContain(
      '1. ALIGN: Word Association Learning for Cross-Cultural Generalization in\nLarge Language Models\nChunhua Liu, Kabir Manandhar Shrestha, Sukai Huang · 42 upvotes\nhttps://arxiv.org/abs/2508.13426\nTL;DR: Fine-tuning',
    );
    expect(text).toContain('Code (1234 stars): https://github.com/example/align-word-association');
    for (const line of text.split('\n')) if (!/https?:\/\//.test(line)) expect(line.length).toBeLessThanOrEqual(72);
  });

  it('escapes every outside string and keeps only http(s) links', async () => {
    const hostile = {
      ...seedDigest(1),
      newsletterName: 'Papers & "Friends"',
      papers: [
        {
          title: '<script>alert("x")</script> & <b>bold</b> "quoted" \'single\'',
          url: 'javascript:alert(1)',
          abstract: 'An abstract with <img src=x onerror=alert(1)> inside.',
          authors: ['<i>Eve</i>'],
          codeUrl: 'data:text/html,<script>alert(1)</script>',
        },
      ],
    };
    const html = await render(createElement(TrendingPapers, hostile));
    expect(html).not.toMatch(/<script|<img src=x|<i>Eve|javascript:|data:text/);
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;');
    expect(html).toContain('Papers &amp; &quot;Friends&quot;');
    expect(trendingPapersText(hostile)).toContain('<script>alert("x")</script>');
  });

  it('keeps right-to-left, CJK and emoji titles intact', async () => {
    const titles = ['نماذج اللغة الكبيرة للترجمة', '大型语言模型的对齐研究', '🚀 Rocket Science for LLMs 🧪'];
    const props = { ...seedDigest(1), papers: titles.map((title) => ({ title, url: 'https://arxiv.org/abs/1', abstract: 'Abstract.', authors: [] })) };
    const { html, text } = await renderDigest(props);
    for (const t of titles) {
      expect(html).toContain(t);
      expect(text).toContain(t);
    }
  });
});

describe('the confirmation email', () => {
  it('renders the confirm link as a button, in the same shell, with a text part', async () => {
    const props = ConfirmSubscription.PreviewProps;
    const html = await render(createElement(ConfirmSubscription, props));
    expect(html).toContain('href="http://localhost:3000/confirm/preview"');
    expect(html).toContain('Confirm my subscription');
    expect(html).toContain('Get trending papers in your email inbox!');
    expect(html).toContain('<meta name="color-scheme" content="light dark"/>');
    expect(confirmSubscriptionText(props)).toContain('http://localhost:3000/confirm/preview\nThe link works for 48 hours.');
  });
});
