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
