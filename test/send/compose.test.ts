import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { composeTemplate, unsubscribeUrlTemplate } from '../../src/send/compose.js';
import { Tokens } from '../../src/subscriptions/tokens.js';
import { rawHeader } from '../helpers/smtp.js';

const tokens = new Tokens('s'.repeat(40));

async function templateWithPadding(pad: number) {
  const url = unsubscribeUrlTemplate('https://news.example.org');
  return composeTemplate({
    from: 'Paperboy <digest@example.org>',
    subject: 'Trending: émoji 🚀 and more',
    html: `<p>${'é'.repeat(pad)}<a href="${url}">Unsubscribe</a></p>`,
    text: `${'x'.repeat(pad)} Unsubscribe: ${url}\n`,
    unsubscribeUrl: url,
    messageIdDomain: 'example.org',
    date: new Date('2026-11-26T08:00:00Z'),
  });
}

describe('prebuilt message, personalised per recipient', () => {
  it('puts each recipient’s token in the header, the HTML and the text, wherever quoted-printable wrapped it', async () => {
    for (let pad = 0; pad < 90; pad += 1) {
      const template = await templateWithPadding(pad);
      const id = 1000 + pad;
      const token = tokens.sign('unsubscribe', id);
      const raw = template.personalise({ email: `r${id}@example.org`, messageId: `paperboy.1.${id}.x@example.org`, unsubscribeToken: token });
      for (const line of raw.toString('latin1').split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
      const mail = await simpleParser(raw);
      const url = `https://news.example.org/unsubscribe/${token}`;
      expect(rawHeader(mail, 'List-Unsubscribe')).toBe(`<${url}>`);
      expect(rawHeader(mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
      expect(mail.html).toContain(`href="${url}"`);
      expect(mail.text).toContain(`Unsubscribe: ${url}`);
      expect(mail.to).toMatchObject({ value: [{ address: `r${id}@example.org` }] });
      expect(mail.messageId).toBe(`<paperboy.1.${id}.x@example.org>`);
      expect(mail.subject).toBe('Trending: émoji 🚀 and more');
      expect(tokens.verify('unsubscribe', token)).toBe(id);
    }
  });

  it('keeps the shared bytes identical between recipients', async () => {
    const template = await templateWithPadding(10);
    const a = template.personalise({ email: 'a@example.org', messageId: 'm1@example.org', unsubscribeToken: tokens.sign('unsubscribe', 1) });
    const b = template.personalise({ email: 'bb@example.org', messageId: 'm22@example.org', unsubscribeToken: tokens.sign('unsubscribe', 2) });
    expect(b.length - a.length).toBe(2);
    expect(a.toString().split('\r\n\r\n').slice(1).join().length).toBe(b.toString().split('\r\n\r\n').slice(1).join().length);
  });

  it('refuses a recipient field that would break a header', async () => {
    const template = await templateWithPadding(0);
    const token = tokens.sign('unsubscribe', 1);
    expect(() => template.personalise({ email: 'a@example.org\r\nBcc: x@y.org', messageId: 'm@example.org', unsubscribeToken: token })).toThrow(/forbidden/);
    expect(() => template.personalise({ email: 'a@example.org', messageId: 'm@example.org', unsubscribeToken: 'short' })).toThrow(/length/);
  });
});
