import { describe, expect, it } from 'vitest';
import { MAX_WEBHOOK_BODY_BYTES } from '../../../src/http/webhooks/index.js';
import { POSTMARK_AUTH, basicAuth, collectingSink, post, webhookApp } from '../../helpers/webhooks.js';

describe('webhook routes', () => {
  it('exist only for the providers whose key is set', async () => {
    const sink = collectingSink();
    const { http } = webhookApp(sink, {}, { POSTMARK_WEBHOOK_AUTH: POSTMARK_AUTH });
    expect((await post(http, '/webhooks/ses', '{}')).status).toBe(404);
    expect((await post(http, '/webhooks/resend', '{}')).status).toBe(404);
    expect((await post(http, '/webhooks/postmark', '{}')).status).toBe(401);
  });

  it('refuse a body over the limit with 413 before reading it, streamed or with a Content-Length', async () => {
    const sink = collectingSink();
    const { http } = webhookApp(sink);
    const big = JSON.stringify({ RecordType: 'Bounce', pad: 'x'.repeat(MAX_WEBHOOK_BODY_BYTES) });
    for (const path of ['/webhooks/ses', '/webhooks/postmark', '/webhooks/resend']) {
      expect((await post(http, path, big, { authorization: basicAuth(POSTMARK_AUTH) })).status, path).toBe(413);
      expect((await post(http, path, big, { 'content-length': String(big.length) })).status, path).toBe(413);
    }
    expect(sink.calls).toBe(0);
  });
});
