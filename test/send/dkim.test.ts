/**
 * DKIM end to end: `paperboy send` with DKIM_* set signs every message through the SMTP pool, a
 * real SMTP server receives it, and mailauth verifies the signature against the public key served
 * by a stub DNS resolver. Nothing is mocked but DNS.
 */
import { generateKeyPairSync } from 'node:crypto';
import { dkimVerify } from 'mailauth';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Received, type TestSmtp, rawHeader, startSmtp } from '../helpers/smtp.js';
import { SEED, type Workspace, workspace } from '../helpers/workspace.js';

const DOMAIN = 'example.org';
const SELECTOR = 'paperboy';
const KEY_NAME = `${SELECTOR}._domainkey.${DOMAIN}`;

const { privateKey, publicKey } = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'der' },
});
const DNS_RECORD = `v=DKIM1; k=rsa; p=${publicKey.toString('base64')}`;

/** DNS for mailauth: the DKIM key record, and NXDOMAIN for anything else. */
const lookups: string[] = [];
async function resolver(name: string, rrtype: string): Promise<string[][]> {
  lookups.push(`${name} ${rrtype}`);
  if (name.toLowerCase() === KEY_NAME && rrtype === 'TXT') {
    // As dns.promises.resolve(name, 'TXT') returns it: one record, split into strings of at most 255 characters.
    return [DNS_RECORD.match(/.{1,255}/g)!];
  }
  throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND', hostname: name });
}

const verify = (raw: Buffer) => dkimVerify(raw, { resolver });

/** The tag list of the first DKIM-Signature header, unfolded, as a map. */
function dkimTags(m: Received): Map<string, string> {
  const value = rawHeader(m.parsed, 'DKIM-Signature');
  if (!value) throw new Error('no DKIM-Signature header');
  return new Map(
    value
      .split(';')
      .map((t) => t.trim())
      .filter(Boolean)
      .map((t) => [t.slice(0, t.indexOf('=')).trim(), t.slice(t.indexOf('=') + 1).replace(/\s+/g, '')] as [string, string]),
  );
}

describe('DKIM signing over SMTP', () => {
  let smtp: TestSmtp;
  let ws: Workspace;

  beforeAll(async () => {
    smtp = await startSmtp();
    ws = workspace({
      SMTP_URL: smtp.url,
      DKIM_DOMAIN: DOMAIN,
      DKIM_SELECTOR: SELECTOR,
      DKIM_PRIVATE_KEY: privateKey,
      MAIL_FROM: 'Paperboy <digest@example.org>',
    });
    expect((await ws.cli(['ingest', SEED])).code).toBe(0);
    expect((await ws.cli(['subscribers', 'add', 'alice@example.net'])).code).toBe(0);
    expect((await ws.cli(['subscribers', 'add', 'bob@example.com'])).code).toBe(0);
    const sent = await ws.cli(['send']);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stderr).not.toMatch(/error|warn/i); // stderr may hold progress lines, nothing more
    expect(smtp.received).toHaveLength(2);
  });

  afterAll(async () => {
    await smtp?.close();
    ws?.cleanup();
  });

  it('signs every message so that mailauth verifies it (dkim=pass, d=example.org) with the List-Unsubscribe headers covered', async () => {
    expect(smtp.received.map((m) => m.envelope.to[0]).sort()).toEqual(['alice@example.net', 'bob@example.com']);
    for (const m of smtp.received) {
      expect(m.raw.subarray(0, 15).toString('latin1')).toBe('DKIM-Signature:');
      const result = await verify(m.raw);
      expect(result.results).toHaveLength(1);
      const [sig] = result.results;
      expect(sig!.status.result, sig!.info).toBe('pass');
      expect(sig!.signingDomain).toBe(DOMAIN);
      expect(sig!.selector).toBe(SELECTOR);
      expect(sig!.status.aligned).toBe(DOMAIN);
      expect(sig!.info).toMatch(/^dkim=pass header\.i=@example\.org header\.s=paperboy header\.a=rsa-sha256/);
      expect(result.headerFrom).toEqual(['digest@example.org']);

      const tags = dkimTags(m);
      expect(tags.get('d')).toBe(DOMAIN);
      expect(tags.get('s')).toBe(SELECTOR);
      const signed = tags.get('h')!.toLowerCase().split(':');
      for (const h of ['from', 'to', 'subject', 'message-id', 'list-unsubscribe', 'list-unsubscribe-post']) {
        expect(signed, `h= ${tags.get('h')}`).toContain(h);
      }
      // mailauth checked the same list (4.13.3 gives it as one string, "From: Subject: …", not the string[] its docs say).
      const keys = (sig as unknown as { signingHeaders?: { keys?: string | string[] } }).signingHeaders?.keys;
      expect(
        [keys ?? []]
          .flat()
          .join(' ')
          .toLowerCase()
          .split(/[\s:]+/),
      ).toEqual(expect.arrayContaining(['list-unsubscribe', 'list-unsubscribe-post']));
      // The signed headers carry this recipient's values.
      expect(rawHeader(m.parsed, 'To')).toBe(m.envelope.to[0]);
      expect(rawHeader(m.parsed, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
      expect(rawHeader(m.parsed, 'List-Unsubscribe')).toMatch(/^<https:\/\/news\.example\.org\/unsubscribe\/[^>]+>$/);
    }
    expect(lookups.every((l) => l === `${KEY_NAME} TXT`)).toBe(true);
  });

  it('no longer passes once one character of the body is changed', async () => {
    const raw = smtp.received[0]!.raw;
    const needle = Buffer.from('Large language models');
    const at = raw.indexOf(needle);
    expect(at).toBeGreaterThan(raw.indexOf('\r\n\r\n')); // in the body, not a header
    const tampered = Buffer.concat([raw.subarray(0, at), Buffer.from('Large language modelz'), raw.subarray(at + needle.length)]);
    expect(tampered.length).toBe(raw.length);

    // The untouched copy still passes: the change alone breaks it.
    expect((await verify(raw)).results[0]!.status.result).toBe('pass');
    const [sig] = (await verify(tampered)).results;
    expect(sig!.status.result).not.toBe('pass');
    expect(['fail', 'neutral']).toContain(sig!.status.result);
    expect(sig!.status.comment).toMatch(/body hash did not verify/);
  });
});

describe('DKIM configuration', () => {
  let ws: Workspace | undefined;
  afterEach(() => {
    ws?.cleanup();
    ws = undefined;
  });

  it('refuses DKIM_DOMAIN without DKIM_SELECTOR and a key, in one line', async () => {
    ws = workspace({ DKIM_DOMAIN: DOMAIN });
    const r = await ws.cli(['status']);
    expect(r.code).not.toBe(0);
    expect(r.code).toBe(78);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/DKIM needs DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY/);
  });

  it.each([
    [
      'an EC key (nodemailer signs rsa-sha256 only)',
      () =>
        generateKeyPairSync('ec', { namedCurve: 'P-256', privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } })
          .privateKey,
      /must be an RSA key \(got ec\)/,
    ],
    ['a damaged key (it would send unsigned mail)', () => privateKey.replace(/[A-Za-z]{20}/, 'x'.repeat(20)), /not a readable PEM private key/],
  ])('refuses %s at start-up, in one line', async (_name, key, message) => {
    ws = workspace({ DKIM_DOMAIN: DOMAIN, DKIM_SELECTOR: SELECTOR, DKIM_PRIVATE_KEY: key() });
    const r = await ws.cli(['status']);
    expect(r.code).toBe(78);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toContain('PRIVATE KEY');
  });
});
