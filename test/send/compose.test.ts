import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import type { Recipient } from '../../src/pipeline/ports.js';
import { composeTemplate, recipientUrls } from '../../src/send/compose.js';
import { Tokens } from '../../src/subscriptions/tokens.js';
import { rawHeader } from '../helpers/smtp.js';

const tokens = new Tokens('s'.repeat(40));
const recipient = (id: number, email = `r${id}@example.org`): Recipient => ({
  email,
  messageId: `paperboy.1.${id}.x@example.org`,
  unsubscribeToken: tokens.sign('unsubscribe', id),
  preferencesToken: tokens.sign('preferences', id),
});

async function templateWithPadding(pad: number) {
  const { unsubscribeUrl, preferencesUrl } = recipientUrls('https://news.example.org');
  return composeTemplate({
    from: 'Paperboy <digest@example.org>',
    subject: 'Trending: émoji 🚀 and more',
    html: `<p>${'é'.repeat(pad)}<a href="${preferencesUrl}">Preferences</a> <a href="${unsubscribeUrl}">Unsubscribe</a></p>`,
    text: `${'x'.repeat(pad)} Preferences: ${preferencesUrl}\nUnsubscribe: ${unsubscribeUrl}\n`,
    unsubscribeUrl,
    messageIdDomain: 'example.org',
    date: new Date('2026-11-26T08:00:00Z'),
  });
}

describe('prebuilt message, personalised per recipient', () => {
  it('puts each recipient’s tokens in the header, the HTML and the text, wherever quoted-printable wrapped them', async () => {
    for (let pad = 0; pad < 90; pad += 1) {
      const template = await templateWithPadding(pad);
      const r = recipient(1000 + pad);
      const raw = template.personalise(r);
      for (const line of raw.toString('latin1').split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
      const mail = await simpleParser(raw);
      const unsub = `https://news.example.org/unsubscribe/${r.unsubscribeToken}`;
      const prefs = `https://news.example.org/preferences/${r.preferencesToken}`;
      expect(rawHeader(mail, 'List-Unsubscribe')).toBe(`<${unsub}>`);
      expect(rawHeader(mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
      expect(mail.html).toContain(`href="${unsub}"`);
      expect(mail.html).toContain(`href="${prefs}"`);
      expect(mail.text).toContain(`Unsubscribe: ${unsub}`);
      expect(mail.text).toContain(`Preferences: ${prefs}`);
      expect(mail.to).toMatchObject({ value: [{ address: r.email }] });
      expect(mail.messageId).toBe(`<${r.messageId}>`);
      expect(mail.subject).toBe('Trending: émoji 🚀 and more');
      expect(tokens.verify('unsubscribe', r.unsubscribeToken)).toBe(1000 + pad);
    }
  });

  it('keeps the shared bytes identical between recipients', async () => {
    const template = await templateWithPadding(10);
    const a = template.personalise(recipient(1, 'a@example.org'));
    const b = template.personalise(recipient(2, 'bb@example.org'));
    expect(b.length - a.length).toBe(1 + 0);
    const body = (m: Buffer) => m.toString('latin1').split('\r\n\r\n').slice(1).join('\r\n\r\n');
    expect(body(a).length).toBe(body(b).length);
  });

  it('refuses a recipient field that would break a header', async () => {
    const template = await templateWithPadding(0);
    expect(() => template.personalise({ ...recipient(1), email: 'a@example.org\r\nBcc: x@y.org' })).toThrow(/forbidden/);
    expect(() => template.personalise({ ...recipient(1), unsubscribeToken: 'short' })).toThrow(/length/);
  });
});
