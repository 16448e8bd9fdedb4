import { describe, expect, it } from 'vitest';
import { Tokens, tokenLength } from '../../src/subscriptions/tokens.js';

const tokens = new Tokens('k'.repeat(40));

describe('tokens', () => {
  it('round-trips a subscriber id and has a fixed length per purpose', () => {
    for (const id of [1, 42, 2 ** 40]) {
      const t = tokens.sign('unsubscribe', id);
      expect(t).toHaveLength(tokenLength('unsubscribe'));
      expect(t).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(tokens.verify('unsubscribe', t)).toBe(id);
    }
  });

  it('refuses a token with one character changed', () => {
    const t = tokens.sign('unsubscribe', 7);
    for (let i = 0; i < t.length; i++) {
      const forged = t.slice(0, i) + (t[i] === 'A' ? 'B' : 'A') + t.slice(i + 1);
      expect(() => tokens.verify('unsubscribe', forged)).toThrow(/invalid or has expired/);
    }
  });

  it('refuses a token for another purpose, another key, or another id', () => {
    const t = tokens.sign('unsubscribe', 7);
    expect(() => tokens.verify('preferences', t)).toThrow(/invalid/);
    expect(() => new Tokens('z'.repeat(40)).verify('unsubscribe', t)).toThrow(/invalid/);
    const raw = Buffer.from(t, 'base64url');
    raw.writeBigUInt64BE(8n, 1);
    expect(() => tokens.verify('unsubscribe', raw.toString('base64url'))).toThrow(/invalid/);
  });

  it('refuses garbage of any shape', () => {
    for (const g of ['', 'x', '../../etc/passwd', 'A'.repeat(34), 'A'.repeat(35), '%00'.repeat(12)]) {
      expect(() => tokens.verify('unsubscribe', g)).toThrow(/invalid/);
    }
  });

  it('lets a confirm token expire', () => {
    const t = tokens.sign('confirm', 5, new Date('2026-01-02T00:00:00Z'));
    expect(tokens.verify('confirm', t, new Date('2026-01-01T00:00:00Z'))).toBe(5);
    expect(() => tokens.verify('confirm', t, new Date('2026-01-03T00:00:00Z'))).toThrow(/expired/);
  });

  it('carries no email address', () => {
    expect(Buffer.from(tokens.sign('unsubscribe', 1), 'base64url').toString('latin1')).not.toContain('@');
  });
});

describe('link tokens', () => {
  it('are the same tokens sign() makes, one HMAC for both', () => {
    const { unsubscribe, preferences } = tokens.linkTokens(99);
    expect(unsubscribe).toBe(tokens.sign('unsubscribe', 99));
    expect(preferences).toBe(tokens.sign('preferences', 99));
    expect(tokens.verify('preferences', preferences)).toBe(99);
    expect(() => tokens.verify('unsubscribe', preferences)).toThrow(/invalid/);
    // The preferences MAC in an unsubscribe-shaped token does not pass.
    const swapped = Buffer.from(preferences, 'base64url');
    swapped.writeUInt8(1, 0);
    expect(() => tokens.verify('unsubscribe', swapped.toString('base64url'))).toThrow(/invalid/);
  });
});

describe('digest Message-IDs', () => {
  const tokens = new Tokens('message-id-test-secret-0123456789abcdef');

  it('are deterministic per (issue, subscriber) and hold an HMAC of both', () => {
    const id = tokens.messageId(7, 42, 'example.org');
    expect(id).toMatch(/^paperboy\.7\.42\.[0-9a-f]{20}@example\.org$/);
    expect(tokens.messageId(7, 42, 'example.org')).toBe(id);
    expect(new Tokens('message-id-test-secret-0123456789abcdef').messageId(7, 42, 'example.org')).toBe(id);
    expect(tokens.messageId(7, 43, 'example.org')).not.toBe(id);
    expect(tokens.messageId(8, 42, 'example.org')).not.toBe(id);
    expect(tokens.verifyMessageId(id)).toEqual({ issueId: 7, subscriberId: 42 });
    // Upper-cased by some relay on the way back: still ours.
    expect(tokens.verifyMessageId(id.toUpperCase().replace('PAPERBOY', 'paperboy'))).toEqual({ issueId: 7, subscriberId: 42 });
  });

  it("cannot be made from another reader's: a swapped id, another key, the old per-install tag, garbage", () => {
    const own = tokens.messageId(7, 42, 'example.org');
    expect(tokens.verifyMessageId(own.replace('.42.', '.41.'))).toBeUndefined();
    expect(tokens.verifyMessageId(own.replace('paperboy.7.', 'paperboy.8.'))).toBeUndefined();
    expect(tokens.verifyMessageId(new Tokens('another-install-secret-0123456789abcdefgh').messageId(7, 41, 'example.org'))).toBeUndefined();
    // The form before issue 16: the same tag in every message, so one digest gave it away.
    expect(tokens.verifyMessageId(`paperboy.7.41.${tokens.installTag}@example.org`)).toBeUndefined();
    for (const junk of [
      '',
      'paperboy.7.41@example.org',
      'paperboy.7.41.zzzzzzzzzzzzzzzzzzzz@x',
      'paperboy.99999999999999999.1.0123456789abcdef0123@x',
      'a\u0000b',
    ]) {
      expect(tokens.verifyMessageId(junk), junk).toBeUndefined();
    }
  });
});
