/**
 * Provider webhooks: Amazon SES (through SNS), Postmark and Resend report bounces and complaints
 * over HTTP. Each route exists only when its key is configured, verifies the request before it
 * reads anything from it (a signature, or Postmark's basic-auth credentials), turns the payload
 * into `BounceEvent`s and hands them to an `EventSink`. The answers follow what the providers
 * retry on: 2xx once stored, 4xx for a request that will never be accepted (forged, replayed,
 * malformed: nothing stored), 5xx when storing failed so that the provider sends it again.
 */
import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { App } from '../../app.js';
import type { BounceEvent } from '../../domain.js';
import { statusOf } from '../../errors.js';
import { postmarkWebhook } from './postmark.js';
import { resendWebhook } from './resend.js';
import { sesWebhook } from './ses.js';
import { fetchCertificateHttps, getHttps } from './sns-fetch.js';
import type { Verdict, WebhookHandler } from './verdict.js';

/**
 * Where verified events go: the store's events table and the suppression policy. `record` must be
 * idempotent on `externalId` (providers resend the same report) and must throw when it could not
 * store, so that the route answers 5xx and the provider retries.
 */
export interface EventSink {
  record(events: BounceEvent[]): Promise<void>;
}

/** What the routes need from the app: its configuration and its log (a whole `App` fits). */
export type WebhookApp = Pick<App, 'config' | 'log'>;

/** Seams for tests, and for operators behind unusual networks; every one has a real default. */
export interface WebhookOptions {
  /** The clock for the replay windows and certificate validity (tests fake it). */
  now?: () => Date;
  /** Fetches an SNS signing certificate (PEM) from an already-checked SNS URL. Default: https GET, 5 s, 64 KB cap. */
  fetchCertificate?: (url: string) => Promise<string>;
  /** Visits an SNS SubscribeURL (already checked to be an SNS host) to confirm the subscription. Default: https GET. */
  confirmSubscription?: (url: string) => Promise<void>;
  /** Largest accepted body; default {@link MAX_WEBHOOK_BODY_BYTES}. */
  maxBodyBytes?: number;
}

/**
 * Largest webhook body accepted. SES notifications carry the original headers and a bounce can
 * name many recipients, so this is far above the forms' limit, yet small enough to refuse floods.
 */
export const MAX_WEBHOOK_BODY_BYTES = 256 * 1024;

/**
 * Registers `POST /webhooks/ses`, `/webhooks/postmark` and `/webhooks/resend`, each only when its
 * key (SES_TOPIC_ARN, POSTMARK_WEBHOOK_AUTH, RESEND_WEBHOOK_SECRET) is set.
 */
export function webhookRoutes(http: Hono, app: WebhookApp, sink: EventSink, options: WebhookOptions = {}): void {
  const { config } = app;
  const now = options.now ?? (() => new Date());
  if (config.SES_TOPIC_ARN) {
    const handler = sesWebhook({
      topicArn: config.SES_TOPIC_ARN,
      now,
      fetchCertificate: options.fetchCertificate ?? fetchCertificateHttps,
      confirmSubscription: options.confirmSubscription ?? getHttps,
    });
    mount(http, 'ses', handler, app, sink, options);
  }
  if (config.POSTMARK_WEBHOOK_AUTH) {
    mount(http, 'postmark', postmarkWebhook({ auth: config.POSTMARK_WEBHOOK_AUTH, now, mailFrom: config.MAIL_FROM }), app, sink, options);
  }
  if (config.RESEND_WEBHOOK_SECRET) {
    mount(http, 'resend', resendWebhook({ secret: config.RESEND_WEBHOOK_SECRET, now }), app, sink, options);
  }
}

function mount(http: Hono, name: string, handle: WebhookHandler, app: WebhookApp, sink: EventSink, options: WebhookOptions): void {
  const limit = bodyLimit({
    maxSize: options.maxBodyBytes ?? MAX_WEBHOOK_BODY_BYTES,
    onError: (c) => c.json({ error: 'payload too large' }, statusOf('TOO_LARGE')),
  });
  http.post(`/webhooks/${name}`, limit, async (c: Context) => {
    let verdict: Verdict;
    try {
      const body = Buffer.from(await c.req.arrayBuffer());
      verdict = await handle({ header: (h) => c.req.header(h), body });
    } catch (err) {
      // A bug or a broken stream: 5xx so that the provider keeps the report and retries.
      app.log.error(`webhook ${name}: ${err instanceof Error ? err.message : String(err)}`);
      return c.json({ error: 'internal error' }, statusOf('INTERNAL'));
    }
    if (verdict.kind === 'refuse') {
      // Logged because a wrong secret or topic in the config shows up here first.
      const status = statusOf(verdict.code);
      app.log.warn(`webhook ${name}: refused (${status}): ${verdict.reason}`);
      if (verdict.code === 'UNAUTHORIZED' && name === 'postmark') c.header('WWW-Authenticate', 'Basic realm="paperboy webhooks"');
      return c.json({ error: verdict.reason }, status);
    }
    if (verdict.note) app.log.info(`webhook ${name}: ${verdict.note}`);
    if (verdict.events.length > 0) {
      try {
        await sink.record(verdict.events);
      } catch (err) {
        app.log.error(`webhook ${name}: could not store ${verdict.events.length} event(s): ${err instanceof Error ? err.message : String(err)}`);
        return c.json({ error: 'could not store the events; try again later' }, statusOf('UNAVAILABLE'));
      }
    }
    return c.json({ ok: true, recorded: verdict.events.length });
  });
}
