import { beforeAll, describe, expect, it } from 'vitest';
import {
  CERT_URL,
  type SnsKey,
  collectingSink,
  post,
  sesBounce,
  sesComplaint,
  snsConfirmation,
  snsKey,
  snsNotification,
  webhookApp,
} from '../../helpers/webhooks.js';

/** Asserts a refusal: its status and the reason it gives. */
async function refused(res: Response | Promise<Response>, status: number, reason: string) {
  const r = await res;
  expect(r.status).toBe(status);
  expect(((await r.json()) as { error: string }).error).toContain(reason);
}

let key: SnsKey;
let other: SnsKey;
beforeAll(() => {
  key = snsKey();
  other = snsKey();
});

/** The route with a certificate server that serves `cert` at CERT_URL and counts its fetches. */
function setUp(opts: { cert?: () => Promise<string>; now?: () => Date; fail?: boolean } = {}) {
  const sink = collectingSink({ fail: opts.fail });
  const fetched: string[] = [];
  const confirmed: string[] = [];
  const { http, log } = webhookApp(sink, {
    ...(opts.now ? { now: opts.now } : {}),
    fetchCertificate: async (url) => {
      fetched.push(url);
      if (opts.cert) return opts.cert();
      if (url !== CERT_URL) throw new Error('no such certificate');
      return key.certPem;
    },
    confirmSubscription: async (url) => void confirmed.push(url),
  });
  const send = (msg: Record<string, string>, headers: Record<string, string> = {}) =>
    post(http, '/webhooks/ses', JSON.stringify(msg), { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': msg.Type ?? '', ...headers });
  return { http, log, sink, fetched, confirmed, send };
}

describe('SES webhook (SNS): accepted notifications', () => {
  it('a permanent bounce (SignatureVersion 1) records a hard bounce for the recipient, with our Message-ID', async () => {
    const { sink, send } = setUp();
    const diag = 'smtp; 550 5.1.1 <ada@example.org>: Recipient address rejected: User unknown';
    const msg = snsNotification(sesBounce('Permanent', [{ emailAddress: 'Ada@Example.org', status: '5.1.1', diagnosticCode: diag }]), key);
    const res = await send(msg);
    expect(res.status).toBe(200);
    expect(sink.events).toEqual([
      {
        type: 'hard-bounce',
        source: 'ses',
        externalId: msg.MessageId,
        occurredAt: '2026-03-01T08:00:05.000Z',
        recipient: 'ada@example.org',
        originalMessageId: 'i42.s7@example.org',
        status: '5.1.1',
        diagnostic: diag,
      },
    ]);
  });

  it('SignatureVersion 2 verifies; several recipients get one event each, numbered; the Message-ID comes from the header list', async () => {
    const { sink, send } = setUp();
    const ses = sesBounce('Transient', [{ emailAddress: 'a@example.org', status: '4.4.7' }, { emailAddress: 'b@example.org' }], {
      subType: 'MailboxFull',
      where: 'headers',
      messageId: 'i9.s3@example.org',
    });
    const msg = snsNotification(ses, key, { version: '2' });
    expect((await send(msg)).status).toBe(200);
    expect(sink.events.map((e) => [e.type, e.externalId, e.recipient, e.originalMessageId])).toEqual([
      ['soft-bounce', `${msg.MessageId}#0`, 'a@example.org', 'i9.s3@example.org'],
      ['soft-bounce', `${msg.MessageId}#1`, 'b@example.org', 'i9.s3@example.org'],
    ]);
  });

  it('a complaint records a complaint with its feedback type; event publishing (eventType) and Undetermined bounces work too', async () => {
    const { sink, send } = setUp();
    expect((await send(snsNotification(sesComplaint(['ada@example.org']), key))).status).toBe(200);
    expect((await send(snsNotification(sesBounce('Undetermined', [{ emailAddress: 'bo@example.org' }], { publishing: true }), key))).status).toBe(200);
    expect(sink.events.map((e) => [e.type, e.recipient, e.feedbackType])).toEqual([
      ['complaint', 'ada@example.org', 'abuse'],
      ['soft-bounce', 'bo@example.org', undefined],
    ]);
  });

  it('guards the rule that a refusal of the sender never suppresses the reader: 5.7.x and rejected content are sender refusals', async () => {
    const { sink, send } = setUp();
    const policy = sesBounce('Permanent', [
      { emailAddress: 'a@example.org', status: '5.7.1', diagnosticCode: 'smtp; 550 5.7.1 Message rejected due to local policy' },
    ]);
    const content = sesBounce('Transient', [{ emailAddress: 'b@example.org' }], { subType: 'ContentRejected' });
    expect((await send(snsNotification(policy, key))).status).toBe(200);
    expect((await send(snsNotification(content, key))).status).toBe(200);
    expect(sink.events.map((e) => e.type)).toEqual(['sender-refusal', 'sender-refusal']);
  });

  it('a Subject is part of the signed string; deliveries and other notifications are ignored with 200', async () => {
    const { sink, send } = setUp();
    const delivery = { notificationType: 'Delivery', delivery: { recipients: ['ada@example.org'] }, mail: {} };
    expect((await send(snsNotification(delivery, key, { subject: 'Amazon SES Email Event Notification' }))).status).toBe(200);
    expect(sink.calls).toBe(0);
  });

  it('fetches the signing certificate once per URL', async () => {
    const { fetched, send, sink } = setUp();
    for (let i = 0; i < 3; i++) await send(snsNotification(sesComplaint([`r${i}@example.org`]), key));
    expect(sink.events).toHaveLength(3);
    expect(fetched).toEqual([CERT_URL]);
  });

  it('confirms a subscription by visiting its SNS SubscribeURL, and records nothing', async () => {
    const { sink, confirmed, send } = setUp();
    const url = 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=x&Token=t';
    expect((await send(snsConfirmation(key, url))).status).toBe(200);
    expect(confirmed).toEqual([url]);
    expect(sink.calls).toBe(0);
  });
});

describe('SES webhook (SNS): refused requests record nothing', () => {
  it('a signature by another key (forged), or a message changed after signing, gets 401', async () => {
    const { sink, send } = setUp();
    const forged = snsNotification(sesBounce('Permanent', [{ emailAddress: 'ada@example.org' }]), other);
    await refused(send(forged), 401, 'signature does not verify');
    const changed = snsNotification(sesBounce('Permanent', [{ emailAddress: 'ada@example.org' }]), key);
    changed.Message = changed.Message!.replace('ada@example.org', 'bo@example.org');
    await refused(send(changed), 401, 'signature does not verify');
    const garbled = { ...snsNotification(sesComplaint(['ada@example.org']), key), Signature: 'AAAA' };
    await refused(send(garbled), 401, 'signature does not verify');
    const v3 = { ...snsNotification(sesComplaint(['ada@example.org']), key), SignatureVersion: '3' };
    await refused(send(v3), 401, 'SignatureVersion');
    expect(sink.calls).toBe(0);
  });

  it('a stale Timestamp (a replay) or one far in the future gets 401', async () => {
    const { sink, send } = setUp();
    const hours = (h: number) => new Date(Date.now() + h * 3600_000);
    await refused(send(snsNotification(sesComplaint(['ada@example.org']), key, { at: hours(-1.1) })), 401, 'Timestamp');
    await refused(send(snsNotification(sesComplaint(['ada@example.org']), key, { at: hours(1) })), 401, 'Timestamp');
    // Still inside the hour: SNS's own retries are accepted.
    expect((await send(snsNotification(sesComplaint(['ada@example.org']), key, { at: hours(-0.9) }))).status).toBe(200);
    expect(sink.events).toHaveLength(1);
  });

  it('another topic gets 403 before any certificate is fetched', async () => {
    const { sink, send, fetched } = setUp();
    const msg = snsNotification(sesComplaint(['ada@example.org']), key, { topic: 'arn:aws:sns:us-east-1:999999999999:someone-else' });
    await refused(send(msg), 403, 'another SNS topic');
    expect(fetched).toEqual([]);
    expect(sink.calls).toBe(0);
  });

  it('a SigningCertURL off the SNS hosts, not https, or not a .pem gets 403 and is never fetched', async () => {
    const { sink, send, fetched } = setUp();
    const msg = snsNotification(sesComplaint(['ada@example.org']), key);
    for (const url of [
      'https://evil.example/SimpleNotificationService.pem',
      'https://sns.us-east-1.amazonaws.com.evil.example/cert.pem',
      'https://evil.example/sns.us-east-1.amazonaws.com/cert.pem',
      'http://sns.us-east-1.amazonaws.com/SimpleNotificationService.pem',
      'https://sns.us-east-1.amazonaws.com/SimpleNotificationService.txt',
      'https://sns.us-east-1.amazonaws.com:8443/SimpleNotificationService.pem',
      'https://user@sns.us-east-1.amazonaws.com/SimpleNotificationService.pem',
    ]) {
      await refused(send({ ...msg, SigningCertURL: url }), 403, 'SigningCertURL');
    }
    expect(fetched).toEqual([]);
    expect(sink.calls).toBe(0);
  });

  it('a SubscribeURL off the SNS hosts is not visited', async () => {
    const { send, confirmed } = setUp();
    await refused(send(snsConfirmation(key, 'https://evil.example/?Action=ConfirmSubscription')), 403, 'SubscribeURL');
    expect(confirmed).toEqual([]);
  });

  it('malformed JSON, missing fields, an unknown Type, or a Message that is not SES JSON get 400', async () => {
    const { sink, http, send } = setUp();
    expect((await post(http, '/webhooks/ses', '{"Type":"Notification",')).status).toBe(400);
    const msg = snsNotification(sesComplaint(['ada@example.org']), key);
    const { Signature: _s, ...unsigned } = msg;
    expect((await send(unsigned)).status).toBe(400);
    expect((await send({ ...msg, Type: 'Surprise' })).status).toBe(400);
    expect((await send(msg, { 'x-amz-sns-message-type': 'SubscriptionConfirmation' })).status).toBe(400);
    expect((await send(snsNotification('not json', key))).status).toBe(400);
    expect((await send(snsNotification({ notificationType: 'Bounce', bounce: {} }, key))).status).toBe(400);
    expect(sink.calls).toBe(0);
  });

  it('an expired certificate or one that is not a certificate gets 403; a failed fetch gets 503 (SNS retries)', async () => {
    const later = new Date(Date.now() + 3 * 86_400_000);
    const expired = setUp({ now: () => later });
    await refused(expired.send(snsNotification(sesComplaint(['ada@example.org']), key, { at: later })), 403, 'not valid now');
    const junk = setUp({ cert: async () => '<html>hello</html>' });
    await refused(junk.send(snsNotification(sesComplaint(['ada@example.org']), key)), 403, 'X.509');
    const down = setUp({ cert: async () => Promise.reject(new Error('ETIMEDOUT')) });
    await refused(down.send(snsNotification(sesComplaint(['ada@example.org']), key)), 503, 'ETIMEDOUT');
    for (const s of [expired, junk, down]) expect(s.sink.calls).toBe(0);
  });

  it('answers 5xx when the sink cannot store, so that SNS retries', async () => {
    const { sink, send, log } = setUp({ fail: true });
    const res = await send(snsNotification(sesComplaint(['ada@example.org']), key));
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(sink.calls).toBe(1);
    expect(log.lines.join('\n')).toContain('could not store 1 event(s): database is locked');
  });
});
