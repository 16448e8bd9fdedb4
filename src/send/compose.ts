/**
 * Build the MIME message once per variant, then copy it per recipient with only their fields
 * filled in. nodemailer's MailComposer builds the message with placeholders for the recipient
 * address, the Message-ID and the unsubscribe token; we record where each placeholder landed
 * (quoted-printable may have wrapped it across a soft line break) and splice values in.
 *
 * Tokens have a fixed length per purpose and the placeholder has the same length, so body
 * lines keep their length and the quoted-printable encoding stays valid. Header values may vary.
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import { AppError } from '../errors.js';
import type { MessageTemplate, Recipient } from '../pipeline/ports.js';
import { tokenLength } from '../subscriptions/tokens.js';

const TOKEN_PLACEHOLDER = 'ZZPBTOKENZZ'.padEnd(tokenLength('unsubscribe'), 'q');
const RCPT_PLACEHOLDER = 'zzpbrcptzz@paperboy.invalid';
const MSGID_PLACEHOLDER = 'ZZPBMSGIDZZ';

/** What the composer needs to know about the message, beyond the rendered parts. */
export interface ComposeInput {
  from: string;
  subject: string;
  html: string;
  text: string;
  /** URL template containing {@link TOKEN_PLACEHOLDER}, from `unsubscribeUrl()`. */
  unsubscribeUrl: string;
  /** Domain for Message-IDs. */
  messageIdDomain: string;
  date?: Date;
}

type Slot = 'to' | 'messageId' | 'token';
type Piece = Buffer | { slot: Slot; breaks: number[] };

/** The unsubscribe URL with the token placeholder; render the template with this. */
export function unsubscribeUrlTemplate(publicUrl: string): string {
  return `${publicUrl}/unsubscribe/${TOKEN_PLACEHOLDER}`;
}

/** Builds the MIME message once; `personalise` is then a few buffer copies per recipient. */
export async function composeTemplate(input: ComposeInput): Promise<MessageTemplate> {
  if (!input.unsubscribeUrl.includes(TOKEN_PLACEHOLDER)) throw new Error('unsubscribeUrl must contain the token placeholder');
  const mail = new MailComposer({
    from: input.from,
    to: RCPT_PLACEHOLDER,
    subject: input.subject,
    messageId: `<${MSGID_PLACEHOLDER}@${input.messageIdDomain}>`,
    date: input.date ?? new Date(),
    text: input.text,
    html: input.html,
    textEncoding: 'quoted-printable',
    disableFileAccess: true,
    disableUrlAccess: true,
    headers: {
      'List-Unsubscribe': `<${input.unsubscribeUrl}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  });
  const raw: Buffer = await mail.compile().build();
  const pieces = splitAtSlots(raw);
  const counts = { to: 0, messageId: 0, token: 0 };
  for (const p of pieces) if (!Buffer.isBuffer(p)) counts[p.slot]++;
  // List-Unsubscribe header, HTML link, text link: the token must appear at least three times.
  const leftover = pieces.some((p) => Buffer.isBuffer(p) && p.includes('ZZPB'));
  if (counts.to !== 1 || counts.messageId !== 1 || counts.token < 3 || leftover) {
    throw new AppError('INTERNAL', `prebuilt message lost a placeholder (to=${counts.to} id=${counts.messageId} token=${counts.token})`);
  }
  return {
    size: raw.length,
    personalise: (r: Recipient) => personalise(pieces, r),
  };
}

function personalise(pieces: Piece[], r: Recipient): Buffer {
  if (r.unsubscribeToken.length !== TOKEN_PLACEHOLDER.length) throw new Error('token length does not match its placeholder');
  if (/[\r\n\0\s<>]/.test(r.email) || /[\r\n\0\s<>]/.test(r.messageId)) throw new Error('recipient field contains a forbidden character');
  const values: Record<Slot, string> = { to: r.email, messageId: `<${r.messageId}>`, token: r.unsubscribeToken };
  const parts = pieces.map((p) => {
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
  return Buffer.concat(parts);
}

/** Cuts the message at every placeholder, remembering soft line breaks inside body tokens. */
function splitAtSlots(raw: Buffer): Piece[] {
  const text = raw.toString('latin1');
  const softBreak = '(?:=\\r\\n)?';
  const tokenPattern = TOKEN_PLACEHOLDER.split('').join(softBreak);
  const re = new RegExp(`(${escape(RCPT_PLACEHOLDER)})|(<${MSGID_PLACEHOLDER}@[^>\\s]+>)|(${tokenPattern})`, 'g');
  const pieces: Piece[] = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    pieces.push(raw.subarray(last, m.index));
    if (m[1]) pieces.push({ slot: 'to', breaks: [] });
    else if (m[2]) pieces.push({ slot: 'messageId', breaks: [] });
    else pieces.push({ slot: 'token', breaks: breaksIn(m[3]!) });
    last = m.index + m[0].length;
  }
  pieces.push(raw.subarray(last));
  return pieces;
}

/** Positions (in placeholder characters) where "=\r\n" interrupts a matched placeholder. */
function breaksIn(matched: string): number[] {
  const breaks: number[] = [];
  let chars = 0;
  for (let i = 0; i < matched.length; ) {
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

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
