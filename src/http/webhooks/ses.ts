/**
 * Amazon SES bounce and complaint notifications, delivered by Amazon SNS to an HTTPS endpoint.
 * SNS signs a canonical string of the message's fields with the key of an X.509 certificate it
 * serves from `https://sns.<region>.amazonaws.com/….pem`; we check the certificate's address
 * before fetching it (anything else would let a forger name their own key), the topic, and the
 * age of the message, then verify the signature, and only then read the SES notification inside.
 */
import { X509Certificate, verify } from 'node:crypto';
import type { BounceEvent, EventType } from '../../domain.js';
import { cleanAddress, cleanMessageId, diagnosticText, isRecord, isoTime, parseJson, refineBounce, statusCode, str } from './payload.js';
import { CertificateError } from './sns-fetch.js';
import { type Verdict, type WebhookHandler, refuse } from './verdict.js';

/** What the SES route needs: the topic to accept, a clock, and the two outbound calls. */
export interface SesWebhookOptions {
  topicArn: string;
  now: () => Date;
  fetchCertificate: (url: string) => Promise<string>;
  confirmSubscription: (url: string) => Promise<void>;
}

/** How old a message may be (its Timestamp) before it counts as a replay; SNS retries within it. */
export const SNS_MAX_AGE_MS = 3600_000;
/** How far ahead of our clock a Timestamp may be (clock skew). */
const SNS_MAX_SKEW_MS = 5 * 60_000;
/** Signing certificates kept (one per region and key rotation, so a handful in practice). */
const CERT_CACHE_SIZE = 32;

const SNS_HOST = /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;
const MESSAGE_TYPES = ['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'] as const;
type MessageType = (typeof MESSAGE_TYPES)[number];

/**
 * True when `raw` is an https URL on an SNS host (`sns.<region>.amazonaws.com`, or `.com.cn`),
 * without credentials or an unusual port; with `pem`, its path must also end in `.pem`.
 */
export function isSnsUrl(raw: string, opts: { pem?: boolean } = {}): boolean {
  if (!URL.canParse(raw)) return false;
  const u = new URL(raw);
  if (u.protocol !== 'https:' || u.username || u.password || u.port !== '') return false;
  if (!SNS_HOST.test(u.hostname)) return false;
  return !opts.pem || u.pathname.endsWith('.pem');
}

/**
 * The string SNS signs: `Key\nValue\n` for each field in its documented order. Notifications sign
 * Message, MessageId, Subject (only when present), Timestamp, TopicArn, Type; subscription and
 * unsubscription confirmations sign Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn,
 * Type. Undefined when a signed field is missing or not a string.
 */
export function snsStringToSign(msg: Record<string, unknown>): string | undefined {
  const keys =
    msg.Type === 'Notification'
      ? ['Message', 'MessageId', ...(msg.Subject == null ? [] : ['Subject']), 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  let out = '';
  for (const k of keys) {
    const v = msg[k];
    if (typeof v !== 'string') return undefined;
    out += `${k}\n${v}\n`;
  }
  return out;
}

/** The SES route's handler; it caches the signing certificates it fetched, by URL. */
export function sesWebhook(opts: SesWebhookOptions): WebhookHandler {
  const certs = new Map<string, X509Certificate>();
  const pending = new Map<string, Promise<X509Certificate>>();

  /** The certificate at `url`, fetched once; failures are not cached (the next retry fetches again). */
  const certificate = (url: string): Promise<X509Certificate> => {
    const known = certs.get(url);
    if (known) return Promise.resolve(known);
    let p = pending.get(url);
    if (!p) {
      p = opts
        .fetchCertificate(url)
        .then((pem) => {
          const cert = parseCertificate(pem);
          if (certs.size >= CERT_CACHE_SIZE) certs.delete(certs.keys().next().value!);
          certs.set(url, cert);
          return cert;
        })
        .finally(() => pending.delete(url));
      pending.set(url, p);
    }
    return p;
  };

  return async (req) => {
    const msg = parseJson(req.body);
    if (!isRecord(msg)) return refuse('INPUT_INVALID', 'the body is not an SNS message (JSON object)');
    const type = msg.Type as MessageType;
    if (!MESSAGE_TYPES.includes(type)) return refuse('INPUT_INVALID', 'unknown SNS message Type');
    const headerType = req.header('x-amz-sns-message-type');
    if (headerType !== undefined && headerType !== type) return refuse('INPUT_INVALID', 'x-amz-sns-message-type does not match the message Type');
    const signed = snsStringToSign(msg);
    const signature = str(msg.Signature);
    const certUrl = str(msg.SigningCertURL);
    const messageId = str(msg.MessageId);
    if (!signed || !signature || !certUrl || !messageId) return refuse('INPUT_INVALID', 'SNS message without its signed fields, Signature or SigningCertURL');

    // Cheap checks first, so that a forged message never makes us fetch anything.
    if (msg.TopicArn !== opts.topicArn) return refuse('FORBIDDEN', 'the message is from another SNS topic');
    const now = opts.now();
    const sent = Date.parse(String(msg.Timestamp));
    if (!Number.isFinite(sent)) return refuse('INPUT_INVALID', 'SNS Timestamp is not a date');
    const age = now.getTime() - sent;
    if (age > SNS_MAX_AGE_MS || -age > SNS_MAX_SKEW_MS) {
      return refuse('UNAUTHORIZED', 'SNS Timestamp is outside the accepted window (a replay, or a wrong clock)');
    }
    const algorithm = msg.SignatureVersion === '1' ? 'sha1' : msg.SignatureVersion === '2' ? 'sha256' : undefined;
    if (!algorithm) return refuse('UNAUTHORIZED', 'unsupported SNS SignatureVersion');
    if (!isSnsUrl(certUrl, { pem: true })) return refuse('FORBIDDEN', 'SigningCertURL is not an https .pem URL on an SNS host');

    let cert: X509Certificate;
    try {
      cert = await certificate(certUrl);
    } catch (err) {
      if (err instanceof CertificateError) return refuse('FORBIDDEN', err.message);
      // Network trouble: SNS retries, and the next attempt fetches again.
      return refuse('UNAVAILABLE', `could not fetch the SNS signing certificate: ${err instanceof Error ? err.message : String(err)}`);
    }
    const t = now.getTime();
    if (!(t >= Date.parse(cert.validFrom) && t <= Date.parse(cert.validTo))) return refuse('FORBIDDEN', 'the SNS signing certificate is not valid now');
    if (!verifies(algorithm, signed, cert, signature)) return refuse('UNAUTHORIZED', 'SNS signature does not verify');

    if (type === 'SubscriptionConfirmation') return confirm(msg, opts);
    if (type === 'UnsubscribeConfirmation') {
      return { kind: 'accept', events: [], note: `SNS says the endpoint was unsubscribed from ${opts.topicArn}; SES reports stop arriving` };
    }
    const ses = typeof msg.Message === 'string' ? parseJson(Buffer.from(msg.Message, 'utf8')) : undefined;
    if (!isRecord(ses)) return refuse('INPUT_INVALID', 'the SNS Message is not an SES notification (JSON object)');
    return sesEvents(ses, messageId, isoTime(msg.Timestamp, now));
  };
}

/** True when `signature` (base64) is `cert`'s signature of `signed`; a garbled one is just false. */
function verifies(algorithm: string, signed: string, cert: X509Certificate, signature: string): boolean {
  try {
    return verify(algorithm, Buffer.from(signed, 'utf8'), cert.publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** Confirms a subscription to our topic by visiting its SubscribeURL, when that URL is an SNS one. */
async function confirm(msg: Record<string, unknown>, opts: SesWebhookOptions): Promise<Verdict> {
  const url = str(msg.SubscribeURL)!;
  // Verified, but the URL is still checked: we must never be made to GET an arbitrary address.
  if (!isSnsUrl(url)) return refuse('FORBIDDEN', 'SubscribeURL is not an https URL on an SNS host');
  try {
    await opts.confirmSubscription(url);
  } catch (err) {
    return refuse('UPSTREAM_FAILED', `could not confirm the SNS subscription: ${err instanceof Error ? err.message : String(err)}`);
  }
  return { kind: 'accept', events: [], note: `confirmed the SNS subscription to ${opts.topicArn}` };
}

/**
 * Events from one SES notification (notificationType for notifications, eventType for event
 * publishing): Bounce and Complaint become events, anything else (Delivery, Send, Open, …) is
 * ignored. `externalId` is the SNS MessageId, with `#i` per recipient when there are several.
 */
export function sesEvents(ses: Record<string, unknown>, snsMessageId: string, fallbackTime: string): Verdict {
  const kind = str(ses.notificationType) ?? str(ses.eventType);
  if (!kind) return refuse('INPUT_INVALID', 'SES notification without notificationType or eventType');
  const mail = isRecord(ses.mail) ? ses.mail : {};
  const originalMessageId = originalId(mail);
  const fallback = new Date(fallbackTime);

  if (kind === 'Bounce') {
    const bounce = ses.bounce;
    if (!isRecord(bounce) || !Array.isArray(bounce.bouncedRecipients)) return refuse('INPUT_INVALID', 'SES Bounce without bouncedRecipients');
    const base = bounceClass(str(bounce.bounceType), str(bounce.bounceSubType));
    const occurredAt = isoTime(bounce.timestamp, fallback);
    const many = bounce.bouncedRecipients.length > 1;
    const events = bounce.bouncedRecipients.filter(isRecord).map((r, i): BounceEvent => {
      const diagnostic = diagnosticText(r.diagnosticCode);
      const status = statusCode(r.status, diagnostic);
      return compact({
        type: refineBounce(base, status, diagnostic),
        source: 'ses',
        externalId: many ? `${snsMessageId}#${i}` : snsMessageId,
        occurredAt,
        recipient: cleanAddress(r.emailAddress),
        originalMessageId,
        status,
        diagnostic: diagnostic ?? diagnosticText(`${str(bounce.bounceType) ?? ''} ${str(bounce.bounceSubType) ?? ''}`),
      });
    });
    return { kind: 'accept', events };
  }

  if (kind === 'Complaint') {
    const complaint = ses.complaint;
    if (!isRecord(complaint) || !Array.isArray(complaint.complainedRecipients)) return refuse('INPUT_INVALID', 'SES Complaint without complainedRecipients');
    const occurredAt = isoTime(complaint.timestamp, fallback);
    const many = complaint.complainedRecipients.length > 1;
    const events = complaint.complainedRecipients.filter(isRecord).map((r, i): BounceEvent =>
      compact({
        type: 'complaint',
        source: 'ses',
        externalId: many ? `${snsMessageId}#${i}` : snsMessageId,
        occurredAt,
        recipient: cleanAddress(r.emailAddress),
        originalMessageId,
        feedbackType: str(complaint.complaintFeedbackType),
        diagnostic: diagnosticText(complaint.complaintSubType),
      }),
    );
    return { kind: 'accept', events };
  }
  return { kind: 'accept', events: [], note: `ignored an SES ${kind.replace(/[^\w -]/g, '').slice(0, 40)} notification` };
}

/**
 * SES's bounce classes: Permanent is a dead address; Transient and Undetermined are soft; a
 * Transient rejection of the *content* (ContentRejected, AttachmentRejected) is the sender's
 * problem and must not count against the reader.
 */
function bounceClass(bounceType: string | undefined, subType: string | undefined): EventType {
  if (bounceType === 'Permanent') return 'hard-bounce';
  if (subType === 'ContentRejected' || subType === 'AttachmentRejected') return 'sender-refusal';
  return 'soft-bounce';
}

/** Our Message-ID as SES returns it: `commonHeaders.messageId`, else the Message-ID header. */
function originalId(mail: Record<string, unknown>): string | undefined {
  const common = isRecord(mail.commonHeaders) ? mail.commonHeaders : {};
  const fromCommon = cleanMessageId(common.messageId);
  if (fromCommon) return fromCommon;
  if (!Array.isArray(mail.headers)) return undefined;
  const header = mail.headers.find((h) => isRecord(h) && typeof h.name === 'string' && h.name.toLowerCase() === 'message-id');
  return isRecord(header) ? cleanMessageId(header.value) : undefined;
}

/** Drops undefined fields, so that events compare and serialise cleanly. */
function compact(e: BounceEvent): BounceEvent {
  return Object.fromEntries(Object.entries(e).filter(([, v]) => v !== undefined)) as unknown as BounceEvent;
}

function parseCertificate(pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new CertificateError('the SigningCertURL does not hold an X.509 certificate');
  }
}
