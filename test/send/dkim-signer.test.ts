/**
 * The wire-speed DKIM signer (src/send/dkim.ts) against mailauth's verifier: every variant shape
 * the composer makes (the full digest, short and topic variants, QP-wrapped tokens at every
 * column, whitespace next to a per-recipient value, trailing blank lines) is signed with RSA and
 * Ed25519 and must verify; the signed headers include RFC 8058's pair and Feedback-ID; the body
 * hash equals nodemailer's own signer's for the same bytes; and one changed byte fails. The same
 * shapes are signed in worker threads too (the copies the SMTP pool sends: `prepare`, then
 * `dataParts`), byte for byte as on the main thread; a thread killed mid-batch rejects what it
 * owed and is replaced; `close()` ends the threads.
 */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { once } from 'node:events';
import { dkimVerify } from 'mailauth';
import DKIM from 'nodemailer/lib/dkim';
import { afterAll, describe, expect, it } from 'vitest';
import type { MessageTemplate, Recipient } from '../../src/pipeline/ports.js';
import { digestProps, renderDigest } from '../../src/render/digest.js';
import { composeTemplate, recipientUrls } from '../../src/send/compose.js';
import { DkimSigner, dkimKey } from '../../src/send/dkim.js';
import { Tokens } from '../../src/subscriptions/tokens.js';
import { masthead, seedPapers } from '../helpers/digest.js';

const DOMAIN = 'example.org';
const rsa = generateKeyPairSync('rsa', {
  modulusLength: 2048,
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  publicKeyEncoding: { type: 'spki', format: 'der' },
});
const ed = generateKeyPairSync('ed25519', { privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'der' } });
// RFC 8463 §4: an Ed25519 key record holds the raw 32-byte public key, not the SPKI structure.
const records: Record<string, string> = {
  [`rsa._domainkey.${DOMAIN}`]: `v=DKIM1; k=rsa; p=${rsa.publicKey.toString('base64')}`,
  [`ed._domainkey.${DOMAIN}`]: `v=DKIM1; k=ed25519; p=${ed.publicKey.subarray(-32).toString('base64')}`,
};
async function resolver(name: string, type: string): Promise<string[][]> {
  const record = type === 'TXT' ? records[name.toLowerCase()] : undefined;
  if (!record) throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
  return [record.match(/.{1,255}/g)!];
}

const keys = [dkimKey(DOMAIN, 'rsa', rsa.privateKey), dkimKey(DOMAIN, 'ed', ed.privateKey)];
const clock = () => new Date('2026-11-27T08:00:00Z');
const signer = new DkimSigner(keys, clock, 0);
// One thread even on a single core: its answers come in the order asked (see `sent`).
const threaded = new DkimSigner(keys, clock, 1);
afterAll(() => threaded.close());
const tokens = new Tokens('k'.repeat(40));
const recipient = (id: number, email = `reader${id}@example.net`): Recipient => ({
  email,
  messageId: `paperboy.7.${id}.${tokens.installTag}@${DOMAIN}`,
  ...(({ unsubscribe, preferences }) => ({ unsubscribeToken: unsubscribe, preferencesToken: preferences }))(tokens.linkTokens(id)),
});

async function compose(html: string, text: string, dkim = signer): Promise<MessageTemplate> {
  return composeTemplate({
    from: 'Paperboy <digest@example.org>',
    subject: 'Trending papers: a test',
    html,
    text,
    unsubscribeUrl: recipientUrls('https://news.example.org').unsubscribeUrl,
    messageIdDomain: DOMAIN,
    feedbackId: 'issue-7:paperboy:digest:paperboy',
    date: new Date('2026-11-27T08:00:00Z'),
    dkim,
  });
}

async function digest(papers: number, dkim = signer): Promise<MessageTemplate> {
  const urls = { ...recipientUrls('https://news.example.org'), archiveUrl: 'https://news.example.org/archive/7' };
  const r = await renderDigest(digestProps(masthead, { issueDate: '2026-11-27', frequency: 'daily' }, seedPapers().slice(0, papers), urls));
  return compose(r.html, r.text, dkim);
}

/**
 * The copies as the SMTP pool gets them from `dataParts`, dot-stuffing undone. `batch`: announced
 * with `prepare`, taken once the thread has answered for all of them (it answers in order, and a
 * copy asked for after the batch comes back after it); `now`: taken at once, so that the main
 * thread takes back what the thread has not started; `alone`: never announced, one request each.
 */
async function sent(t: MessageTemplate, rs: Recipient[], how: 'batch' | 'now' | 'alone' = 'batch'): Promise<Buffer[]> {
  if (how !== 'alone') t.prepare?.(rs);
  if (how === 'batch') await t.dataParts(recipient(999_999_999));
  const copies = await Promise.all(rs.map((r) => Promise.resolve(t.dataParts(r))));
  return copies.map((parts) =>
    Buffer.from(
      Buffer.concat(parts)
        .toString('latin1')
        .replace(/(^|\r\n)\./g, '$1'),
      'latin1',
    ),
  );
}

async function expectPass(raw: Buffer): Promise<void> {
  const result = await dkimVerify(raw, { resolver });
  expect(result.results).toHaveLength(2);
  for (const r of result.results) expect(r.status.result, r.info).toBe('pass');
  expect(result.results.map((r) => r.selector).sort()).toEqual(['ed', 'rsa']);
}

describe('DKIM signer (relaxed/relaxed, once per variant)', () => {
  it.each([30, 5, 1])('signs the %i-paper digest so that both signatures verify, for several recipients, on the main thread and in threads alike', async (n) => {
    const rs = [1, 22, 333_333, 9_007_199].map((id) => recipient(id));
    const t = await digest(n);
    const inThreads = await digest(n, threaded);
    expect(t.signed && inThreads.signed).toBe(true);
    expect(t.prepare).toBeUndefined(); // no threads: dataParts signs in place
    const ways = await Promise.all((['batch', 'now', 'alone'] as const).map((how) => sent(inThreads, rs, how)));
    for (const [i, r] of rs.entries()) {
      const own = t.personalise(r);
      await expectPass(own);
      expect(await sent(t, [r])).toEqual([own]);
      // RSA (PKCS#1 v1.5) and Ed25519 signatures are deterministic: a thread's copy is the bytes the main thread signs.
      const mainThread = inThreads.personalise(r);
      await expectPass(mainThread);
      for (const copies of ways) expect(copies[i]!.equals(mainThread)).toBe(true);
    }
  });

  it('covers From, To, Subject, Date, Message-ID, the MIME headers, List-Unsubscribe(-Post) and Feedback-ID', async () => {
    const raw = (await digest(2)).personalise(recipient(5)).toString('latin1');
    const h = /\bh=([^;]+);/.exec(raw)![1]!.split(':');
    expect(h).toEqual(['from', 'to', 'subject', 'date', 'message-id', 'mime-version', 'content-type', 'list-unsubscribe', 'list-unsubscribe-post', 'feedback-id']);
    expect(raw).toMatch(/^DKIM-Signature: v=1;\r\n\ta=rsa-sha256;/);
    expect(raw).toMatch(/\r\nDKIM-Signature: v=1;\r\n\ta=ed25519-sha256;/);
    expect(raw).toContain('\r\nFeedback-ID: issue-7:paperboy:digest:paperboy\r\n');
    for (const line of raw.split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
  });

  it('stays exact where whitespace meets a per-recipient value, at every quoted-printable column, and with trailing blank lines', async () => {
    const { unsubscribeUrl, preferencesUrl } = recipientUrls('https://news.example.org');
    for (let pad = 0; pad < 80; pad += 7) {
      const html = `<p>${'é'.repeat(pad)}   <a   href="${preferencesUrl}">Prefs</a>\t\t<a href="${unsubscribeUrl}">Unsubscribe</a>   </p>\n\n\n`;
      const text = `${'x'.repeat(pad)}  \t Preferences:   ${preferencesUrl}   \nUnsubscribe: ${unsubscribeUrl}\t\n.\n..leading dots\n\n\n`;
      const t = await compose(html, text);
      await expectPass(t.personalise(recipient(pad + 1)));
      // In a thread, asked for alone (no prepare) as well as in a batch.
      const inThreads = await compose(html, text, threaded);
      const [alone] = await sent(inThreads, [recipient(pad + 2)], 'alone');
      const [batched] = await sent(inThreads, [recipient(pad + 3)]);
      await expectPass(alone!);
      await expectPass(batched!);
    }
  });

  it('computes the same body hash as nodemailer’s signer over the same bytes', async () => {
    const t = await digest(3);
    const signed = t.personalise(recipient(42));
    const unsigned = Buffer.from(signed.toString('latin1').replace(/^(?:DKIM-Signature:[^\r]*\r\n(?:\t[^\r]*\r\n)*)+/, ''), 'latin1');
    expect(unsigned.subarray(0, 15).toString()).not.toBe('DKIM-Signature:');
    const theirs = new DKIM({ domainName: DOMAIN, keySelector: 'rsa', privateKey: rsa.privateKey }).sign(unsigned);
    const chunks: Buffer[] = [];
    for await (const c of theirs) chunks.push(c as Buffer);
    const bh = (s: string) => /bh=([^;]+);/.exec(s.replace(/\s+/g, ''))![1];
    expect(bh(signed.toString('latin1'))).toBe(bh(Buffer.concat(chunks).toString('latin1')));
  });

  it('fails verification after one changed byte in the body or in a signed header', async () => {
    const raw = (await digest(2)).personalise(recipient(7));
    const body = raw.indexOf('\r\n\r\n') + 200;
    const tampered = Buffer.from(raw);
    tampered[body] = tampered[body] === 0x41 ? 0x42 : 0x41;
    for (const r of (await dkimVerify(tampered, { resolver })).results) expect(r.status.result).not.toBe('pass');
    const header = Buffer.from(raw.toString('latin1').replace('To: reader7@example.net', 'To: reader8@example.net'), 'latin1');
    for (const r of (await dkimVerify(header, { resolver })).results) expect(r.status.result).not.toBe('pass');
  });

  it('refuses a key that is neither RSA nor Ed25519', () => {
    const ec = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    expect(() => dkimKey(DOMAIN, 'ec', ec.privateKey)).toThrow(/RSA or Ed25519 \(got ec\)/);
  });
});

describe('DKIM signing threads', () => {
  const batch = (from: number, n: number) => Array.from({ length: n }, (_, i) => recipient(from + i));
  // A small message of pieces as the composer makes them: values in the header and in the body.
  const pieces = [Buffer.from('From: digest@example.org\r\nTo: '), null, Buffer.from('\r\nSubject: hi\r\n\r\nHello  \t'), null, Buffer.from(' and bye\r\n\r\n')];
  const copy = (i: number) => pieces.map((p, k) => p ?? Buffer.from(k === 1 ? `reader${i}@example.net` : `token${i}`));

  it('signs a batch in a thread, in one message, each copy as the main thread would', async () => {
    const prepared = threaded.prepare(pieces);
    const copies = Array.from({ length: 20 }, (_, i) => copy(i));
    const sigs = await Promise.all(prepared.signMany(copies).map((job) => job.promise));
    for (const [i, sig] of sigs.entries()) {
      expect(sig.equals(prepared.sign(copies[i]!))).toBe(true);
      await expectPass(Buffer.concat([sig, ...copies[i]!]));
    }
  });

  it('rejects what a thread killed mid-batch owed with an Error, and signs the next batch in a new thread', async () => {
    const one = new DkimSigner(keys, clock, 1);
    try {
      const jobs = one.prepare(pieces).signMany(Array.from({ length: 400 }, (_, i) => copy(i)));
      await jobs[0]!.promise; // the thread is at work on this batch now
      const [victim] = one.workers;
      await victim!.terminate();
      const settled = await Promise.allSettled(jobs.map((j) => j.promise));
      const rejected = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
      expect(rejected.length).toBeGreaterThan(0);
      expect(rejected.length).toBeLessThan(jobs.length);
      for (const err of rejected) expect(err).toBeInstanceOf(Error);
      expect((rejected[0] as Error).message).toMatch(/DKIM signing thread stopped/);
      // A copy the dead thread never started can still be taken back and signed here.
      expect(jobs.at(-1)!.takeOver()).toBe(true);
      const t = await digest(1, one);
      for (const c of await sent(t, batch(5000, 3))) await expectPass(c);
      expect(one.workers).toHaveLength(1);
      expect(one.workers[0]).not.toBe(victim);
    } finally {
      await one.close();
    }
  });

  it('rejects a copy that cannot be signed with an Error, in a thread or taken back, and the thread goes on', async () => {
    // A public key where the private one belongs: node:crypto refuses to sign.
    const bad = new DkimSigner([{ domain: DOMAIN, selector: 'rsa', key: createPublicKey(rsa.privateKey) }], clock, 1);
    try {
      const t = await digest(1, bad);
      for (const r of batch(1, 3)) await expect(Promise.resolve(t.dataParts(r))).rejects.toThrow(/private/);
      const [thread] = bad.workers;
      t.prepare!([recipient(9)]);
      await expect(Promise.resolve(t.dataParts(recipient(9)))).rejects.toBeInstanceOf(Error);
      expect(thread).toBeDefined();
      expect(bad.workers).toEqual([thread]);
    } finally {
      await bad.close();
    }
  });

  it('splits a batch between threads; close() ends them, and signing goes on on the main thread', async () => {
    const two = new DkimSigner(keys, clock, 2);
    const t = await digest(1, two);
    for (const c of await sent(t, batch(100, 20), 'now')) await expectPass(c);
    const workers = [...two.workers];
    expect(workers).toHaveLength(2);
    const exits = workers.map((w) => once(w, 'exit'));
    await two.close();
    await Promise.all(exits);
    expect(two.workers).toHaveLength(0);
    const [after] = await sent(t, [recipient(200)], 'alone');
    await expectPass(after!);
    expect(two.workers).toHaveLength(0);
  });
});
