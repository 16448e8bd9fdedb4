/**
 * Build the MIME message once per variant, then copy it per recipient with only their fields
 * filled in. nodemailer's MailComposer builds the message with placeholders for the recipient
 * address, the Message-ID and the unsubscribe and preferences tokens; we record where each placeholder landed
 * (quoted-printable may have wrapped it across a soft line break) and splice values in.
 *
 * Tokens have a fixed length per purpose and the placeholder has the same length, so body
 * lines keep their length and the quoted-printable encoding stays valid. Header values may vary.
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import { AppError } from '../errors.js';
import { preferencesUrl, unsubscribeUrl } from '../lib/urls.js';
import type { MessageTemplate, Recipient } from '../pipeline/ports.js';
import { tokenLength } from '../subscriptions/tokens.js';
import type { DkimSigner, PendingSignature, PreparedDkim } from './dkim.js';

const UNSUB_PLACEHOLDER = 'ZZPBUNSUBZZ'.padEnd(tokenLength('unsubscribe'), 'q');
const PREFS_PLACEHOLDER = 'ZZPBPREFSZZ'.padEnd(tokenLength('preferences'), 'q');
const RCPT_PLACEHOLDER = 'zzpbrcptzz@paperboy.invalid';
const MSGID_PLACEHOLDER = 'ZZPBMSGIDZZ';
/** Signatures asked for ahead and not yet taken, at most (a few batches' worth). */
const MAX_SIGNED_AHEAD = 1000;

/** What the composer needs to know about the message, beyond the rendered parts. */
export interface ComposeInput {
  from: string;
  subject: string;
  html: string;
  text: string;
  /** The List-Unsubscribe URL, from {@link recipientUrls} (it holds the token placeholder). */
  unsubscribeUrl: string;
  /** Domain for Message-IDs. */
  messageIdDomain: string;
  /** The Feedback-ID header (Gmail's feedback loop: `campaign:…:sender`), signed with the rest. */
  feedbackId?: string;
  date?: Date;
  /** Signs each recipient's copy (DKIM), the recipient-independent work done once here. */
  dkim?: DkimSigner;
}

type Slot = 'to' | 'messageId' | 'unsubscribe' | 'preferences';
type Piece = Buffer | { slot: Slot; breaks: number[] };

/** The per-recipient URLs with token placeholders in them: render the variant with these. */
export function recipientUrls(publicUrl: string): { unsubscribeUrl: string; preferencesUrl: string } {
  return { unsubscribeUrl: unsubscribeUrl(publicUrl, UNSUB_PLACEHOLDER), preferencesUrl: preferencesUrl(publicUrl, PREFS_PLACEHOLDER) };
}

/** Builds the MIME message once; `personalise` is then a few buffer copies per recipient. */
export async function composeTemplate(input: ComposeInput): Promise<MessageTemplate> {
  if (!input.unsubscribeUrl.includes(UNSUB_PLACEHOLDER)) throw new Error('unsubscribeUrl must contain the token placeholder');
  const mail = new MailComposer({
    from: input.from,
    to: RCPT_PLACEHOLDER,
    subject: input.subject,
    messageId: `<${MSGID_PLACEHOLDER}@${input.messageIdDomain}>`,
    date: input.date ?? new Date(),
    // nodemailer's quoted-printable keeps bare LFs as they are: hand it CRLF lines.
    text: crlf(input.text),
    html: crlf(input.html),
    textEncoding: 'quoted-printable',
    disableFileAccess: true,
    disableUrlAccess: true,
    headers: {
      'List-Unsubscribe': `<${input.unsubscribeUrl}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      ...(input.feedbackId ? { 'Feedback-ID': input.feedbackId } : {}),
    },
  });
  const raw: Buffer = await mail.compile().build();
  if (/(^|[^\r])\n|\r(?!\n)/.test(raw.toString('latin1'))) throw new AppError('INTERNAL', 'prebuilt message has a bare CR or LF');
  const pieces = splitAtSlots(raw);
  const stuffed = splitAtSlots(dotStuff(raw));
  const counts = { to: 0, messageId: 0, unsubscribe: 0, preferences: 0 };
  for (const p of pieces) if (!Buffer.isBuffer(p)) counts[p.slot]++;
  // List-Unsubscribe header, HTML link, text link: the token must appear at least three times.
  const leftover = pieces.some((p) => Buffer.isBuffer(p) && p.includes('ZZPB'));
  if (counts.to !== 1 || counts.messageId !== 1 || counts.unsubscribe < 3 || leftover) {
    throw new AppError('INTERNAL', `prebuilt message lost a placeholder (${JSON.stringify(counts)})`);
  }
  if (!input.dkim) {
    return {
      size: raw.length,
      signed: false,
      parts: (r: Recipient) => parts(pieces, r),
      dataParts: (r: Recipient) => parts(stuffed, r),
      personalise: (r: Recipient) => Buffer.concat(parts(pieces, r)),
    };
  }
  // The signature covers the message as written (not dot-stuffed) and goes in front of it.
  const dkim = input.dkim.prepare(pieces.map((p) => (Buffer.isBuffer(p) ? p : null)));
  const signed = (r: Recipient) => {
    const own = parts(pieces, r);
    return [dkim.sign(own), ...own];
  };
  const template: MessageTemplate = {
    size: raw.length,
    signed: true,
    parts: signed,
    dataParts: (r: Recipient) => [dkim.sign(parts(pieces, r)), ...parts(stuffed, r)],
    personalise: (r: Recipient) => Buffer.concat(signed(r)),
  };
  return input.dkim.threads === 0 ? template : signingAhead(template, dkim, pieces, stuffed);
}

/**
 * With signing threads: `prepare` asks for a batch's signatures in one message, `dataParts` takes
 * its recipient's (or asks for it alone). Taken entries are forgotten; the cap covers batches
 * abandoned mid-way.
 */
function signingAhead(template: MessageTemplate, dkim: PreparedDkim, pieces: Piece[], stuffed: Piece[]): MessageTemplate {
  const ahead = new Map<string, { r: Recipient; sig: PendingSignature }>();
  const sameRecipient = (a: Recipient, b: Recipient) =>
    a === b || (a.email === b.email && a.unsubscribeToken === b.unsubscribeToken && a.preferencesToken === b.preferencesToken);
  template.prepare = (rs: Recipient[]) => {
    const todo: Recipient[] = [];
    const copies: Buffer[][] = [];
    for (const r of rs) {
      if (ahead.has(r.messageId)) continue;
      try {
        copies.push(parts(pieces, r));
        todo.push(r);
      } catch {
        // A recipient that cannot be filled in fails in dataParts, with the reason.
      }
    }
    dkim.signMany(copies).forEach((sig, i) => {
      sig.promise.catch(() => {}); // handled by whoever takes it; an entry never taken must not crash the process
      ahead.set(todo[i]!.messageId, { r: todo[i]!, sig });
    });
    for (const key of ahead.keys()) {
      if (ahead.size <= MAX_SIGNED_AHEAD) break;
      ahead.delete(key);
    }
  };
  template.dataParts = async (r: Recipient) => {
    const entry = ahead.get(r.messageId);
    ahead.delete(r.messageId);
    const data = parts(stuffed, r);
    if (!entry || !sameRecipient(entry.r, r)) return [await dkim.signMany([parts(pieces, r)])[0]!.promise, ...data];
    // The threads have not started on it: they are behind, so sign it here rather than wait idle.
    if (entry.sig.takeOver()) return [dkim.sign(parts(pieces, r)), ...data];
    return [await entry.sig.promise, ...data];
  };
  return template;
}

function parts(pieces: Piece[], r: Recipient): Buffer[] {
  if (r.unsubscribeToken.length !== UNSUB_PLACEHOLDER.length || r.preferencesToken.length !== PREFS_PLACEHOLDER.length) {
    throw new Error('token length does not match its placeholder');
  }
  if (/[\r\n\0\s<>]/.test(r.email) || /[\r\n\0\s<>]/.test(r.messageId)) throw new Error('recipient field contains a forbidden character');
  const values: Record<Slot, string> = {
    to: r.email,
    messageId: `<${r.messageId}>`,
    unsubscribe: r.unsubscribeToken,
    preferences: r.preferencesToken,
  };
  return pieces.map((p) => {
    if (Buffer.isBuffer(p)) return p;
    const value = values[p.slot];
    if (p.breaks.length === 0) return Buffer.from(value, 'latin1');
    let out = '';
    let from = 0;
    for (const at of p.breaks) {
      out += `${value.slice(from, at)}=\r\n`;
      from = at;
    }
    return Buffer.from(out + value.slice(from), 'latin1');
  });
}

/** Cuts the message at every placeholder, remembering soft line breaks inside body tokens. */
function splitAtSlots(raw: Buffer): Piece[] {
  const text = raw.toString('latin1');
  const softBreak = '(?:=\\r\\n)?';
  const wrapped = (placeholder: string) => placeholder.split('').join(softBreak);
  const re = new RegExp(`(${escape(RCPT_PLACEHOLDER)})|(<${MSGID_PLACEHOLDER}@[^>\\s]+>)|(${wrapped(UNSUB_PLACEHOLDER)})|(${wrapped(PREFS_PLACEHOLDER)})`, 'g');
  const pieces: Piece[] = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    pieces.push(raw.subarray(last, m.index));
    if (m[1]) pieces.push({ slot: 'to', breaks: [] });
    else if (m[2]) pieces.push({ slot: 'messageId', breaks: [] });
    else if (m[3]) pieces.push({ slot: 'unsubscribe', breaks: breaksIn(m[3]) });
    else pieces.push({ slot: 'preferences', breaks: breaksIn(m[4]!) });
    last = m.index + m[0].length;
  }
  pieces.push(raw.subarray(last));
  return pieces;
}

/** Positions (in placeholder characters) where "=\r\n" interrupts a matched placeholder. */
function breaksIn(matched: string): number[] {
  const breaks: number[] = [];
  let chars = 0;
  for (let i = 0; i < matched.length;) {
    if (matched.startsWith('=\r\n', i)) {
      breaks.push(chars);
      i += 3;
    } else {
      chars++;
      i++;
    }
  }
  return breaks;
}

/**
 * SMTP's dot-stuffing, done once per variant: a line that starts with "." gets another. The
 * per-recipient values (address, Message-ID, tokens) never start a line with a dot, so every
 * personalised copy of the stuffed pieces is ready for DATA as it is.
 */
export function dotStuff(raw: Buffer): Buffer {
  const out: Buffer[] = [];
  let from = 0;
  if (raw[0] === 0x2e) {
    out.push(Buffer.from('.'));
  }
  for (let at = raw.indexOf('\r\n.'); at !== -1; at = raw.indexOf('\r\n.', at + 3)) {
    out.push(raw.subarray(from, at + 2), Buffer.from('.'));
    from = at + 2;
  }
  out.push(raw.subarray(from));
  return Buffer.concat(out);
}

function crlf(s: string): string {
  return s.replace(/\r?\n/g, '\r\n');
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
