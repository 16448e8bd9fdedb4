// The DNS side of `paperboy doctor` (SPF, DKIM, DMARC and alignment, the bounce MX), each fault
// alone on an otherwise good set-up: its line fails or warns with its fix, the others pass.
import { createPublicKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { dkimRecord } from '../../src/doctor/dkim.js';
import { unknownUnsubscribeToken } from '../../src/doctor/http.js';
import { formatChecklist } from '../../src/doctor/report.js';
import { tokenLength } from '../../src/subscriptions/tokens.js';
import { ALL_PASS, type Lab, PASS, USER, doctorWith, expectOnly, startLab, statuses } from './setup.js';

let lab: Lab;
beforeAll(async () => {
  lab = await startLab();
});
afterAll(() => lab?.close());
beforeEach(() => lab.resetZone());

const doctor = (env: Record<string, string | undefined> = {}) => doctorWith(lab, env);

describe('paperboy doctor on a good set-up', () => {
  it('passes every check, in a fixed order', async () => {
    const m = await doctor();
    expect([...m.keys()]).toEqual(Object.keys(ALL_PASS));
    expectOnly(m, {});
    expect(m.get('spf')!.message).toContain('1 include followed one level');
    expect(m.get('dkim')!.message).toBe('paperboy._domainkey.example.org publishes the configured key (RSA 2048-bit)');
    expect(m.get('smtp-tls')!.message).toBe('STARTTLS offered and used, certificate verified');
    expect(m.get('smtp-auth')!.message).toContain('the credentials in SMTP_URL are accepted');
    expect(m.get('unsubscribe')!.message).toContain('answers 400 from Paperboy');
    // The DNS went to the server on loopback, nowhere else.
    expect(lab.dns.queries).toEqual(expect.arrayContaining(['TXT bounces.example.org', 'TXT _spf.example.net', 'TXT _dmarc.example.org']));
  });

  it('accepts implicit TLS (smtps) and a key published as PKCS#1', async () => {
    const pkcs1 = lab.keys.rsa.publicKey.export({ type: 'pkcs1', format: 'der' }).toString('base64');
    lab.zone['paperboy._domainkey.example.org'] = { TXT: [`v=DKIM1; k=rsa; p=${pkcs1}`] };
    const m = await doctor({ SMTP_URL: `smtps://${USER}:${PASS}@mail.example.org:${lab.smtp.smtps}` });
    expectOnly(m, {});
    expect(m.get('smtp-tls')!.message).toContain('TLS from the first byte (smtps)');
  });

  it('asks for a syntactically valid unsubscribe token', () => {
    expect(unknownUnsubscribeToken()).toHaveLength(tokenLength('unsubscribe'));
  });
});

describe('SPF', () => {
  it('no SPF record: fails with a record to publish', async () => {
    lab.zone['bounces.example.org']!.TXT = ['some-verification=1'];
    const m = await doctor();
    expectOnly(m, { spf: 'fail' });
    expect(m.get('spf')!.message).toContain('no SPF record (v=spf1) at bounces.example.org');
    expect(m.get('spf')!.publish).toEqual({ name: 'bounces.example.org', type: 'TXT', value: 'v=spf1 a:mail.example.org ~all' });
  });

  it('two SPF records: fails and proposes them merged', async () => {
    lab.zone['bounces.example.org']!.TXT = ['v=spf1 include:_spf.example.net ~all', 'v=spf1 ip4:198.51.100.7 -all'];
    const m = await doctor();
    expectOnly(m, { spf: 'fail' });
    expect(m.get('spf')!.message).toContain('2 SPF records');
    expect(m.get('spf')!.publish!.value).toBe('v=spf1 include:_spf.example.net ip4:198.51.100.7 ~all');
  });

  it('+all (or a bare all): fails', async () => {
    for (const all of ['+all', 'all']) {
      lab.zone['bounces.example.org']!.TXT = [`v=spf1 a:mail.example.org ${all}`];
      const m = await doctor();
      expectOnly(m, { spf: 'fail' });
      expect(m.get('spf')!.message).toContain('any server on the internet may send as bounces.example.org');
      expect(m.get('spf')!.publish!.value).toBe('v=spf1 a:mail.example.org ~all');
    }
  });

  it('follows includes one level: a missing target fails, an unanswerable one is undecided', async () => {
    lab.zone['bounces.example.org']!.TXT = ['v=spf1 include:gone.example.net ~all'];
    expect((await doctor()).get('spf')).toMatchObject({ status: 'fail', message: expect.stringContaining('gone.example.net has no SPF record') });
    lab.zone['broken.example.net'] = { SERVFAIL: true };
    lab.zone['bounces.example.org']!.TXT = ['v=spf1 include:broken.example.net ~all'];
    expect((await doctor()).get('spf')).toMatchObject({ status: 'warn', message: expect.stringContaining('broken.example.net could not be decided') });
  });

  it('more than 10 DNS-querying terms fails (counting one level of includes)', async () => {
    const terms = Array.from({ length: 9 }, (_, i) => `a:h${i}.example.org`).join(' ');
    lab.zone['bounces.example.org']!.TXT = [`v=spf1 ${terms} include:_spf.example.net ~all`];
    const m = await doctor();
    expectOnly(m, { spf: 'fail' });
    expect(m.get('spf')!.message).toContain('needs at least 11 DNS lookups; SPF allows 10');
  });

  it('checks the MAIL_FROM domain when BOUNCE_DOMAIN is unset, and says where bounces go', async () => {
    const m = await doctor({ BOUNCE_DOMAIN: undefined });
    expectOnly(m, { 'bounce-mx': 'skip' });
    expect(m.get('spf')!.message).toContain('example.org: "v=spf1 a:mail.example.org ~all"');
    expect(m.get('bounce-mx')!.message).toBe('BOUNCE_DOMAIN not set: bounces go to the MAIL_FROM address digest@example.org');
  });
});

describe('DKIM', () => {
  const expected = () => dkimRecord('rsa', lab.keys.rsa.publicKey);

  it('record missing: fails with the exact TXT value computed from the configured private key', async () => {
    delete lab.zone['paperboy._domainkey.example.org'];
    const m = await doctor();
    expectOnly(m, { dkim: 'fail' });
    const spki = createPublicKey(lab.keys.rsa.pem).export({ type: 'spki', format: 'der' }).toString('base64');
    expect(m.get('dkim')!.publish).toEqual({ name: 'paperboy._domainkey.example.org', type: 'TXT', value: `v=DKIM1; k=rsa; p=${spki}` });
    expect(formatChecklist([...m.values()])).toContain(`paperboy._domainkey.example.org. IN TXT "v=DKIM1; k=rsa; p=${spki.slice(0, 100)}`);
  });

  it('another key published: fails, naming both fingerprints', async () => {
    lab.zone['paperboy._domainkey.example.org'] = { TXT: [dkimRecord('rsa', lab.keys.otherRsa.publicKey)] };
    const m = await doctor();
    expectOnly(m, { dkim: 'fail' });
    expect(m.get('dkim')!.message).toMatch(
      /publishes another key \(RSA 2048-bit, fingerprint \S+\) than the configured one \(RSA 2048-bit, \S+\): every signature fails/,
    );
    expect(m.get('dkim')!.publish!.value).toBe(expected());
  });

  it('a revoked key (empty p=) and a testing flag (t=y) are reported', async () => {
    lab.zone['paperboy._domainkey.example.org'] = { TXT: ['v=DKIM1; k=rsa; p='] };
    expect((await doctor()).get('dkim')).toMatchObject({ status: 'fail', message: expect.stringContaining('empty p=: the key is revoked') });
    lab.zone['paperboy._domainkey.example.org'] = { TXT: [`${expected()}; t=y`] };
    expect((await doctor()).get('dkim')).toMatchObject({ status: 'warn', message: expect.stringContaining('t=y (testing)') });
  });

  it('a 512-bit key fails, a 1024-bit key warns', async () => {
    lab.zone['paperboy._domainkey.example.org'] = { TXT: [dkimRecord('rsa', lab.keys.rsa512.publicKey)] };
    const weak = await doctor({ DKIM_PRIVATE_KEY: lab.keys.rsa512.pem });
    expectOnly(weak, { dkim: 'fail' });
    expect(weak.get('dkim')!.message).toContain('the configured key is 512 bits');

    lab.zone['paperboy._domainkey.example.org'] = { TXT: [dkimRecord('rsa', lab.keys.rsa1024.publicKey)] };
    const small = await doctor({ DKIM_PRIVATE_KEY: lab.keys.rsa1024.pem });
    expectOnly(small, { dkim: 'warn' });
    expect(small.get('dkim')!.message).toContain('it is 1024 bits: Gmail and Yahoo ask for 2048');
  });

  it('reads the key from DKIM_PRIVATE_KEY_FILE as the sender does, and reports an unreadable one', async () => {
    writeFileSync(path.join(lab.dir, 'dkim.pem'), lab.keys.rsa.pem);
    expectOnly(await doctor({ DKIM_PRIVATE_KEY: undefined, DKIM_PRIVATE_KEY_FILE: 'dkim.pem' }), {});
    const m = await doctor({ DKIM_PRIVATE_KEY: undefined, DKIM_PRIVATE_KEY_FILE: 'no-such-key.pem' });
    expectOnly(m, { dkim: 'fail', 'dkim-ed25519': 'skip' });
    expect(m.get('dkim')!.message).toBe('config: DKIM_PRIVATE_KEY_FILE cannot be read');
  });

  it('Ed25519: an SPKI in p= instead of the raw key fails; another key fails; unset is skipped', async () => {
    const spki = lab.keys.ed.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    lab.zone['ed._domainkey.example.org'] = { TXT: [`v=DKIM1; k=ed25519; p=${spki}`] };
    let m = await doctor();
    expectOnly(m, { 'dkim-ed25519': 'fail' });
    expect(m.get('dkim-ed25519')!.message).toContain('RFC 8463 wants the raw 32-byte key');
    expect(m.get('dkim-ed25519')!.publish!.value).toMatch(/^v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=$/);

    lab.zone['ed._domainkey.example.org'] = { TXT: [`v=DKIM1; p=${spki}`] };
    expect((await doctor()).get('dkim-ed25519')!.message).toContain('no k= (verifiers then read it as rsa)');

    m = await doctor({ DKIM_ED25519_SELECTOR: undefined, DKIM_ED25519_PRIVATE_KEY: undefined });
    expectOnly(m, { 'dkim-ed25519': 'skip' });
  });

  it('Ed25519: the key is read as the signer reads it; an RSA key there fails', async () => {
    const m = await doctor({ DKIM_ED25519_PRIVATE_KEY: lab.keys.otherRsa.pem });
    expectOnly(m, { 'dkim-ed25519': 'fail' });
    expect(m.get('dkim-ed25519')!.message).toBe('config: DKIM_ED25519_PRIVATE_KEY must be an Ed25519 key (got rsa)');
    const unreadable = await doctor({ DKIM_ED25519_PRIVATE_KEY: undefined, DKIM_ED25519_PRIVATE_KEY_FILE: 'no-such-ed.pem' });
    expect(unreadable.get('dkim-ed25519')!.message).toBe('config: DKIM_ED25519_PRIVATE_KEY_FILE cannot be read');
  });

  it('skips DKIM when DKIM_DOMAIN is unset', async () => {
    const m = await doctor({ DKIM_DOMAIN: undefined, DKIM_SELECTOR: undefined, DKIM_PRIVATE_KEY: undefined, DKIM_ED25519_SELECTOR: undefined });
    expect(m.get('dkim')).toMatchObject({ status: 'skip', message: expect.stringMatching(/^DKIM_DOMAIN not set/) });
    expect(m.get('dkim-alignment')!.status).toBe('skip');
  });
});

describe('DMARC and alignment', () => {
  it('DMARC missing: fails, after looking at the organisational domain too', async () => {
    delete lab.zone['_dmarc.example.org'];
    const m = await doctor({ MAIL_FROM: 'Paperboy <digest@news.example.org>' });
    expect(statuses(m)).toMatchObject({ dmarc: 'fail', spf: 'pass', 'dkim-alignment': 'pass', 'spf-alignment': 'pass' });
    expect(m.get('dmarc')!.message).toContain('no DMARC record at _dmarc.news.example.org nor _dmarc.example.org');
    expect(m.get('dmarc')!.publish).toEqual({ name: '_dmarc.news.example.org', type: 'TXT', value: 'v=DMARC1; p=none; rua=mailto:dmarc-reports@example.org' });
  });

  it('two DMARC records, or one without p=, fail', async () => {
    lab.zone['_dmarc.example.org']!.TXT = ['v=DMARC1; p=reject', 'v=DMARC1; p=none'];
    expect((await doctor()).get('dmarc')).toMatchObject({ status: 'fail', message: expect.stringContaining('2 DMARC records at _dmarc.example.org') });
    lab.zone['_dmarc.example.org']!.TXT = ['v=DMARC1; rua=mailto:d@example.org'];
    const m = await doctor();
    expect(m.get('dmarc')).toMatchObject({ status: 'fail', message: expect.stringContaining('has no p= tag') });
    expect(m.get('dmarc')!.publish!.value).toBe('v=DMARC1; p=none; rua=mailto:d@example.org');
  });

  it('p=none warns and proposes quarantine; a subdomain inherits sp=', async () => {
    lab.zone['_dmarc.example.org']!.TXT = ['v=DMARC1; p=none; rua=mailto:dmarc@example.org'];
    const m = await doctor();
    expectOnly(m, { dmarc: 'warn' });
    expect(m.get('dmarc')!.publish!.value).toBe('v=DMARC1; p=quarantine; rua=mailto:dmarc@example.org');

    lab.zone['_dmarc.example.org']!.TXT = ['v=DMARC1; p=reject; sp=none'];
    const sub = await doctor({ MAIL_FROM: 'digest@news.example.org' });
    expect(sub.get('dmarc')).toMatchObject({ status: 'warn', message: expect.stringContaining("the organisational domain's") });
    expect(sub.get('dmarc')!.message).toContain('sp=none');
  });

  it('an unaligned DKIM_DOMAIN fails alignment though its own record is right', async () => {
    lab.zone['paperboy._domainkey.other.net'] = { TXT: [dkimRecord('rsa', lab.keys.rsa.publicKey)] };
    const m = await doctor({ DKIM_DOMAIN: 'other.net', DKIM_ED25519_SELECTOR: undefined });
    expectOnly(m, { 'dkim-alignment': 'fail', 'dkim-ed25519': 'skip' });
    expect(m.get('dkim-alignment')!.message).toContain('DKIM_DOMAIN other.net is not aligned with the From domain example.org');
    expect(m.get('dkim-alignment')!.fix).toContain('set DKIM_DOMAIN=example.org');
  });

  it('an unaligned bounce domain warns while DKIM aligns, and strict adkim wants the very domain', async () => {
    lab.zone['bounces.other.net'] = { TXT: ['v=spf1 ip4:192.0.2.1 -all'], MX: [{ priority: 10, exchange: 'mail.example.org' }] };
    const m = await doctor({ BOUNCE_DOMAIN: 'bounces.other.net' });
    expectOnly(m, { 'spf-alignment': 'warn' });
    expect(m.get('spf-alignment')!.message).toContain('DMARC still passes through DKIM');

    lab.zone['_dmarc.news.example.org'] = { TXT: ['v=DMARC1; p=reject; adkim=s'] };
    const strict = await doctor({ MAIL_FROM: 'digest@news.example.org' });
    expect(strict.get('dkim-alignment')).toMatchObject({ status: 'fail', message: expect.stringContaining('strict: the same domain') });
  });
});

describe('the bounce domain', () => {
  it('no MX: fails with an MX to publish', async () => {
    delete lab.zone['bounces.example.org']!.MX;
    const m = await doctor({ BOUNCE_IMAP_URL: `imaps://bounces:${PASS}@imap.example.org/INBOX` });
    expectOnly(m, { 'bounce-mx': 'fail' });
    expect(m.get('bounce-mx')!.publish).toEqual({ name: 'bounces.example.org', type: 'MX', value: '10 imap.example.org.' });
    expect(JSON.stringify([...m.values()])).not.toContain(PASS);
  });
});
