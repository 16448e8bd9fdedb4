/**
 * Rendering figures: one 30-paper and one 77-paper issue (HTML and text, warm, median of many),
 * the MIME build of a variant, and the per-recipient cost of personalising a built issue.
 * Targets on the reference machine: 77 papers at most 50 ms; at most 20 µs per recipient.
 */
import { it } from 'vitest';
import { recipientFor } from '../../src/pipeline/recipient.js';
import { renderDigest } from '../../src/render/digest.js';
import { composeTemplate, recipientUrls } from '../../src/send/compose.js';
import { Tokens } from '../../src/subscriptions/tokens.js';
import { seedDigest } from '../helpers/digest.js';
import { fmt, measure, report } from './measure.js';

it('render', async () => {
  const urls = recipientUrls('https://paperboy.example.org');
  const p30 = { ...seedDigest(30), ...urls };
  const p77 = { ...seedDigest(77), ...urls };
  const r30 = await measure('render 30-paper issue (HTML + text)', () => renderDigest(p30), { runs: 100, warmup: 20 });
  const r77 = await measure('render 77-paper issue (HTML + text)', () => renderDigest(p77), { runs: 100, warmup: 20 });
  const rendered = await renderDigest(p30);
  const compose = () =>
    composeTemplate({
      from: 'Paperboy <digest@example.org>',
      subject: 'Paperboy: 30 papers',
      html: rendered.html,
      text: rendered.text,
      unsubscribeUrl: urls.unsubscribeUrl,
      messageIdDomain: 'example.org',
    });
  const built = await measure('build the MIME message of a 30-paper variant', compose, { runs: 100, warmup: 20 });

  const template = await compose();
  const tokens = new Tokens('b'.repeat(40));
  const N = 10_000;
  const recipients = Array.from({ length: N }, (_, i) => recipientFor(tokens, 7, { id: i + 1, email: `reader${i}@example.org` }, 'example.org'));
  const splice = await measure(
    `personalise ${N} recipients (splice only)`,
    () => {
      for (const r of recipients) template.personalise(r);
    },
    { runs: 20, warmup: 3 },
  );
  const full = await measure(
    `personalise ${N} recipients (tokens + Message-ID + splice)`,
    () => {
      for (let i = 0; i < N; i++) template.personalise(recipientFor(tokens, 7, { id: i + 1, email: `reader${i}@example.org` }, 'example.org'));
    },
    { runs: 20, warmup: 3 },
  );
  const zeroCopy = await measure(
    `personalise ${N} recipients as parts, no copy (tokens + Message-ID)`,
    () => {
      for (let i = 0; i < N; i++) template.parts(recipientFor(tokens, 7, { id: i + 1, email: `reader${i}@example.org` }, 'example.org'));
    },
    { runs: 20, warmup: 3 },
  );

  report(
    'Render',
    [r30, r77, built, splice, full, zeroCopy],
    [
      `per recipient: ${fmt(splice.medianMs / N)} splice only, ${fmt(full.medianMs / N)} with tokens, ` +
        `${fmt(zeroCopy.medianMs / N)} with tokens as parts; message ${(template.size / 1024).toFixed(1)} KB`,
      `77-paper HTML: ${((await renderDigest(p77)).html.length / 1024).toFixed(1)} KB (Gmail clips at 102 KB)`,
    ],
  );
});
