import { describe, expect, it } from 'vitest';
import { emailKey, normalizeEmail } from '../../src/lib/email.js';

describe('email addresses', () => {
  it('accepts ordinary addresses and lower-cases the domain only', () => {
    expect(normalizeEmail('  Ada.Lovelace+news@Example.ORG ')).toBe('Ada.Lovelace+news@example.org');
    expect(emailKey('Ada@Example.org')).toBe(emailKey('ada@example.org'));
  });

  it('stores an internationalised domain in punycode', () => {
    expect(normalizeEmail('user@bücher.example')).toBe('user@xn--bcher-kva.example');
  });

  it.each([
    ['', /empty/],
    ['plain', /expected local-part@domain/],
    ['a@@example.org', /more than one @/],
    ['a@b', /needs a dot/],
    ['a b@example.org', /contains a space/],
    ['.a@example.org', /not a valid address/],
    ['a..b@example.org', /not a valid address/],
    ['a@example.org\r\nBcc: x@y.org', /line break/],
    ['a\u0000@example.org', /line break or NUL/],
    ['ünï@example.org', /plain ASCII/],
    [`${'a'.repeat(65)}@example.org`, /longer than 64/],
    [`a@${'b'.repeat(250)}.org`, /longer than 254|domain is not valid/],
  ])('refuses %j', (input, message) => {
    expect(() => normalizeEmail(input)).toThrow(message);
  });
});
