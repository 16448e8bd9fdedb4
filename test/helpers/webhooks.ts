/**
 * Provider webhooks in-process: a hono app with only the webhook routes, a sink that collects
 * what they record, and payloads signed here with each provider's own scheme (SNS with a key and
 * self-signed certificate that `openssl` makes, Svix with an HMAC, Postmark with basic auth).
 * The signing is written from the providers' documentation, independently of `src/`, so that a
 * mistake in the verifier cannot be mirrored by the test.
 */
import { execFileSync } from 'node:child_process';
import { createHmac, createSign, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Hono } from 'hono';
import type { BounceEvent } from '../../src/domain.js';
import { loadConfig } from '../../src/config.js';
import { type EventSink, type WebhookOptions, webhookRoutes } from '../../src/http/webhooks/index.js';
import type { Log } from '../../src/log.js';

export const TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:paperboy-ses';
export const CERT_URL = 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-0123456789abcdef.pem';
export const POSTMARK_AUTH = 'paperboy:correct-horse-battery';
/** A Svix signing secret: `whsec_` and the key in base64. */
export const RESEND_SECRET = `whsec_${Buffer.from('paperboy-test-signing-key').toString('base64')}`;

/** A sink that keeps what it was given (or fails, to test the 5xx path). */
export interface CollectingSink extends EventSink {
  events: BounceEvent[];
  calls: number;
}

export function collectingSink(opts: { fail?: boolean } = {}): CollectingSink {
  const sink: CollectingSink = {
    events: [],
    calls: 0,
    async record(events) {
      sink.calls++;
      if (opts.fail) throw new Error('database is locked');
      sink.events.push(...events);
    },
  };
  return sink;
}

/** A log that keeps its lines. */
export function memoryLog(): Log & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => void lines.push(`info ${m}`), warn: (m) => void lines.push(`warn ${m}`), error: (m) => void lines.push(`error ${m}`) };
}

/** A hono app with the webhook routes for `env` (default: all three keys set). */
export function webhookApp(sink: EventSink, options: WebhookOptions = {}, env?: Record<string, string>) {
  const dir = mkdtempSync(path.join(tmpdir(), 'paperboy-webhooks-'));
  try {
    const config = loadConfig(
      env ?? { SES_TOPIC_ARN: TOPIC_ARN, POSTMARK_WEBHOOK_AUTH: POSTMARK_AUTH, RESEND_WEBHOOK_SECRET: RESEND_SECRET, MAIL_FROM: 'Paperboy <digest@example.org>' },
      dir,
    );
    const log = memoryLog();
    const http = new Hono();
    webhookRoutes(http, { config, log }, sink, options);
    return { http, log };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** POSTs `body` to `path`. */
export function post(http: Hono, to: string, body: string, headers: Record<string, string> = {}) {
  return http.request(to, { method: 'POST', headers, body });
}

// ── Amazon SNS ───────────────────────────────────────────────────────────────────────────────

export interface SnsKey {
  keyPem: string;
  certPem: string;
}

/** An RSA key and a self-signed certificate for it, valid for `days` from now, made by openssl. */
export function snsKey(days = 2): SnsKey {
  const dir = mkdtempSync(path.join(tmpdir(), 'paperboy-sns-'));
  try {
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', String(days), '-subj', '/CN=sns.amazonaws.com'],
      { stdio: 'pipe' },
    );
    return { keyPem: readFileSync(key, 'utf8'), certPem: readFileSync(cert, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Signs an SNS message as SNS does (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA). */
export function signSns(msg: Record<string, string>, keyPem: string, version: '1' | '2' = '1'): Record<string, string> {
  const fields =
    msg.Type === 'Notification'
      ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  const text = fields
    .filter((f) => msg[f] !== undefined)
    .map((f) => `${f}\n${msg[f]}\n`)
    .join('');
  const signer = createSign(version === '1' ? 'RSA-SHA1' : 'RSA-SHA256');
  signer.update(text, 'utf8');
  return { ...msg, SignatureVersion: version, Signature: signer.sign(keyPem, 'base64') };
}

/** A signed SNS Notification carrying `message` (an SES notification object, or any string). */
export function snsNotification(
  message: unknown,
  key: SnsKey,
  opts: { at?: Date; topic?: string; version?: '1' | '2'; subject?: string; messageId?: string } = {},
): Record<string, string> {
  const msg: Record<string, string> = {
    Type: 'Notification',
    MessageId: opts.messageId ?? randomUUID(),
    TopicArn: opts.topic ?? TOPIC_ARN,
    Message: typeof message === 'string' ? message : JSON.stringify(message),
    Timestamp: (opts.at ?? new Date()).toISOString(),
    ...(opts.subject === undefined ? {} : { Subject: opts.subject }),
  };
  return {
    ...signSns(msg, key.keyPem, opts.version),
    SigningCertURL: CERT_URL,
    UnsubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${TOPIC_ARN}:x`,
  };
}

/** A signed SubscriptionConfirmation whose SubscribeURL is `subscribeUrl`. */
export function snsConfirmation(key: SnsKey, subscribeUrl: string, at = new Date()): Record<string, string> {
  const msg = {
    Type: 'SubscriptionConfirmation',
    MessageId: randomUUID(),
    Token: 'token-0123456789',
    TopicArn: TOPIC_ARN,
    Message: `You have chosen to subscribe to the topic ${TOPIC_ARN}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
    SubscribeURL: subscribeUrl,
    Timestamp: at.toISOString(),
  };
  return { ...signSns(msg, key.keyPem, '1'), SigningCertURL: CERT_URL };
}

/** The SES notification's `mail` object, with our Message-ID in the common headers or only in the header list. */
export function sesMail(messageId: string, where: 'common' | 'headers' = 'common') {
  return {
    timestamp: '2026-03-01T08:00:00.000Z',
    source: 'digest@example.org',
    messageId: '0100018e-ses-own-id-000000',
    destination: ['ada@example.org'],
    headers: [
      { name: 'From', value: 'Paperboy <digest@example.org>' },
      { name: 'Message-ID', value: `<${messageId}>` },
    ],
    commonHeaders: where === 'common' ? { from: ['Paperboy <digest@example.org>'], messageId: `<${messageId}>` } : { from: ['Paperboy <digest@example.org>'] },
  };
}

/** An SES Bounce notification. */
export function sesBounce(
  bounceType: string,
  recipients: { emailAddress: string; status?: string; diagnosticCode?: string }[],
  opts: { subType?: string; messageId?: string; where?: 'common' | 'headers'; publishing?: boolean } = {},
) {
  return {
    [opts.publishing ? 'eventType' : 'notificationType']: 'Bounce',
    bounce: {
      bounceType,
      bounceSubType: opts.subType ?? 'General',
      bouncedRecipients: recipients.map((r) => ({ action: 'failed', ...r })),
      timestamp: '2026-03-01T08:00:05.000Z',
      feedbackId: '0100018e-feedback',
    },
    mail: sesMail(opts.messageId ?? 'i42.s7@example.org', opts.where),
  };
}

/** An SES Complaint notification. */
export function sesComplaint(emails: string[], feedbackType = 'abuse') {
  return {
    notificationType: 'Complaint',
    complaint: {
      complainedRecipients: emails.map((emailAddress) => ({ emailAddress })),
      timestamp: '2026-03-01T09:00:00.000Z',
      feedbackId: '0100018e-feedback',
      complaintFeedbackType: feedbackType,
    },
    mail: sesMail('i42.s7@example.org'),
  };
}

// ── Postmark ─────────────────────────────────────────────────────────────────────────────────

/** The Authorization header for `user:password`. */
export const basicAuth = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;

/** A Postmark Bounce webhook body, as documented, with `fields` overriding. */
export function postmarkBounce(fields: Record<string, unknown> = {}) {
  return {
    RecordType: 'Bounce',
    MessageStream: 'outbound',
    ID: 4323372036,
    Type: 'HardBounce',
    TypeCode: 1,
    Name: 'Hard bounce',
    Tag: '',
    MessageID: '883953f4-6105-42a2-a16a-77a8eac79483',
    Metadata: {},
    ServerID: 23,
    Description: 'The server was unable to deliver your message (ex: unknown user, mailbox not found).',
    Details: 'smtp;550 5.1.1 The email account that you tried to reach does not exist.',
    Email: 'Ada@Example.org',
    From: 'digest@example.org',
    BouncedAt: '2026-03-01T08:00:05.907Z',
    DumpAvailable: true,
    Inactive: true,
    CanActivate: true,
    Subject: 'Trending papers',
    ...fields,
  };
}

// ── Resend (Svix) ────────────────────────────────────────────────────────────────────────────

/** Svix headers signing `body` with `secret` (a `whsec_` secret) at `at`. */
export function svixHeaders(body: string, opts: { secret?: string; id?: string; at?: Date } = {}): Record<string, string> {
  const id = opts.id ?? `msg_${randomUUID().replace(/-/g, '')}`;
  const timestamp = String(Math.floor((opts.at ?? new Date()).getTime() / 1000));
  const key = Buffer.from((opts.secret ?? RESEND_SECRET).slice('whsec_'.length), 'base64');
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'content-type': 'application/json', 'svix-id': id, 'svix-timestamp': timestamp, 'svix-signature': `v1,${signature}` };
}

/** A Resend event body as documented (`email.bounced` carries `data.bounce`). */
export function resendEvent(type: string, data: Record<string, unknown> = {}) {
  return {
    type,
    created_at: '2026-03-01T08:00:06.000Z',
    data: {
      created_at: '2026-03-01T08:00:00.000Z',
      email_id: '56761188-7520-42d8-8898-ff6fc54ce618',
      from: 'Paperboy <digest@example.org>',
      to: ['ada@example.org'],
      subject: 'Trending papers',
      ...data,
    },
  };
}
