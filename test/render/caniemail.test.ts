/**
 * Every email against caniemail.com's data (through @jsx-email/doiuse-email) for Gmail,
 * Outlook, Apple Mail and Yahoo, on the HTML exactly as it is sent.
 *
 * The rule: the layout (elements, attributes, inline styles) rests on what those clients
 * support. The embedded <style> (dark mode through prefers-color-scheme and [data-ogsc], the
 * narrow-screen media query; see emails/_components/theme.ts) only enhances, so it may be
 * unsupported somewhere. doiuse reports one flat list for a document, so each finding is traced
 * to its source by checking the <style> element and every other start tag on their own; the
 * whole document is checked too, to prove that the split accounts for everything.
 */
import { DoIUseEmail, doIUseEmail } from '@jsx-email/doiuse-email';
import { beforeAll, describe, expect, it } from 'vitest';
import ConfirmSubscription from '../../emails/ConfirmSubscription.js';
import Welcome from '../../emails/Welcome.js';
import { renderDigest } from '../../src/render/digest.js';
import { renderConfirmation, renderWelcome } from '../../src/render/mails.js';
import { previewDigest, seedDigest } from '../helpers/digest.js';

const CLIENTS = ['gmail.*', 'outlook.*', 'apple-mail.*', 'yahoo.*'];

interface Finding {
  feature: string;
  client: string;
}
interface LayoutFinding extends Finding {
  /** The tag name, or "preheader" for React Email's hidden preview text. */
  element: string;
}

/**
 * What may be unsupported in the layout, each with why it degrades gracefully. Anything else
 * fails the test: remove it from the template, or add it here with a reason.
 */
const ALLOWED: { feature: string; elements: string[]; why: string }[] = [
  {
    feature: '<body> element',
    elements: ['body'],
    why: 'Those clients turn <body> into a <div>; React Email’s Body repeats background, font and padding on an inner cell.',
  },
  {
    feature: 'role attribute',
    elements: ['table'],
    why: 'role="presentation" only tells screen readers a table is for layout; the table lays out the same without it.',
  },
  {
    feature: 'border-radius',
    elements: ['table', 'img', 'a'],
    why: 'Outlook for Windows draws square corners; the card, the thumbnail and the button are whole either way.',
  },
  { feature: 'overflow-wrap', elements: ['table'], why: 'Breaks over-long unbroken strings in browsers (the archive page); mail clients still wrap at spaces.' },
  { feature: 'outline', elements: ['img'], why: 'React Email’s Img resets outline:none; an image has no outline to remove unless focused.' },
  {
    feature: 'object-fit',
    elements: ['img'],
    why: 'The width/height attributes fix the 120×68 box; without object-fit the thumbnail is scaled into it, not cropped.',
  },
  {
    feature: 'target attribute',
    elements: ['a'],
    why: 'React Email’s Link and Button set target="_blank"; Gmail and Yahoo open every link in a new window anyway.',
  },
  {
    feature: 'text-decoration-line',
    elements: ['a'],
    why: 'Link’s default text-decoration-line:none; where ignored, the title link is underlined: still a readable link.',
  },
  { feature: 'white-space', elements: ['a'], why: '"Read more" stays on one line where supported; Outlook for Windows may break it between the two words.' },
  // The preheader hides itself three ways; a test below checks that one of them works in every client.
  { feature: 'display:none', elements: ['preheader'], why: 'Layered hiding of the preview text.' },
  { feature: 'opacity', elements: ['preheader'], why: 'Layered hiding of the preview text.' },
  { feature: 'overflow', elements: ['preheader'], why: 'Layered hiding of the preview text.' },
];

const allowed = (f: LayoutFinding) => ALLOWED.some((a) => a.feature === f.feature && a.elements.includes(f.element));

const UNSUPPORTED = /^`(.+)` is not supported by `(.+)`$/;

/** doiuse's "not supported" findings (partial support is a warning: a caveat, not an absence). */
function unsupported(html: string): Finding[] {
  const result = doIUseEmail(html, { emailClients: CLIENTS });
  if (result.success) return [];
  return result.errors.map((e) => {
    const m = UNSUPPORTED.exec(e);
    if (!m) throw new Error(`doiuse said something this test does not understand: ${e}`);
    return { feature: m[1]!, client: m[2]! };
  });
}

const STYLE_ELEMENT = /<style\b[^>]*>[\s\S]*?<\/style>/gi;
// Outlook's conditional comments are comments to doiuse too.
const COMMENT = /<!--[\s\S]*?-->/g;
const START_TAG = /<([a-zA-Z][\w-]*)(?:[^>"']|"[^"]*"|'[^']*')*>/g;

/** The findings of one email: from the <style> element, from the layout, and from the whole document. */
function check(html: string) {
  const stylesheet = [...html.matchAll(STYLE_ELEMENT)].flatMap((m) => unsupported(m[0]));
  const layout: LayoutFinding[] = [];
  const seen = new Set<string>();
  for (const [tag, name] of html.replace(STYLE_ELEMENT, '').replace(COMMENT, '').matchAll(START_TAG)) {
    if (seen.has(tag)) continue;
    seen.add(tag);
    const element = name!.toLowerCase() === 'div' && tag.includes('data-skip-in-text') ? 'preheader' : name!.toLowerCase();
    layout.push(...unsupported(tag).map((f) => ({ ...f, element })));
  }
  return { styles: html.match(STYLE_ELEMENT)?.length ?? 0, stylesheet, layout, whole: unsupported(html) };
}

const keys = (fs: Finding[]) => [...new Set(fs.map((f) => `${f.feature} @ ${f.client}`))].sort();

const emails: Record<string, () => Promise<string>> = {
  'the digest (preview fixture)': async () => (await renderDigest(previewDigest())).html,
  'the digest (77-paper seed)': async () => (await renderDigest(seedDigest(77))).html,
  'the confirmation email': async () => (await renderConfirmation(ConfirmSubscription.PreviewProps)).html,
  'the welcome email': async () => (await renderWelcome(Welcome.PreviewProps)).html,
  'the welcome email before the first issue': async () => (await renderWelcome({ ...Welcome.PreviewProps, papers: [] })).html,
};

describe('caniemail: Gmail, Outlook, Apple Mail and Yahoo', () => {
  const results: Record<string, ReturnType<typeof check>> = {};
  beforeAll(async () => {
    for (const [name, html] of Object.entries(emails)) results[name] = check(await html());
  });

  it('the checker works: it reports a flex/absolute layout, and tells the <style> element from the layout', () => {
    const bad = check(
      '<!doctype html><html><head><style>@media (max-width:600px){.x{display:block}}</style></head>' +
        '<body><div style="display:flex;position:absolute">x</div></body></html>',
    );
    expect(bad.layout).toContainEqual({ feature: 'display:flex', client: 'outlook.windows', element: 'div' });
    expect(bad.layout).toContainEqual({ feature: 'position', client: 'gmail.desktop-webmail', element: 'div' });
    expect(bad.layout.filter((f) => !allowed(f))).not.toEqual([]);
    expect(bad.stylesheet).toContainEqual({ feature: '@media', client: 'outlook.windows' });
    expect(bad.layout.map((f) => f.feature)).not.toContain('@media');
    expect(keys(bad.whole)).toEqual(keys([...bad.stylesheet, ...bad.layout]));
  });

  it.each(Object.keys(emails))('%s: the split accounts for every finding on the whole document', (name) => {
    const r = results[name]!;
    expect(keys(r.whole)).toEqual(keys([...r.stylesheet, ...r.layout]));
  });

  it.each(Object.keys(emails))('%s: the layout uses nothing those clients lack, beyond the allow-list', (name) => {
    const r = results[name]!;
    expect(r.layout.length).toBeGreaterThan(0); // the allow-listed findings: the check did run
    const unexpected = r.layout.filter((f) => !allowed(f)).map((f) => `${f.feature} on <${f.element}> @ ${f.client}`);
    expect([...new Set(unexpected)]).toEqual([]);
  });

  it.each(Object.keys(emails))('%s: the one embedded stylesheet (dark mode, narrow screens) may be unsupported, apart from the layout', (name) => {
    const { styles, stylesheet, layout } = results[name]!;
    expect(styles).toBe(1);
    // Outlook for Windows ignores media queries: it shows the light, wide layout, which is complete.
    expect(stylesheet).toContainEqual({ feature: '@media', client: 'outlook.windows' });
    expect(layout.map((f) => f.feature)).not.toContain('@media');
  });

  it('the preheader stays hidden everywhere: each client supports display:none or overflow (with max-height:0)', () => {
    const all = new DoIUseEmail({ emailClients: CLIENTS }).emailClients;
    const preheader = Object.values(results).flatMap((r) => r.layout.filter((f) => f.element === 'preheader'));
    expect(preheader.length).toBeGreaterThan(0);
    for (const client of all) {
      const missing = new Set(preheader.filter((f) => f.client === client).map((f) => f.feature));
      expect(missing.has('display:none') && missing.has('overflow'), client).toBe(false);
    }
  });

  it('every allow-list entry is still needed', () => {
    const used = Object.values(results).flatMap((r) => r.layout.filter(allowed));
    for (const a of ALLOWED)
      expect(
        used.some((f) => f.feature === a.feature && a.elements.includes(f.element)),
        `${a.feature}: ${a.why}`,
      ).toBe(true);
  });
});
