/**
 * Reading complaints: the fields of an RFC 5965 feedback report (ARF), the two common
 * complaint formats that are not ARF (Microsoft's JMRP, Apple Mail's unsubscribe message), and
 * Amazon SES notifications mailed through SNS (bounce, complaint or delivery, as JSON).
 */
import { addressOf, field, type BounceReading, type Field } from './dsn.js';

/** What a complaint says, before it becomes an event; or why it is not a reader's complaint. */
export type ComplaintReading = { kind: 'complaint'; feedbackType: string; recipient?: string; date?: string } | { kind: 'not-complaint'; reason: string };

/**
 * The verdict of a feedback report's fields. "auth-failure" (RFC 6591) reports our failed
 * SPF/DKIM/DMARC, often on mail that was delivered ("Delivery-Result: delivered"): that is the
 * operator's problem, never the reader's, so it must not suppress anyone; "not-spam" is the
 * opposite of a complaint.
 */
export function readFeedbackReport(groups: readonly Field[][]): ComplaintReading {
  const all = groups.flat();
  const feedbackType = (field(all, 'feedback-type') ?? 'abuse').toLowerCase().split(/[\s;]/)[0]!;
  if (feedbackType === 'auth-failure') {
    return { kind: 'not-complaint', reason: 'ARF auth-failure report: about our authentication, not a complaint by the reader' };
  }
  if (feedbackType === 'not-spam') return { kind: 'not-complaint', reason: 'ARF not-spam report: the reader rescued the message' };
  // Removal-Recipient is from the ARF draft that some receivers still send with "opt-out".
  const recipient = addressOf(field(all, 'original-rcpt-to')) ?? addressOf(field(all, 'removal-recipient'));
  const date = field(all, 'arrival-date') ?? field(all, 'received-date');
  return { kind: 'complaint', feedbackType, recipient, date };
}

/**
 * Complaints in a format of their own: Outlook.com's JMRP wraps the reported message in
 * message/rfc822 and names the reader in X-HmXmrOriginalRecipient; Apple Mail's unsubscribe
 * message (X-Apple-Unsubscribe) comes from the reader, asking to be removed.
 */
export function readForeignComplaint(top: readonly Field[], returned: readonly Field[] | undefined): ComplaintReading | undefined {
  const jmrp = returned && field(returned, 'x-hmxmroriginalrecipient');
  if (jmrp) return { kind: 'complaint', feedbackType: 'abuse', recipient: addressOf(jmrp) };
  if (/^true$/i.test(field(top, 'x-apple-unsubscribe') ?? '')) {
    return { kind: 'complaint', feedbackType: 'opt-out', recipient: addressOf(field(top, 'from')) };
  }
  return undefined;
}

/** An Amazon SES notification, read from an SNS email (raw JSON, or the SNS envelope). */
export type SesReading =
  | { kind: 'bounce'; reading: BounceReading; permanent: boolean; messageId?: string }
  | { kind: 'complaint'; reading: ComplaintReading; messageId?: string }
  | { kind: 'not-failed'; reason: string };

interface SesMail {
  commonHeaders?: { messageId?: string };
  headers?: { name?: string; value?: string }[];
}
interface SesNotification {
  notificationType?: string;
  eventType?: string;
  bounce?: { bounceType?: string; timestamp?: string; bouncedRecipients?: { emailAddress?: string; status?: string; diagnosticCode?: string }[] };
  complaint?: { complaintFeedbackType?: string; timestamp?: string; complainedRecipients?: { emailAddress?: string }[] };
  mail?: SesMail;
}

/** The notification in a text body, or undefined when the body is not one. */
export function readSesNotification(text: string): SesReading | undefined {
  const n = sesJson(text);
  const type = n?.notificationType ?? n?.eventType;
  if (!n || !type) return undefined;
  const messageId = originalId(n.mail);
  if (type === 'Bounce' && n.bounce) {
    const r = n.bounce.bouncedRecipients?.[0];
    const diagnostic = r?.diagnosticCode?.replace(/^[\w-]+;\s*/, '');
    const reading: BounceReading = { kind: 'failed', recipient: addressOf(r?.emailAddress), status: r?.status, diagnostic, date: n.bounce.timestamp };
    return { kind: 'bounce', reading, permanent: n.bounce.bounceType === 'Permanent', messageId };
  }
  if (type === 'Complaint' && n.complaint) {
    const recipient = addressOf(n.complaint.complainedRecipients?.[0]?.emailAddress);
    const feedbackType = (n.complaint.complaintFeedbackType ?? 'abuse').toLowerCase();
    return { kind: 'complaint', reading: { kind: 'complaint', feedbackType, recipient, date: n.complaint.timestamp }, messageId };
  }
  return { kind: 'not-failed', reason: `Amazon SES ${type} notification` };
}

function sesJson(text: string): SesNotification | undefined {
  const start = text.indexOf('{');
  if (start < 0 || !/notificationType|eventType/.test(text)) return undefined;
  // SNS appends "--\nIf you wish to stop receiving notifications…"; mail transport folds long lines.
  const body = text.slice(start).split(/\r?\n--\s*\r?\n/)[0]!;
  for (const candidate of [body, body.replace(/\r?\n[ \t]/g, '')]) {
    try {
      const parsed = JSON.parse(candidate) as { Type?: string; Message?: string } & SesNotification;
      return typeof parsed.Message === 'string' ? (JSON.parse(parsed.Message) as SesNotification) : parsed;
    } catch {
      // try the next form
    }
  }
  return undefined;
}

function originalId(mail: SesMail | undefined): string | undefined {
  const id = mail?.commonHeaders?.messageId ?? mail?.headers?.find((h) => h.name?.toLowerCase() === 'message-id')?.value;
  return id?.replace(/^\s*<|>\s*$/g, '') || undefined;
}
