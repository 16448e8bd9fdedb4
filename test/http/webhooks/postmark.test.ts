import { describe, expect, it } from 'vitest';
import { POSTMARK_AUTH, basicAuth, collectingSink, post, postmarkBounce, webhookApp } from '../../helpers/webhooks.js';

function setUp(opts: { fail?: boolean } = {}) {
  const sink = collectingSink(opts);
  const { http, log } = webhookApp(sink);
  const send = (body: unknown, auth: string | null = POSTMARK_AUTH) =>
    post(http, '/webhooks/postmark', typeof body === 'string' ? body : JSON.stringify(body), {
      'content-type': 'application/json',
      ...(auth === null ? {} : { authorization: basicAuth(auth) }),
    });
  return { http, log, sink, send };
}

describe('Postmark webhook: accepted records', () => {
  it('a HardBounce records a hard bounce for Email, keyed by the bounce ID, with the status from Details', async () => {
    const { sink, send } = setUp();
    const res = await send(postmarkBounce());
    expect(res.status).toBe(200);
    expect(sink.events).toEqual([
      {
        type: 'hard-bounce',
        source: 'postmark',
        externalId: '4323372036',
        occurredAt: '2026-03-01T08:00:05.907Z',
        recipient: 'ada@example.org',
        status: '5.1.1',
        diagnostic: 'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
      },
    ]);
  });

  it('a SpamComplaint record is a complaint', async () => {
    const { sink, send } = setUp();
    const body = postmarkBounce({ RecordType: 'SpamComplaint', Type: 'SpamComplaint', TypeCode: 512, ID: 77, Details: 'Test spam complaint details' });
    expect((await send(body)).status).toBe(200);
    expect(sink.events.map((e) => [e.type, e.externalId, e.recipient])).toEqual([['complaint', '77', 'ada@example.org']]);
  });

  it('maps each bounce Type: soft ones soft, refusals of us never against the reader, auto-replies and unknown types ignored', async () => {
    const { sink, send } = setUp();
    const cases: [string, string | null][] = [
      ['SoftBounce', 'soft-bounce'],
      ['Transient', 'soft-bounce'],
      ['DnsError', 'soft-bounce'],
      ['BadEmailAddress', 'hard-bounce'],
      ['Blocked', 'sender-refusal'],
      ['DMARCPolicy', 'sender-refusal'],
      ['SpamNotification', 'sender-refusal'],
      ['AutoResponder', null],
      ['Subscribe', null],
      ['ChallengeVerification', null],
      ['SomethingNew', null],
    ];
    let id = 1000;
    for (const [Type] of cases) expect((await send(postmarkBounce({ Type, ID: ++id, Details: 'see the dump' }))).status, Type).toBe(200);
    expect(sink.events.map((e) => e.type)).toEqual(cases.map(([, t]) => t).filter(Boolean));
  });

  it('guards the rule that a sender refusal never suppresses the reader: a HardBounce that says 5.7.1 is a sender refusal', async () => {
    const { sink, send } = setUp();
    await send(postmarkBounce({ Details: 'smtp;550 5.7.1 Service unavailable; client host blocked using Spamhaus' }));
    expect(sink.events.map((e) => [e.type, e.status])).toEqual([['sender-refusal', '5.7.1']]);
  });

  it('keeps a 64-bit bounce ID exactly (JSON numbers lose digits past 2^53)', async () => {
    const { sink, send } = setUp();
    const raw = JSON.stringify(postmarkBounce({ ID: 0 })).replace('"ID":0', '"ID":4323372036854775807');
    expect((await send(raw)).status).toBe(200);
    expect(sink.events[0]!.externalId).toBe('4323372036854775807');
  });

  it("finds our Message-ID in the bounce dump, not the bounce's own or Postmark's", async () => {
    const { sink, send } = setUp();
    const Content = [
      'Message-ID: <20260301080005.ABC@mx.remote.example>',
      'Content-Type: multipart/report; report-type=delivery-status',
      '',
      'Message-ID: <i42.s7@example.org>',
      'From: Paperboy <digest@example.org>',
    ].join('\r\n');
    await send(postmarkBounce({ Content }));
    await send(postmarkBounce({ ID: 5, Content: 'Message-ID: <x@mx.remote.example>' }));
    expect(sink.events.map((e) => e.originalMessageId)).toEqual(['i42.s7@example.org', undefined]);
  });

  it('other record types (Delivery, Open) are ignored with 200', async () => {
    const { sink, send } = setUp();
    expect((await send({ RecordType: 'Delivery', MessageID: 'x', Recipient: 'ada@example.org' })).status).toBe(200);
    expect(sink.calls).toBe(0);
  });
});

describe('Postmark webhook: refused requests record nothing', () => {
  it('missing, wrong or malformed credentials get 401 with a Basic challenge', async () => {
    const { sink, send, http } = setUp();
    for (const auth of [null, 'paperboy:wrong-password-xx', 'someone:correct-horse-battery', `${POSTMARK_AUTH}x`, 'paperboy']) {
      const res = await send(postmarkBounce(), auth);
      expect(res.status, String(auth)).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Basic /);
    }
    const bearer = await post(http, '/webhooks/postmark', JSON.stringify(postmarkBounce()), { authorization: 'Bearer abc' });
    expect(bearer.status).toBe(401);
    expect(sink.calls).toBe(0);
  });

  it('malformed JSON, or a bounce without an ID, gets 400', async () => {
    const { sink, send } = setUp();
    expect((await send('{"RecordType":"Bounce"')).status).toBe(400);
    expect((await send('[1,2]')).status).toBe(400);
    expect((await send(postmarkBounce({ ID: undefined }))).status).toBe(400);
    expect(sink.calls).toBe(0);
  });

  it('answers 5xx when the sink cannot store, so that Postmark retries', async () => {
    const { sink, send } = setUp({ fail: true });
    expect((await send(postmarkBounce())).status).toBeGreaterThanOrEqual(500);
    expect(sink.calls).toBe(1);
  });
});
