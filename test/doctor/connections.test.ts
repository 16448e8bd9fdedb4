// The connections of `paperboy doctor` (SMTP_URL, PUBLIC_URL) and the From domain, each fault alone
// on an otherwise good set-up: its line fails or warns with its fix, the others pass.
import { type Socket, createServer } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { runDoctor } from '../../src/doctor/checks.js';
import { formatChecklist } from '../../src/doctor/report.js';
import { type Lab, PASS, USER, doctorWith, expectOnly, startLab, statuses } from './setup.js';

let lab: Lab;
beforeAll(async () => {
  lab = await startLab();
});
afterAll(() => lab?.close());
beforeEach(() => lab.resetZone());

const doctor = (env: Record<string, string | undefined> = {}) => doctorWith(lab, env);

describe('SMTP_URL', () => {
  it('without STARTTLS: fails, and the password is not sent over plaintext', async () => {
    const m = await doctor({ SMTP_URL: `smtp://${USER}:${PASS}@mail.example.org:${lab.smtp.plain}` });
    expectOnly(m, { 'smtp-tls': 'fail', 'smtp-auth': 'skip' });
    expect(m.get('smtp-tls')!.message).toContain('mail.example.org does not offer STARTTLS');
    expect(m.get('smtp-auth')!.message).toContain('not tried over an unencrypted connection');
  });

  it('smtps:// on a plain SMTP port: the TLS line says to use smtp://', async () => {
    const m = await doctor({ SMTP_URL: `smtps://${USER}:${PASS}@mail.example.org:${lab.smtp.starttls}` });
    expectOnly(m, { 'smtp-tls': 'fail', 'smtp-auth': 'skip' });
    expect(m.get('smtp-tls')!.fix).toContain(`use smtp://…@mail.example.org:${lab.smtp.starttls} (STARTTLS)`);
  });

  it('on this machine, plaintext only warns', async () => {
    const m = await doctor({ SMTP_URL: `smtp://${USER}:${PASS}@127.0.0.1:${lab.smtp.plain}` });
    expectOnly(m, { 'smtp-tls': 'warn' });
  });

  it('without AUTH while the URL has credentials: fails', async () => {
    const m = await doctor({ SMTP_URL: `smtp://${USER}:${PASS}@mail.example.org:${lab.smtp.noAuth}` });
    expectOnly(m, { 'smtp-auth': 'fail' });
    expect(m.get('smtp-auth')!.message).toContain('SMTP_URL has credentials but mail.example.org does not offer AUTH (after STARTTLS)');
  });

  it('refused credentials: fails, and never prints the password', async () => {
    const m = await doctor({ SMTP_URL: `smtp://${USER}:wrong-${PASS}@mail.example.org:${lab.smtp.starttls}` });
    expectOnly(m, { 'smtp-auth': 'fail' });
    expect(m.get('smtp-auth')!.message).toContain('535');
    const text = formatChecklist([...m.values()]);
    expect(text).not.toContain(PASS);
    expect(text).toContain(`smtp://${USER}:***@mail.example.org:${lab.smtp.starttls}`);
  });

  it('unreachable: fails, and TLS and AUTH are not checked', async () => {
    const m = await doctor({ SMTP_URL: `smtp://${USER}:${PASS}@mail.example.org:${lab.smtp.closed}` });
    expectOnly(m, { smtp: 'fail', 'smtp-tls': 'skip', 'smtp-auth': 'skip' });
    expect(m.get('smtp')!.message).toContain('ECONNREFUSED');
    expect(m.get('smtp')!.message).not.toContain(PASS);
  });

  it('a certificate that does not verify fails the TLS line', async () => {
    const results = await runDoctor(loadConfig(lab.env, lab.dir), { timeoutMs: 5000, dnsTimeoutMs: 1000 });
    const m = new Map(results.map((r) => [r.id, r]));
    expect(statuses(m)).toMatchObject({ smtp: 'pass', 'smtp-tls': 'fail', 'smtp-auth': 'skip', unsubscribe: 'fail' });
    expect(m.get('smtp-tls')!.message).toMatch(/self[- ]signed/);
  });

  it('unset: one skipped line', async () => {
    const m = await doctor({ SMTP_URL: undefined });
    expect(m.get('smtp')).toMatchObject({ status: 'skip', message: expect.stringContaining('SMTP_URL not set') });
    expect(m.has('smtp-tls')).toBe(false);
  });
});

describe('PUBLIC_URL', () => {
  it('http: fails, while the endpoint behind it answers', async () => {
    const m = await doctor({ PUBLIC_URL: `http://news.example.org:${lab.web.http}` });
    expectOnly(m, { 'public-url': 'fail' });
    expect(m.get('public-url')!.fix).toContain(`PUBLIC_URL=https://news.example.org:${lab.web.http}`);
  });

  it('dead: the unsubscribe endpoint fails', async () => {
    const m = await doctor({ PUBLIC_URL: `https://news.example.org:${lab.web.closed}` });
    expectOnly(m, { unsubscribe: 'fail' });
    expect(m.get('unsubscribe')!.message).toContain('ECONNREFUSED');
  });

  it('a server that accepts and never answers fails after the timeout', async () => {
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    try {
      const port = (silent.address() as { port: number }).port;
      const m = await doctorWith(lab, { PUBLIC_URL: `https://news.example.org:${port}`, SMTP_URL: undefined }, 300);
      expect(m.get('unsubscribe')).toMatchObject({ status: 'fail', message: expect.stringContaining('no answer within 0.3 s') });
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('localhost fails: readers cannot reach it', async () => {
    const m = await doctor({ PUBLIC_URL: `https://localhost:${lab.web.https}` });
    expect(m.get('public-url')).toMatchObject({ status: 'fail', message: expect.stringContaining('is this machine') });
  });
});

describe('the From domain', () => {
  it('gmail.com: fails with a fix; the sending checks still pass', async () => {
    const m = await doctor({ MAIL_FROM: 'Paperboy <paperboy.digest@gmail.com>', BOUNCE_DOMAIN: undefined, DKIM_ED25519_SELECTOR: undefined });
    expect(m.get('from-domain')).toMatchObject({ status: 'fail', message: expect.stringContaining('gmail.com, a free-mail domain') });
    expect(m.get('from-domain')!.fix).toContain('send from a domain you control');
    expect(statuses(m)).toMatchObject({ dkim: 'pass', smtp: 'pass', 'smtp-tls': 'pass', 'smtp-auth': 'pass', 'public-url': 'pass', unsubscribe: 'pass' });
  });
});

describe('DNS that does not answer', () => {
  it('says the DNS checks could not be decided, and fails them', async () => {
    const m = await doctor({ DNS_SERVERS: `127.0.0.1:${lab.smtp.closed}` });
    for (const id of ['spf', 'dkim', 'dmarc']) {
      expect(m.get(id)).toMatchObject({ status: 'fail', message: expect.stringContaining('could not be decided') });
    }
  });
});
