/**
 * Bounce mail as a receiving server writes it, or as a forger would: an RFC 3464 delivery status
 * notification (with the returned message's headers) and an RFC 5965 feedback report (ARF).
 * Written from the RFCs and from the shape of the real samples in fixtures/bounces/ (Postfix's
 * DSN, a mailbox provider's ARF report), independently of `src/`, so that the tests can say
 * exactly which keys a report carries: the VERP address it is mailed to, the Message-ID of the
 * returned message, the address it names.
 */

/** What a delivery status notification says, and which keys it carries. */
export interface DsnSpec {
  /** Where the report is mailed: a VERP return path `bounces+TOKEN@…`, or any other address. */
  to: string;
  /** The address the report says failed. */
  recipient: string;
  /** Enhanced status code, e.g. "5.1.1". */
  status: string;
  /** The remote server's reply, e.g. "550 5.1.1 <a@b>: User unknown". */
  diagnostic: string;
  /** The report's own Message-ID (its identity: one event per report). */
  id: string;
  /** The Message-ID of the returned message, when the report returns its headers. */
  originalMessageId?: string;
  /** Extra raw header lines on the report itself. */
  headers?: string[];
  /** When the report was written (default: now). */
  date?: Date;
}

/** An RFC 5322 date. */
const rfc5322 = (d: Date) => d.toUTCString().replace('GMT', '+0000');

/** A Postfix-style DSN (multipart/report; report-type=delivery-status), CRLF line ends. */
export function dsnMail(s: DsnSpec): string {
  const boundary = `dsn-${s.id.replace(/[^A-Za-z0-9]/g, '').slice(0, 30)}`;
  const date = rfc5322(s.date ?? new Date());
  const returned = [
    `Return-Path: <${s.to}>`,
    'From: Paperboy <digest@example.org>',
    `To: ${s.recipient}`,
    'Subject: Trending papers',
    ...(s.originalMessageId ? [`Message-ID: <${s.originalMessageId}>`] : []),
    `Date: ${date}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
  ];
  return [
    `Date: ${date}`,
    'From: Mail Delivery System <MAILER-DAEMON@mx.receiver.example>',
    'Subject: Undelivered Mail Returned to Sender',
    `To: ${s.to}`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    `Message-Id: <${s.id}>`,
    ...(s.headers ?? []),
    '',
    'This is a MIME-encapsulated message.',
    '',
    `--${boundary}`,
    'Content-Description: Notification',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'This is the mail system at host mx.receiver.example.',
    '',
    "I'm sorry to have to inform you that your message could not",
    'be delivered to one or more recipients.',
    '',
    `<${s.recipient}>: host mx.receiver.example said: ${s.diagnostic} (in reply to RCPT TO command)`,
    '',
    `--${boundary}`,
    'Content-Description: Delivery report',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.receiver.example',
    `Arrival-Date: ${date}`,
    '',
    `Final-Recipient: rfc822; ${s.recipient}`,
    `Original-Recipient: rfc822;${s.recipient}`,
    'Action: failed',
    `Status: ${s.status}`,
    'Remote-MTA: dns; mx.receiver.example',
    `Diagnostic-Code: smtp; ${s.diagnostic}`,
    '',
    `--${boundary}`,
    'Content-Description: Undelivered Message Headers',
    'Content-Type: text/rfc822-headers',
    '',
    ...returned,
    '',
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

/** What a feedback report (a complaint) says, and which keys it carries. */
export interface ArfSpec {
  /** Where the report is mailed (a feedback-loop address, or the VERP return path). */
  to: string;
  /** Original-Rcpt-To: the reader who complained, as the report names them. */
  recipient: string;
  /** The report's own Message-ID. */
  id: string;
  /** The Message-ID of the reported message, when the report returns it. */
  originalMessageId?: string;
  /** When the report was written (default: now). */
  date?: Date;
}

/** An RFC 5965 abuse report with the reported message's headers, CRLF line ends. */
export function arfMail(s: ArfSpec): string {
  const boundary = `arf-${s.id.replace(/[^A-Za-z0-9]/g, '').slice(0, 30)}`;
  const date = rfc5322(s.date ?? new Date());
  return [
    `Date: ${date}`,
    'From: Feedback Loop <fbl@receiver.example>',
    `To: ${s.to}`,
    'Subject: Email Feedback Report',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=feedback-report; boundary="${boundary}"`,
    `Message-ID: <${s.id}>`,
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=US-ASCII',
    '',
    'This is an email abuse report for a message received from your IP address.',
    '',
    `--${boundary}`,
    'Content-Type: message/feedback-report',
    '',
    'Feedback-Type: abuse',
    'User-Agent: ReceiverFBL/1.0',
    'Version: 1',
    `Original-Rcpt-To: <${s.recipient}>`,
    `Arrival-Date: ${date}`,
    'Source-IP: 192.0.2.25',
    '',
    `--${boundary}`,
    'Content-Type: text/rfc822-headers',
    '',
    'From: Paperboy <digest@example.org>',
    `To: ${s.recipient}`,
    'Subject: Trending papers',
    ...(s.originalMessageId ? [`Message-ID: <${s.originalMessageId}>`] : []),
    `Date: ${date}`,
    '',
    `--${boundary}--`,
    '',
  ].join('\r\n');
}

/** A reply that refuses the *sender* (a spam verdict on our IP), as Gmail words it. */
export const SPAM_REFUSAL =
  '550 5.7.1 [192.0.2.25] Our system has detected that this message is likely unsolicited mail. To reduce the amount of spam sent to Gmail, this message has been blocked.';
/** A reply that says the address is dead. */
export const USER_UNKNOWN = (a: string) => `550 5.1.1 <${a}>: Recipient address rejected: User unknown in virtual mailbox table`;
