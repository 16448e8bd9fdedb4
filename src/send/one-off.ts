/**
 * One-off messages, each built whole for one person (the double opt-in and welcome emails, the
 * operator's alerts), unlike the digest's template built once per variant (`compose.ts`): built by
 * nodemailer's MailComposer and handed to the same Mailer as the digests, as one buffer.
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import type { OutgoingMessage } from '../pipeline/ports.js';
import { dotStuff } from './compose.js';

/** What a one-off message holds. */
export interface OneOffMessage {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  /** Without angle brackets: `local@domain`. */
  messageId: string;
  /** For list mail (the welcome email): the one-click unsubscribe URL (RFC 8058). */
  unsubscribeUrl?: string;
  /** A file-system-safe name for outbox files. */
  name: string;
  date?: Date;
}

/** Builds the one-off message; `envelopeFrom` is the bare address of MAIL_FROM. */
export async function composeOneOff(m: OneOffMessage, envelopeFrom: string): Promise<OutgoingMessage> {
  const mail = new MailComposer({
    from: m.from,
    to: m.to,
    subject: m.subject,
    messageId: `<${m.messageId}>`,
    date: m.date ?? new Date(),
    text: m.text.replace(/\r?\n/g, '\r\n'),
    html: m.html.replace(/\r?\n/g, '\r\n'),
    textEncoding: 'quoted-printable',
    disableFileAccess: true,
    disableUrlAccess: true,
    ...(m.unsubscribeUrl ? { headers: { 'List-Unsubscribe': `<${m.unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } } : {}),
  });
  const raw: Buffer = await mail.compile().build();
  const data = dotStuff(raw);
  return { from: envelopeFrom, to: m.to, raw: () => [raw], data: () => [data], name: m.name };
}
