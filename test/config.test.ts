import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configWarnings, loadConfig, redactUrl } from '../src/config.js';

let dir: string;
afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));
const fresh = () => (dir = mkdtempSync(path.join(tmpdir(), 'paperboy-config-')));

describe('configuration', () => {
  it('has defaults that work on a fresh machine', () => {
    const cfg = loadConfig({}, fresh());
    expect(cfg).toMatchObject({
      DATABASE_URL: 'file:subscribers/paperboy.db',
      PUBLIC_URL: 'http://localhost:3000',
      PORT: 3000,
      SCHEDULE: '0 8 * * *',
      TZ: 'UTC',
      MAX_PAPERS_PER_ISSUE: 30,
      SMTP_POOL: 5,
      DIGEST_SOURCE: 'fixtures/trending-papers.txt',
      SUBSCRIBE_LIMIT_PER_IP: 10,
      CONFIRMATIONS_PER_HOUR: 100,
      TRUST_PROXY: 0,
    });
    expect(cfg.SMTP_URL).toBeUndefined();
    expect(cfg.sqlitePath).toBe(path.join(dir, 'subscribers', 'paperboy.db'));
    expect(cfg.OUTBOX_DIR).toBe(path.join(dir, 'outbox'));
    expect(configWarnings(cfg)).toEqual([]);
  });

  it('reads .env, and the environment wins over it', () => {
    writeFileSync(path.join(fresh(), '.env'), 'PORT=4000\nNEWSLETTER_NAME="Paper Trail"\nMAX_PAPERS_PER_ISSUE=\n');
    const cfg = loadConfig({ PORT: '5000' }, dir);
    expect(cfg.PORT).toBe(5000);
    expect(cfg.NEWSLETTER_NAME).toBe('Paper Trail');
    expect(cfg.MAX_PAPERS_PER_ISSUE).toBe(30);
  });

  it.each([
    [{ PORT: '99999' }, 'config: PORT must be at most 65535 (got "99999")'],
    [{ MAX_PAPERS_PER_ISSUE: '0' }, 'config: MAX_PAPERS_PER_ISSUE must be at least 1 (got "0")'],
    [{ PUBLIC_URL: 'ftp://x.org' }, /config: PUBLIC_URL must be an http\(s\) URL/],
    [{ SCHEDULE: 'every day' }, /config: SCHEDULE must be a 5- or 6-field cron expression/],
    [{ TZ: 'Mars/Olympus' }, /config: TZ must be an IANA time zone/],
    [{ DATABASE_URL: 'mysql://x' }, 'config: DATABASE_URL must be file:PATH or postgres://…'],
    [{ MAIL_FROM: 'not an address' }, /config: MAIL_FROM must be an address/],
    [{ DEFAULT_FREQUENCY: 'hourly' }, /config: DEFAULT_FREQUENCY must be daily or weekly/],
    [{ WEEKLY_DAY: 'someday' }, 'config: WEEKLY_DAY must be a day of the week such as monday or mon (got "someday")'],
  ])('refuses %j with one line naming the key', (env, message) => {
    expect(() => loadConfig(env, fresh())).toThrow(message);
  });

  it('reads WEEKLY_DAY as a day name or its first three letters, in any case', () => {
    expect(loadConfig({}, fresh()).WEEKLY_DAY).toBe('monday');
    expect(loadConfig({ WEEKLY_DAY: 'Friday' }, dir).WEEKLY_DAY).toBe('friday');
    expect(loadConfig({ WEEKLY_DAY: ' SUN ' }, dir).WEEKLY_DAY).toBe('sunday');
    expect(() => loadConfig({ WEEKLY_DAY: 'fr' }, dir)).toThrow(/^config: WEEKLY_DAY must be a day of the week/);
  });

  it('reads the subscribe limits and TRUST_PROXY, naming the key when a value is wrong', () => {
    expect(loadConfig({ SUBSCRIBE_LIMIT_PER_IP: '3', CONFIRMATIONS_PER_HOUR: '50', TRUST_PROXY: 'Yes' }, fresh())).toMatchObject({
      SUBSCRIBE_LIMIT_PER_IP: 3,
      CONFIRMATIONS_PER_HOUR: 50,
      TRUST_PROXY: 1,
    });
    expect(() => loadConfig({ SUBSCRIBE_LIMIT_PER_IP: '0' }, fresh())).toThrow('config: SUBSCRIBE_LIMIT_PER_IP must be at least 1 (got "0")');
  });

  it('reads TRUST_PROXY as a number of trusted proxies, as Express\'s "trust proxy" does: false/0 none, true one, N that many', () => {
    const hops = (v: string) => loadConfig({ TRUST_PROXY: v }, fresh()).TRUST_PROXY;
    expect([hops('false'), hops('0'), hops('No'), hops('true'), hops('TRUE'), hops('1'), hops(' 2 '), hops('20')]).toEqual([0, 0, 0, 1, 1, 1, 2, 20]);
    for (const bad of ['maybe', '-1', '1.5', '21', '2 proxies', '10.0.0.1']) {
      expect(() => hops(bad), bad).toThrow(/^config: TRUST_PROXY must be true, false or the number of reverse proxies in front \(0 to 20\) \(got ".*"\)$/);
    }
  });

  it('never echoes a secret value in an error', () => {
    expect(() => loadConfig({ SECRET_KEY: 'hunter2' }, fresh())).toThrow(/^config: SECRET_KEY must be at least 32 characters \(try: openssl rand -hex 32\)$/);
    expect(() => loadConfig({ SMTP_URL: 'http://user:hunter2@mail' }, fresh())).toThrow(/^config: SMTP_URL must be smtp:/);
    try {
      loadConfig({ SMTP_URL: 'http://user:hunter2@mail' }, dir);
    } catch (e) {
      expect((e as Error).message).not.toContain('hunter2');
    }
    expect(redactUrl('smtps://user:hunter2@mail.example.org:465')).toBe('smtps://user:***@mail.example.org:465');
  });

  it('reads OPERATOR_EMAIL (unset: no alert emails) and ALERT_AFTER_FAILURES (default 3), in one line, never echoing the address', () => {
    const cfg = loadConfig({}, fresh());
    expect(cfg.OPERATOR_EMAIL).toBeUndefined();
    expect(cfg.ALERT_AFTER_FAILURES).toBe(3);
    const empty = loadConfig({ OPERATOR_EMAIL: '', ALERT_AFTER_FAILURES: '5' }, fresh());
    expect([empty.OPERATOR_EMAIL, empty.ALERT_AFTER_FAILURES]).toEqual([undefined, 5]);
    expect(loadConfig({ OPERATOR_EMAIL: 'Ops <ops@example.org>' }, fresh()).OPERATOR_EMAIL).toBe('Ops <ops@example.org>');
    expect(() => loadConfig({ OPERATOR_EMAIL: 'ops at example.org' }, fresh())).toThrow(
      /^config: OPERATOR_EMAIL must be an email address such as ops@example\.org$/,
    );
    expect(() => loadConfig({ OPERATOR_EMAIL: 'ops@example.org\r\nBcc: x@example.org' }, fresh())).toThrow(/^config: OPERATOR_EMAIL must be/);
    expect(() => loadConfig({ ALERT_AFTER_FAILURES: '0' }, fresh())).toThrow('config: ALERT_AFTER_FAILURES must be at least 1 (got "0")');
    expect(() => loadConfig({ ALERT_AFTER_FAILURES: 'often' }, fresh())).toThrow('config: ALERT_AFTER_FAILURES must be a whole number (got "often")');
  });

  it('warns about a public http link base', () => {
    expect(configWarnings(loadConfig({ PUBLIC_URL: 'http://news.example.org' }, fresh()))[0]).toMatch(/PUBLIC_URL is http, not https/);
  });
});
