/**
 * Provider webhooks: Amazon SES (through SNS), Postmark and Resend report bounces and complaints
 * over HTTP. Each route exists only when its key is configured, verifies the request before it
 * reads anything from it (a signature, or Postmark's basic-auth credentials), turns the payload
 * into `BounceEvent`s and hands them to an `EventSink`. The answers follow what the providers
 * retry on: 2xx once stored, 4xx for a request that will never be accepted (forged, replayed,
 * malformed: nothing stored), 5xx when storing failed so that the provider sends it again.
 */
import { classifyRefusal } from '../../bounces/refusals.js';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { App } from '../../app.js';
import type { BounceEvent, EventType } from '../../domain.js';
import { oneLine } from '../../errors.js';
import { postmarkWebhook } from './postmark.js';
import { resendWebhook } from './resend.js';
import { fetchCertificateHttps, getHttps, sesWebhook } from './ses.js';

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

/** A request as the provider modules see it: headers and the raw body bytes, unparsed. */
export interface WebhookRequest {
  header(name: string): string | undefined;
  body: Buffer;
}

/** What a provider module decided about one request. */
export type Verdict =
  /** Verified: store these events (none when the report is one we ignore); `note` is logged. */
  | { kind: 'accept'; events: BounceEvent[]; note?: string }
  /** Refused (nothing is stored); `reason` goes back to the caller and to the log. */
  | { kind: 'refuse'; status: RefusalStatus; reason: string };

/**
 * 400 malformed, 401 unauthenticated (bad or missing signature or credentials, stale timestamp),
 * 403 authenticated as someone we do not accept (another SNS topic, a certificate off AWS),
 * 502/503 when a call we depend on failed (SNS certificate or confirmation URL): try again later.
 */
export type RefusalStatus = 400 | 401 | 403 | 502 | 503;

/** A provider's handler of one request. */
export type WebhookHandler = (req: WebhookRequest) => Promise<Verdict>;

/** Shorthand for a refusal. */
export const refuse = (status: RefusalStatus, reason: string): Verdict => ({ kind: 'refuse', status, reason });

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
    onError: (c) => c.json({ error: 'payload too large' }, 413),
  });
  http.post(`/webhooks/${name}`, limit, async (c: Context) => {
    let verdict: Verdict;
    try {
      const body = Buffer.from(await c.req.arrayBuffer());
      verdict = await handle({ header: (h) => c.req.header(h), body });
    } catch (err) {
      // A bug or a broken stream: 5xx so that the provider keeps the report and retries.
      app.log.error(`webhook ${name}: ${err instanceof Error ? err.message : String(err)}`);
      return c.json({ error: 'internal error' }, 500);
    }
    if (verdict.kind === 'refuse') {
      // Logged because a wrong secret or topic in the config shows up here first.
      app.log.warn(`webhook ${name}: refused (${verdict.status}): ${verdict.reason}`);
      if (verdict.status === 401 && name === 'postmark') c.header('WWW-Authenticate', 'Basic realm="paperboy webhooks"');
      return c.json({ error: verdict.reason }, verdict.status);
    }
    if (verdict.note) app.log.info(`webhook ${name}: ${verdict.note}`);
    if (verdict.events.length > 0) {
      try {
        await sink.record(verdict.events);
      } catch (err) {
        app.log.error(`webhook ${name}: could not store ${verdict.events.length} event(s): ${err instanceof Error ? err.message : String(err)}`);
        return c.json({ error: 'could not store the events; try again later' }, 503);
      }
    }
    return c.json({ ok: true, recorded: verdict.events.length }, 200);
  });
}

// ── Helpers shared by the provider modules ───────────────────────────────────────────────────

/**
 * Equality of two secrets in constant time: both are hashed first, so the compare never depends
 * on (or leaks) the length of the expected value.
 */
export function secretEquals(given: string | Buffer, expected: string | Buffer): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The body as JSON, or undefined when it is not UTF-8 JSON (a malformed request). */
export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return undefined;
  }
}

/** A plain JSON object (not an array or null), for narrowing parsed payloads. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A non-empty string field, else undefined. */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** The address of `a@b`, `<a@b>` or `"Name" <a@b>`, lower-cased; undefined when none is there. */
export function cleanAddress(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const inner = /<([^<>]*)>\s*$/.exec(v)?.[1] ?? v;
  const addr = inner.trim().toLowerCase();
  return /^[^\s@<>"]+@[^\s@<>"]+$/.test(addr) ? addr : undefined;
}

/** A Message-ID without its angle brackets; undefined when empty or unsafe. */
export function cleanMessageId(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const id = v.trim().replace(/^<|>$/g, '').trim();
  return id && !/[\s<>]/.test(id) ? id : undefined;
}

/** The report's one-line explanation, at most 300 characters (the event's contract). */
export function diagnosticText(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const line = oneLine(v).replace(/\s+/g, ' ');
  return line ? line.slice(0, 300) : undefined;
}

/** An enhanced status code (RFC 3463) given as such, else the first one in the text. */
export function statusCode(given: unknown, text?: string): string | undefined {
  if (typeof given === 'string' && /^[245]\.\d{1,3}\.\d{1,3}$/.test(given.trim())) return given.trim();
  return text ? /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(text)?.[1] : undefined;
}

/** An ISO 8601 time from a provider's timestamp, else `fallback`'s. */
export function isoTime(v: unknown, fallback: Date): string {
  const t = typeof v === 'string' ? Date.parse(v) : Number.NaN;
  return new Date(Number.isFinite(t) ? t : fallback.getTime()).toISOString();
}

/**
 * A provider's bounce class, corrected by the one refusal table every path shares
 * (`bounces/refusals.ts`): a refusal of the *sender* (5.7.x policy, reputation, DMARC, a
 * blocklist) never suppresses the reader, a full mailbox is soft even when the provider calls it
 * permanent, and a provider's "permanent" that the table reads as neither recipient nor sender
 * stays the provider's call.
 */
export function refineBounce(type: EventType, status: string | undefined, diagnostic: string | undefined): EventType {
  if (type === 'complaint' || type === 'sender-refusal') return type;
  const r = classifyRefusal({ text: diagnostic ?? '', ...(status ? { status } : {}) });
  if (r.class === 'sender') return 'sender-refusal';
  if (r.class === 'mailbox-full') return 'soft-bounce';
  return type;
}
