import { describe, expect, it } from 'vitest';
import { collectingSink, post, resendEvent, svixHeaders, webhookApp } from '../../helpers/webhooks.js';

function setUp(opts: { fail?: boolean } = {}) {
  const sink = collectingSink(opts);
  const { http, log } = webhookApp(sink);
  const send = (body: string, headers: Record<string, string>) => post(http, '/webhooks/resend', body, headers);
  const signed = (event: unknown, o: Parameters<typeof svixHeaders>[1] = {}) => {
    const body = JSON.stringify(event);
    return send(body, svixHeaders(body, o));
  };
  return { http, log, sink, send, signed };
}

const bounced = (type: string, subType: string, message: string) => resendEvent('email.bounced', { bounce: { type, subType, message } });

describe('Resend webhook: accepted events', () => {
  it('email.bounced (Permanent) records a hard bounce keyed by svix-id', async () => {
    const { sink, send } = setUp();
    const body = JSON.stringify(bounced('Permanent', 'General', "The recipient's email provider sent a hard bounce: 550 5.1.1 user unknown"));
    const headers = svixHeaders(body, { id: 'msg_2Lh9KRb0pzN4LePd3XiA4v12Axj' });
    expect((await send(body, headers)).status).toBe(200);
    expect(sink.events).toEqual([
      {
        type: 'hard-bounce',
        source: 'resend',
        externalId: 'msg_2Lh9KRb0pzN4LePd3XiA4v12Axj',
        occurredAt: '2026-03-01T08:00:06.000Z',
        recipient: 'ada@example.org',
        status: '5.1.1',
        diagnostic: "The recipient's email provider sent a hard bounce: 550 5.1.1 user unknown",
      },
    ]);
  });

  it('email.complained is a complaint; Transient bounces are soft; rejected content is a sender refusal', async () => {
    const { sink, signed } = setUp();
    expect((await signed(resendEvent('email.complained', { message_id: '<i42.s7@example.org>' }))).status).toBe(200);
    expect((await signed(bounced('Transient', 'MailboxFull', 'mailbox full'))).status).toBe(200);
    expect((await signed(bounced('Transient', 'ContentRejected', 'content rejected'))).status).toBe(200);
    expect(sink.events.map((e) => [e.type, e.originalMessageId])).toEqual([
      ['complaint', 'i42.s7@example.org'],
      ['soft-bounce', undefined],
      ['sender-refusal', undefined],
    ]);
  });

  it('accepts a header with several signatures when one matches (secret rotation)', async () => {
    const { sink, send } = setUp();
    const body = JSON.stringify(resendEvent('email.complained'));
    const headers = svixHeaders(body);
    headers['svix-signature'] = `v1,${Buffer.alloc(32, 7).toString('base64')} v2,abc ${headers['svix-signature']}`;
    expect((await send(body, headers)).status).toBe(200);
    expect(sink.events).toHaveLength(1);
  });

  it('accepts the vendor-neutral webhook-id/-timestamp/-signature names Svix also sends', async () => {
    const { sink, send } = setUp();
    const body = JSON.stringify(resendEvent('email.complained'));
    const headers = Object.fromEntries(Object.entries(svixHeaders(body)).map(([k, v]) => [k.replace(/^svix-/, 'webhook-'), v]));
    expect((await send(body, headers)).status).toBe(200);
    expect(sink.events).toHaveLength(1);
  });

  it('other events (email.delivered, email.opened) are ignored with 200', async () => {
    const { sink, signed } = setUp();
    expect((await signed(resendEvent('email.delivered'))).status).toBe(200);
    expect((await signed(resendEvent('email.opened'))).status).toBe(200);
    expect(sink.calls).toBe(0);
  });
});

describe('Resend webhook: refused requests record nothing', () => {
  it('a signature with another secret, or a body changed after signing, gets 401', async () => {
    const { sink, send } = setUp();
    const body = JSON.stringify(bounced('Permanent', 'General', 'user unknown'));
    const forged = svixHeaders(body, { secret: `whsec_${Buffer.from('not-the-secret').toString('base64')}` });
    expect((await send(body, forged)).status).toBe(401);
    const headers = svixHeaders(body);
    expect((await send(body.replace('ada@', 'bo@'), headers)).status).toBe(401);
    // The id is signed too: the same signature under another id fails.
    expect((await send(body, { ...headers, 'svix-id': 'msg_other' })).status).toBe(401);
    expect((await send(body, { ...headers, 'svix-signature': headers['svix-signature']!.replace('v1,', 'v2,') })).status).toBe(401);
    expect(sink.calls).toBe(0);
  });

  it('a timestamp more than five minutes away (a replay) gets 401, even correctly signed', async () => {
    const { sink, signed } = setUp();
    const minutes = (m: number) => new Date(Date.now() + m * 60_000);
    expect((await signed(resendEvent('email.complained'), { at: minutes(-6) })).status).toBe(401);
    expect((await signed(resendEvent('email.complained'), { at: minutes(6) })).status).toBe(401);
    expect((await signed(resendEvent('email.complained'), { at: minutes(-4) })).status).toBe(200);
    expect(sink.events).toHaveLength(1);
  });

  it('missing svix headers get 401; a signed body that is not JSON gets 400', async () => {
    const { sink, send } = setUp();
    const body = JSON.stringify(resendEvent('email.complained'));
    const headers = svixHeaders(body);
    for (const h of ['svix-id', 'svix-timestamp', 'svix-signature']) {
      const { [h]: _dropped, ...rest } = headers;
      expect((await send(body, rest)).status, h).toBe(401);
    }
    expect((await send('{"type":', svixHeaders('{"type":'))).status).toBe(400);
    expect(sink.calls).toBe(0);
  });

  it('answers 5xx when the sink cannot store, so that Resend retries', async () => {
    const { sink, signed } = setUp({ fail: true });
    expect((await signed(resendEvent('email.complained'))).status).toBeGreaterThanOrEqual(500);
    expect(sink.calls).toBe(1);
  });
});
