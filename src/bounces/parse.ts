/**
 * One message from the bounce mailbox → what it reports: a bounce or a complaint about one
 * delivery (with the keys to match it: the VERP token, the original Message-ID, the address),
 * nothing to do (an auto-reply, a delay notice), or something a person must look at. mailparser
 * reads the MIME; `dsn.ts` and `arf.ts` read the report fields it leaves as text.
 *
 * It never throws: the mailbox holds whatever the Internet sent, and one broken message must
 * not stop the worker from reading the next.
 */
import { createHash } from 'node:crypto';
import { simpleParser, type ParsedMail } from 'mailparser';
import { readFeedbackReport, readForeignComplaint, readSesNotification, type ComplaintReading } from './arf.js';
import {
  RETURNED_MESSAGE,
  addressOf,
  explainFailure,
  field,
  readDeliveryStatus,
  readFieldGroups,
  readPlainBounce,
  type BounceReading,
  type Field,
  type PlainHints,
} from './dsn.js';
import type { BounceEvent } from '../domain.js';
import { explanationLines, isAutoReply, isChallengeResponse, looksLikeBounce, verdictOf } from './verdict.js';

/** A parsed bounce-mailbox message: an event, one that needs nothing done, or one that cannot be read. */
export type ParsedReport =
  | { kind: 'event'; event: BounceEvent }
  /** An auto-reply (RFC 3834: out of office, vacation) or a delivery report that says "delivered"/"delayed": nothing to do. */
  | { kind: 'ignored'; reason: string }
  /** Not a report this parser understands, or one without any way to match it: set aside for a human. */
  | { kind: 'unreadable'; reason: string };

/** What the caller knows that the message does not say. */
export interface ParseOptions {
  /** The domain of the VERP return path (`bounces+TOKEN@bounceDomain`); any domain when unset. */
  bounceDomain?: string;
  /** When the message was fetched: the event's time when the report states none. */
  receivedAt: Date;
}

/** Larger than any bounce; beyond it a message is set aside unread rather than parsed. */
const MAX_BYTES = 25 * 1024 * 1024;

/**
 * Parse one bounce-mailbox message (RFC 3464 DSN, RFC 5965 ARF, RFC 3834 auto-reply, or one of
 * the non-standard bounces real servers send) into a {@link ParsedReport}. Never rejects.
 */
export async function parseReport(raw: Buffer, opts: ParseOptions): Promise<ParsedReport> {
  if (!raw || raw.length === 0) return { kind: 'unreadable', reason: 'empty message' };
  if (raw.length > MAX_BYTES) return { kind: 'unreadable', reason: `message too large (${raw.length} bytes)` };
  try {
    return await read(raw, opts);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { kind: 'unreadable', reason: `could not parse: ${oneLine(why, 200)}` };
  }
}

/** Everything the readers below need from one message. */
interface Message {
  mail: ParsedMail;
  top: Field[];
  text: string;
  returned?: Field[];
  base: Omit<BounceEvent, 'type'>;
}

async function read(raw: Buffer, opts: ParseOptions, nested = false): Promise<ParsedReport> {
  const rawText = raw.toString('latin1');
  const split = /\r?\n\r?\n/.exec(rawText);
  const top = readFieldGroups(split ? rawText.slice(0, split.index) : rawText)[0] ?? [];
  if (!top.some((f) => ['from', 'date', 'subject', 'message-id', 'to'].includes(f.name))) {
    return { kind: 'unreadable', reason: 'not a mail message: no From, Date, Subject, Message-ID or To header' };
  }
  const rawBody = split ? rawText.slice(split.index + split[0].length) : '';
  const mail = await simpleParser(raw, { keepDeliveryStatus: true, skipTextToHtml: true, skipImageLinks: true });
  const text = mail.text?.trim() ? mail.text : rawBody;
  const returned = returnedHeaders(mail, rawBody, text);
  const base = keys(raw, mail, top, { rawText, rawBody }, returned, opts);
  const msg: Message = { mail, top, text, returned, base };
  const report = classify(msg, opts, rawBody);
  // A report that said nothing itself may carry the real one as an attachment.
  const said = report.kind === 'event' && (report.event.recipient || report.event.diagnostic);
  const wrapped = nested || said ? undefined : wrappedReport(mail);
  const inner = wrapped ? await read(wrapped, opts, true) : undefined;
  return inner?.kind === 'event' ? inner : report;
}

/**
 * A delivery report forwarded whole as an attachment (a gateway that relays the DSN it
 * received, InterScan's approved-list forwarding): read the attached report, once.
 */
function wrappedReport(mail: ParsedMail): Buffer | undefined {
  const head = (a: { content: Buffer }) => a.content.subarray(0, 8192).toString('latin1');
  return mail.attachments.find((a) => /^message\/rfc822$/i.test(a.contentType) && /^content-type:\s*multipart\/report/im.test(head(a)))?.content;
}

function classify(msg: Message, opts: ParseOptions, rawBody: string): ParsedReport {
  const { mail, top } = msg;
  const contentType = mail.headers.get('content-type') as { params?: Record<string, string> } | undefined;
  const reportType = (contentType?.params?.['report-type'] ?? '').toLowerCase();
  const parts = (type: RegExp) => mail.attachments.filter((a) => type.test(a.contentType)).map((a) => a.content.toString('utf8'));

  const feedback = parts(/^message\/feedback-report$/i);
  if (feedback.length || reportType === 'feedback-report') {
    // Without the part (broken MIME), the fields may still be in the raw text.
    const texts = feedback.length ? feedback : [embeddedFrom(rawBody, /^Feedback-Type:/im)];
    return complaint(msg, readFeedbackReport(texts.flatMap((t) => readFieldGroups(t))), opts);
  }
  const foreign = readForeignComplaint(top, msg.returned);
  if (foreign) return complaint(msg, foreign, opts);

  // mailparser's subject: decoded from RFC 2047 words, which the raw header may hold.
  const hints = plainHints(top, mail.subject ?? field(top, 'subject') ?? '');

  const status = parts(/^message\/(?:global-)?delivery-status$/i);
  const reading = status.length ? readDeliveryStatus(status.flatMap((t) => readFieldGroups(t))) : undefined;
  if (reading?.kind === 'failed' && (!reading.recipient || !reading.diagnostic)) {
    // Fields without an address (a pipe, a file) or a reason: the human part usually says.
    const told = explainFailure(msg.text, hints);
    const filled = { ...reading, recipient: reading.recipient ?? told.recipient, diagnostic: reading.diagnostic ?? told.diagnostic };
    return bounce(msg, filled, opts);
  }
  if (reading) return bounce(msg, reading, opts);

  const ses = readSesNotification(msg.text);
  if (ses?.kind === 'not-failed') return { kind: 'ignored', reason: ses.reason };
  if (ses) {
    const withId = { ...msg, base: { ...msg.base, originalMessageId: msg.base.originalMessageId ?? ses.messageId } };
    if (ses.kind === 'complaint') return complaint(withId, ses.reading, opts);
    return bounce(withId, ses.reading, opts, !ses.permanent);
  }

  // Bounces first: Exim marks its bounces "Auto-Submitted: auto-replied" too.
  const bounceLike = status.length > 0 || reportType === 'delivery-status' || hints.failedRecipients.length > 0 || looksLikeBounce(top, hints.subject);
  if (!bounceLike && isAutoReply(top, hints.subject)) return { kind: 'ignored', reason: 'auto-reply (RFC 3834)' };
  if (/^Postfix SMTP server: errors from/i.test(hints.subject)) {
    return { kind: 'ignored', reason: "Postfix's error transcript for the postmaster, not about a delivery" };
  }
  if (!bounceLike && isChallengeResponse(explanationLines(msg.text, hints.subject), undefined)) {
    return { kind: 'ignored', reason: 'a challenge-response filter asks the sender to verify itself: not a bounce' };
  }
  if (!bounceLike) return { kind: 'unreadable', reason: 'not a delivery report, a complaint or an auto-reply' };
  return bounce(msg, readPlainBounce(msg.text, hints), opts);
}

function plainHints(top: Field[], subject: string): PlainHints {
  const failedRecipients = (field(top, 'x-failed-recipients') ?? '')
    .split(',')
    .map((a) => addressOf(a))
    .filter((a): a is string => !!a);
  const ownAddresses = top
    .filter((f) => ['from', 'to', 'reply-to', 'sender', 'delivered-to', 'x-original-to'].includes(f.name))
    .flatMap((f) => f.value.match(/[^\s<>,;:"]+@[^\s<>,;:"]+/g) ?? []);
  return { subject, failedRecipients, ownAddresses };
}

/** `transientOnly`: the reporter says the failure was not permanent (SES "Transient"). */
function bounce(msg: Message, reading: BounceReading, opts: ParseOptions, transientOnly = false): ParsedReport {
  if (reading.kind === 'not-failed') return { kind: 'ignored', reason: reading.reason };
  const diagnostic = reading.diagnostic ? oneLine(reading.diagnostic, 300) : undefined;
  const explanation = explanationLines(msg.text, msg.mail.subject ?? '');
  if (isChallengeResponse(explanation, diagnostic)) {
    return { kind: 'ignored', reason: 'a challenge-response filter asks the sender to verify itself: not a bounce' };
  }
  const verdict = verdictOf({ diagnostic, status: reading.status }, explanation, transientOnly);
  const occurredAt = when(reading.date, msg, opts);
  const event: BounceEvent = { type: verdict.type, ...msg.base, recipient: reading.recipient ?? msg.base.recipient, occurredAt };
  if (verdict.status) event.status = verdict.status;
  if (verdict.diagnostic) event.diagnostic = oneLine(verdict.diagnostic, 300);
  return withKeys(event);
}

function complaint(msg: Message, reading: ComplaintReading, opts: ParseOptions): ParsedReport {
  if (reading.kind === 'not-complaint') return { kind: 'ignored', reason: reading.reason };
  // A report without Original-Rcpt-To still returns the message: its To is the reader.
  const recipient = reading.recipient ?? addressOf(msg.returned && field(msg.returned, 'to'));
  const occurredAt = when(reading.date, msg, opts);
  const event: BounceEvent = { type: 'complaint', ...msg.base, feedbackType: reading.feedbackType, occurredAt };
  if (recipient) event.recipient = recipient;
  return withKeys(event);
}

/** An event with nothing to match it to is useless to the store: set it aside for a person. */
function withKeys(event: BounceEvent): ParsedReport {
  for (const k of ['recipient', 'verpToken', 'originalMessageId', 'status', 'diagnostic', 'feedbackType'] as const) {
    if (event[k] === undefined) delete event[k];
  }
  if (!event.recipient && !event.verpToken && !event.originalMessageId) {
    return { kind: 'unreadable', reason: `${event.type} without a recipient, a VERP token or the original Message-ID` };
  }
  return { kind: 'event', event };
}

/** The keys that match a report to a delivery, and the report's own id (for idempotence). */
function keys(
  raw: Buffer,
  mail: ParsedMail,
  top: Field[],
  texts: { rawText: string; rawBody: string },
  returned: Field[] | undefined,
  opts: ParseOptions,
): Omit<BounceEvent, 'type'> {
  const ownId = mail.messageId?.replace(/^<|>$/g, '').trim();
  // Failing a returned part, the first Message-ID header line in the body: the copy's.
  const inBody = /^Message-I[Dd]:[ \t]*(?:\r?\n[ \t]+)?(<[^>\r\n]+>)/m.exec(texts.rawBody)?.[1];
  return {
    source: 'imap',
    externalId: ownId || `sha256:${createHash('sha256').update(raw).digest('hex')}`,
    occurredAt: opts.receivedAt.toISOString(),
    verpToken: verpToken(top, texts.rawText, opts.bounceDomain),
    originalMessageId: messageIdOf(returned && field(returned, 'message-id')) ?? messageIdOf(inBody),
  };
}

/** The token of `bounces+TOKEN@domain`: the bounce is mailed *to* that address, so its envelope
 * headers hold it; failing that, anywhere in the message (a returned copy's Return-Path). */
function verpToken(top: Field[], rawText: string, domain: string | undefined): string | undefined {
  const host = domain ? domain.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : '[A-Za-z0-9.-]+';
  // Not followed by more host name: bounces+x@bounces.example.org.elsewhere.net is not ours.
  const re = new RegExp(`\\bbounces\\+([A-Za-z0-9._=-]+)@${host}(?![\\w-]|\\.[\\w-])`, 'i');
  const envelope = top.filter((f) => ['to', 'delivered-to', 'x-original-to', 'envelope-to', 'x-envelope-to'].includes(f.name));
  for (const f of envelope) {
    const m = re.exec(f.value);
    if (m) return m[1];
  }
  return re.exec(rawText)?.[1];
}

function messageIdOf(value: string | undefined): string | undefined {
  const m = value ? (/<([^<>\s]+)>/.exec(value) ?? /^\s*([^<>\s]+@[^<>\s]+)\s*$/.exec(value)) : null;
  return m?.[1];
}

/** MIME types of a returned message or of its headers (RFC 3462, RFC 6533). */
const RETURNED_TYPE = /^(?:message\/(?:rfc822|global)|text\/rfc822-headers?|message\/global-headers)$/i;
/** Such a part's MIME headers in raw text, up to the blank line before the returned headers. */
const RETURNED_PART = /^Content-Type:[ \t]*(?:message\/rfc822|text\/rfc822-headers?)[^\n]*\n(?:[ \t]*\S[^\n]*\n)*?[ \t]*\r?\n/im;

/**
 * The returned message's headers: a message/rfc822 or text/rfc822-headers part, else the header
 * block after such a part's MIME headers in the raw text (mailparser turns a message/rfc822 part
 * marked inline into text), else the block after a plain-text bounce's "copy of the message".
 */
function returnedHeaders(mail: ParsedMail, rawBody: string, text: string): Field[] | undefined {
  const useful = (g: Field[] | undefined) => (g?.some((f) => f.name === 'message-id' || f.name === 'to') ? g : undefined);
  const headerBlocks = (from: string) => readFieldGroups(from.slice(0, 65_536)).slice(0, 3);
  for (const a of mail.attachments) {
    const g = RETURNED_TYPE.test(a.contentType) ? useful(headerBlocks(a.content.toString('latin1'))[0]) : undefined;
    if (g) return g;
  }
  const part = RETURNED_PART.exec(rawBody);
  const inPart = part ? useful(headerBlocks(rawBody.slice(part.index + part[0].length))[0]) : undefined;
  if (inPart) return inPart;
  const copy = RETURNED_MESSAGE.exec(text);
  if (!copy) return undefined;
  // The copy starts on the line after the separator, sometimes after a blank line or a preamble.
  return headerBlocks(text.slice(text.indexOf('\n', copy.index) + 1)).find((g) => useful(g));
}

/** Report fields pasted as text: from the first line matching `start` to the end. */
function embeddedFrom(text: string, start: RegExp): string {
  const m = start.exec(text);
  return m ? text.slice(m.index) : '';
}

/** The report's own time, if it states a plausible one; else when we received it. */
function when(stated: string | undefined, msg: Message, opts: ParseOptions): string {
  for (const value of [stated, field(msg.top, 'date')]) {
    const ms = value ? Date.parse(value.replace(/\([^)]*\)/g, ' ').trim()) : NaN;
    // A date after receipt is a wrong clock, not information.
    if (Number.isFinite(ms) && ms <= opts.receivedAt.getTime() + 86_400_000) return new Date(ms).toISOString();
  }
  return opts.receivedAt.toISOString();
}

function oneLine(s: string, max: number): string {
  const flat = s
    // eslint-disable-next-line no-control-regex -- a diagnostic is kept on one line: its control characters become spaces
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
