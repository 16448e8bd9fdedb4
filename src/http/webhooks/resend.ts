/**
 * Resend webhooks, signed by Svix: `svix-signature` holds one or more space-separated `v1,<base64>`
 * HMAC-SHA256 signatures of `${svix-id}.${svix-timestamp}.${raw body}` under the secret that follows
 * `whsec_` (base64). The signature is checked on the raw bytes, before the body is parsed, and the
 * timestamp must be within five minutes of our clock so that a captured request cannot be replayed.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { BounceEvent, EventType } from '../../domain.js';
import { cleanAddress, cleanMessageId, diagnosticText, isRecord, isoTime, parseJson, refineBounce, statusCode, str } from './payload.js';
import { type WebhookHandler, type WebhookRequest, refuse } from './verdict.js';

/** What the Resend route needs: the `whsec_…` signing secret and a clock. */
export interface ResendWebhookOptions {
  secret: string;
  now: () => Date;
}

/** How far a webhook's timestamp may be from our clock, either way (Svix's own tolerance). */
export const SVIX_TOLERANCE_SECONDS = 5 * 60;

/** The Resend route's handler. */
export function resendWebhook(opts: ResendWebhookOptions): WebhookHandler {
  const key = Buffer.from(opts.secret.replace(/^whsec_/, ''), 'base64');
  return async (req) => {
    const checked = checkSignature(req, key, opts.now());
    if (checked !== true) return checked;
    const id = svixHeader(req, 'id')!;

    const payload = parseJson(req.body);
    if (!isRecord(payload) || !isRecord(payload.data)) return refuse('INPUT_INVALID', 'the body is not a Resend event (JSON object with data)');
    const type = str(payload.type);
    if (type !== 'email.bounced' && type !== 'email.complained') {
      return { kind: 'accept', events: [], note: `ignored a Resend ${String(type).slice(0, 40)} event` };
    }
    const data = payload.data;
    const to = Array.isArray(data.to) ? data.to : typeof data.to === 'string' ? [data.to] : [];
    const recipients = to.map(cleanAddress);
    if (recipients.length === 0) return refuse('INPUT_INVALID', `Resend ${type} without recipients in data.to`);

    const base: Omit<BounceEvent, 'externalId' | 'type'> = {
      source: 'resend',
      // The event's time (top-level created_at); data.created_at is when the email was sent.
      occurredAt: isoTime(payload.created_at, opts.now()),
    };
    const originalMessageId = cleanMessageId(data.message_id);
    if (originalMessageId) base.originalMessageId = originalMessageId;
    let eventType: EventType = 'complaint';
    if (type === 'email.bounced') {
      const bounce = isRecord(data.bounce) ? data.bounce : {};
      const diagnostic = diagnosticText(bounce.message);
      const status = statusCode(undefined, diagnostic);
      eventType = refineBounce(bounceClass(str(bounce.type), str(bounce.subType)), status, diagnostic);
      if (status) base.status = status;
      const text = diagnostic ?? diagnosticText(`${str(bounce.type) ?? ''} ${str(bounce.subType) ?? ''}`);
      if (text) base.diagnostic = text;
    }
    // Paperboy sends one reader per message, so `to` has one address; should it hold several,
    // each gets its own event (and id), as SES does with its recipients.
    const many = recipients.length > 1;
    const events = recipients.map((recipient, i): BounceEvent => {
      const e: BounceEvent = { ...base, type: eventType, externalId: many ? `${id}#${i}` : id };
      if (recipient) e.recipient = recipient;
      return e;
    });
    return { kind: 'accept', events };
  };
}

/**
 * Resend sends SES's bounce classes: Permanent is a dead address; Transient and Undetermined are
 * soft; a rejection of the content (ContentRejected, AttachmentRejected) is the sender's problem.
 */
function bounceClass(type: string | undefined, subType: string | undefined): EventType {
  if (subType === 'ContentRejected' || subType === 'AttachmentRejected') return 'sender-refusal';
  return type === 'Permanent' ? 'hard-bounce' : 'soft-bounce';
}

/** Svix's headers, also under the vendor-neutral `webhook-` names (Standard Webhooks) it may use. */
function svixHeader(req: WebhookRequest, name: 'id' | 'timestamp' | 'signature'): string | undefined {
  return req.header(`svix-${name}`) ?? req.header(`webhook-${name}`);
}

/** true when the request carries a fresh, valid signature; else the refusal. */
function checkSignature(req: WebhookRequest, key: Buffer, now: Date) {
  const id = svixHeader(req, 'id');
  const timestamp = svixHeader(req, 'timestamp');
  const signatures = svixHeader(req, 'signature');
  if (!id || !timestamp || !signatures) return refuse('UNAUTHORIZED', 'missing svix-id, svix-timestamp or svix-signature');
  // The id ends up as the event's externalId: keep it to a sane token.
  if (!/^[\x21-\x7e]{1,255}$/.test(id)) return refuse('INPUT_INVALID', 'malformed svix-id');
  if (!/^\d{1,12}$/.test(timestamp)) return refuse('UNAUTHORIZED', 'malformed svix-timestamp');
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > SVIX_TOLERANCE_SECONDS) {
    return refuse('UNAUTHORIZED', 'svix-timestamp is outside the accepted window (a replay, or a wrong clock)');
  }
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(req.body).digest();
  let match = false;
  for (const part of signatures.split(' ')) {
    const [version, sig] = part.split(',', 2);
    if (version !== 'v1' || !sig) continue;
    const given = Buffer.from(sig, 'base64');
    // Lengths are public (always 32 bytes); only the bytes must be compared in constant time.
    if (given.length === expected.length && timingSafeEqual(given, expected)) match = true;
  }
  return match ? (true as const) : refuse('UNAUTHORIZED', 'Svix signature does not match');
}
