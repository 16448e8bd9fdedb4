/**
 * The SMTP pool against a real smtp-server: the pre-stuffed fast path delivers byte-exact
 * messages (dots at line starts included), connections are reused after a refused recipient,
 * and the rate limit spaces messages.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { OutgoingMessage } from '../../src/pipeline/ports.js';
import { dotStuff } from '../../src/send/compose.js';
import { RateLimiter } from '../../src/send/rate.js';
import { SendError } from '../../src/pipeline/ports.js';
import { SmtpPool, parseSmtpUrl } from '../../src/send/smtp-pool.js';
import { smtpReply, startFaultySmtp } from '../helpers/faulty-smtp.js';
import { type TestSmtp, reply, startSmtp } from '../helpers/smtp.js';

let smtp: TestSmtp | undefined;
let pool: SmtpPool | undefined;
afterEach(async () => {
  await pool?.close();
  await smtp?.close();
});

const message = (to: string, body: string): OutgoingMessage => {
  const raw = Buffer.from(`From: a@example.org\r\nTo: ${to}\r\nSubject: dots\r\n\r\n${body}`);
  return { from: 'a@example.org', to, raw: () => [raw], data: () => [dotStuff(raw)], name: 'x' };
};

describe('dot-stuffing', () => {
  it('doubles a dot that starts a line, and only those', () => {
    expect(dotStuff(Buffer.from('.a\r\nb.c\r\n.\r\n..d\r\n')).toString()).toBe('..a\r\nb.c\r\n..\r\n...d\r\n');
    expect(dotStuff(Buffer.from('no dots here\r\n')).toString()).toBe('no dots here\r\n');
  });
});

describe('the SMTP pool', () => {
  it('delivers pre-stuffed messages byte for byte, lines starting with dots included', async () => {
    smtp = await startSmtp();
    pool = new SmtpPool(smtp.url, { size: 3 });
    await pool.verify();
    const body = '.starts with a dot\r\n..two dots\r\n.\r\nmiddle . dot\r\nend\r\n';
    await Promise.all(['x@example.org', 'y@example.org', 'z@example.org'].map((to) => pool!.send(message(to, body))));
    expect(smtp.received).toHaveLength(3);
    for (const m of smtp.received) expect(m.raw.toString()).toBe(message(m.envelope.to[0]!, body).raw()[0]!.toString());
  });

  it('keeps going on the same connections after a refused recipient (RSET)', async () => {
    smtp = await startSmtp({ onRcpt: (a) => (a.startsWith('bad') ? reply(550, 'No such user') : undefined) });
    pool = new SmtpPool(smtp.url, { size: 1 });
    const results = [];
    for (const to of ['a@example.org', 'bad1@example.org', 'b@example.org', 'bad2@example.org', 'c@example.org']) {
      results.push(
        await pool.send(message(to, 'hi\r\n')).then(
          () => 'sent',
          (e: Error & { kind: string }) => e.kind,
        ),
      );
    }
    expect(results).toEqual(['sent', 'permanent', 'sent', 'permanent', 'sent']);
  });

  it.each([true, false])('says a message may have arrived only when the connection was lost after all of it was written (fast path %s)', async (fastPath) => {
    const faulty = await startFaultySmtp({
      rcpt: (a) => (a === 'busy@example.org' ? smtpReply(451, '4.7.1 Try later') : undefined),
      data: (a) => (a === 'after@example.org' ? 'drop-after-dot' : undefined),
    });
    try {
      pool = new SmtpPool(faulty.url, { size: 1, fastPath });
      const failure = (to: string) =>
        pool!.send(message(to, 'body\r\n')).then(
          () => undefined,
          (e: SendError) => e,
        );
      const after = await failure('after@example.org');
      expect(after).toBeInstanceOf(SendError);
      expect(after).toMatchObject({ kind: 'transient', maybeDelivered: true });
      expect(after!.message).toMatch(/after the whole message was sent: it may have arrived/);
      expect(faulty.arrived.get('after@example.org')).toBe(1);
      // Refused before any data: nothing may have arrived.
      expect(await failure('busy@example.org')).toMatchObject({ kind: 'transient', maybeDelivered: false });
      await expect(pool.send(message('fine@example.org', 'body\r\n'))).resolves.toMatch(/^250/);
    } finally {
      await pool?.close();
      pool = undefined;
      await faulty.close();
    }
  });

  it('reads credentials and TLS mode from the URL', () => {
    expect(parseSmtpUrl('smtps://user%40x:p%3Ass@mail.example.org')).toMatchObject({
      options: { host: 'mail.example.org', port: 465, secure: true },
      auth: { user: 'user@x', pass: 'p:ss' },
    });
    expect(parseSmtpUrl('smtp://127.0.0.1:2525').options).toMatchObject({ port: 2525, secure: false });
  });
});

describe('the rate limit', () => {
  it('spaces messages evenly and starts empty, so a restart cannot burst', async () => {
    let now = 1_000_000;
    const times: number[] = [];
    const limiter = new RateLimiter(
      4,
      () => now,
      async (ms) => {
        now += ms;
      },
    );
    for (let i = 0; i < 5; i++) {
      await limiter.take();
      times.push(now);
    }
    expect(times.map((t) => t - 1_000_000)).toEqual([250, 500, 750, 1000, 1250]);
  });
});
