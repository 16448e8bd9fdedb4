/**
 * Postmark bounce and spam-complaint webhooks. Postmark does not sign its webhooks; it sends the
 * basic-auth credentials written into the webhook URL (`https://user:password@host/webhooks/postmark`),
 * so the route checks `Authorization: Basic` against POSTMARK_WEBHOOK_AUTH in constant time. There
 * is no timestamp to bound a replay: a replayed request carries a bounce ID the store already has.
 */
import type { BounceEvent, EventType } from '../../domain.js';
import { parseMailbox } from '../../lib/email.js';
import { cleanAddress, cleanMessageId, diagnosticText, isRecord, isoTime, parseJson, refineBounce, secretEquals, statusCode, str } from './payload.js';
import { type WebhookHandler, refuse } from './verdict.js';

/** What the Postmark route needs: the expected `user:password`, a clock, and our From address. */
export interface PostmarkWebhookOptions {
  auth: string;
  now: () => Date;
  /** MAIL_FROM: our Message-IDs end in its domain, which finds them in a bounce's dump. */
  mailFrom: string;
}

/**
 * Postmark's bounce types (its `Type` field) and what each means for the reader. Types that say
 * nothing about the address (auto-replies, subscribe/unsubscribe mail, challenge and relay tests,
 * Postmark's own bookkeeping) are ignored. Types that mean the receiving side refused *us* (a
 * block, DMARC, a spam filter's or virus scanner's notice about our content) and Postmark-side
 * failures (unconfirmed sender, SMTP API or template errors) are sender refusals: the reader stays.
 */
export const POSTMARK_TYPES: Readonly<Record<string, EventType | 'ignore'>> = {
  HardBounce: 'hard-bounce',
  BadEmailAddress: 'hard-bounce',
  Transient: 'soft-bounce',
  SoftBounce: 'soft-bounce',
  DnsError: 'soft-bounce',
  Unknown: 'soft-bounce',
  SpamComplaint: 'complaint',
  SpamNotification: 'sender-refusal',
  VirusNotification: 'sender-refusal',
  Blocked: 'sender-refusal',
  DMARCPolicy: 'sender-refusal',
  Unconfirmed: 'sender-refusal',
  SMTPApiError: 'sender-refusal',
  TemplateRenderingFailed: 'sender-refusal',
  AutoResponder: 'ignore',
  Subscribe: 'ignore',
  Unsubscribe: 'ignore',
  AddressChange: 'ignore',
  OpenRelayTest: 'ignore',
  ChallengeVerification: 'ignore',
  ManuallyDeactivated: 'ignore',
  InboundError: 'ignore',
};

/** The Postmark route's handler. */
export function postmarkWebhook(opts: PostmarkWebhookOptions): WebhookHandler {
  const ourDomain = parseMailbox(opts.mailFrom)?.address.split('@')[1]?.toLowerCase();
  return async (req) => {
    const given = basicCredentials(req.header('authorization'));
    if (given === undefined) return refuse('UNAUTHORIZED', 'missing basic-auth credentials');
    if (!secretEquals(given, opts.auth)) return refuse('UNAUTHORIZED', 'wrong basic-auth credentials');

    const payload = parseJson(req.body);
    if (!isRecord(payload)) return refuse('INPUT_INVALID', 'the body is not a Postmark webhook (JSON object)');
    const recordType = str(payload.RecordType);
    if (!recordType) return refuse('INPUT_INVALID', 'Postmark webhook without RecordType');
    if (recordType !== 'Bounce' && recordType !== 'SpamComplaint') {
      // Delivery, Open, Click, SubscriptionChange: nothing for the bounce processor.
      return { kind: 'accept', events: [], note: `ignored a Postmark ${recordType.slice(0, 40)} record` };
    }
    const externalId = bounceId(payload, req.body);
    if (!externalId) return refuse('INPUT_INVALID', `Postmark ${recordType} without an ID`);
    const bounceType = recordType === 'SpamComplaint' ? 'SpamComplaint' : str(payload.Type);
    const mapped = bounceType ? POSTMARK_TYPES[bounceType] : undefined;
    if (mapped === undefined) {
      // A type Postmark added after this table: keep the reader, tell the operator.
      return { kind: 'accept', events: [], note: `ignored a Postmark bounce of unknown Type ${String(bounceType).slice(0, 40)} (ID ${externalId})` };
    }
    if (mapped === 'ignore') return { kind: 'accept', events: [], note: `ignored a Postmark ${bounceType} bounce` };

    const diagnostic = diagnosticText(str(payload.Details) ?? str(payload.Description));
    const status = statusCode(undefined, diagnostic);
    const event: BounceEvent = {
      type: refineBounce(mapped, status, diagnostic),
      source: 'postmark',
      externalId,
      occurredAt: isoTime(payload.BouncedAt, opts.now()),
    };
    const recipient = cleanAddress(payload.Email);
    if (recipient) event.recipient = recipient;
    // Postmark's MessageID is its own id for the message, not ours; ours is only in the dump.
    const original = ourMessageId(payload.Content, ourDomain);
    if (original) event.originalMessageId = original;
    if (status) event.status = status;
    if (diagnostic) event.diagnostic = diagnostic;
    return { kind: 'accept', events: [event] };
  };
}

/** The `user:password` of an `Authorization: Basic …` header, or undefined. */
function basicCredentials(header: string | undefined): string | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  return m ? Buffer.from(m[1]!, 'base64').toString('utf8') : undefined;
}

/**
 * The bounce ID as Postmark wrote it. IDs are 64-bit integers, beyond what a JavaScript number
 * holds exactly, so a large one is taken from the raw body (the top-level `"ID": digits` that
 * parses to the same number) rather than from the parsed, rounded value.
 */
function bounceId(payload: Record<string, unknown>, raw: Buffer): string | undefined {
  const id = payload.ID;
  if (typeof id === 'string' && /^[\w-]{1,64}$/.test(id)) return id;
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) return undefined;
  if (Number.isSafeInteger(id)) return String(id);
  for (const m of raw.toString('utf8').matchAll(/"ID"\s*:\s*(\d{1,20})\b/g)) {
    if (Number(m[1]) === id) return m[1];
  }
  return undefined;
}

/**
 * Our Message-ID in the bounce dump (`Content`, sent when the webhook includes it): the returned
 * headers of the original message. Only an ID in our own domain counts: the dump also carries the
 * bounce message's own Message-ID, written by the remote server.
 */
function ourMessageId(content: unknown, ourDomain: string | undefined): string | undefined {
  if (typeof content !== 'string' || !ourDomain) return undefined;
  for (const m of content.slice(0, 200_000).matchAll(/^Message-ID:[ \t]*(<[^<>\r\n]+>)/gim)) {
    const id = cleanMessageId(m[1]);
    if (id?.toLowerCase().endsWith(`@${ourDomain}`)) return id;
  }
  return undefined;
}
