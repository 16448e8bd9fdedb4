/**
 * What the bounce processor works with: one event per report that came back about a delivery
 * (an asynchronous bounce, a complaint), from wherever it came (the IMAP bounce mailbox, a
 * provider's webhook, or the SMTP session itself). Events are appended to the store, never
 * rewritten; the policy (`policy.ts`) decides from them whom to suppress.
 */

/** Where an event came from. */
export type EventSource = 'smtp' | 'imap' | 'ses' | 'postmark' | 'resend';

/** What the report says happened. */
export type EventType =
  /** The address is dead for good (5.1.x, 5.2.1, user unknown): suppress at once. */
  | 'hard-bounce'
  /** A temporary failure that outlived the sender's retries (mailbox full, 4.x.x): 3 of the last 5 sends suppress. */
  | 'soft-bounce'
  /** The reader marked the mail as spam (ARF, a provider's complaint): suppress at once, counts toward the complaint rate. */
  | 'complaint'
  /**
   * The receiving side refused the *sender* (5.7.x policy, reputation, DMARC, a blocklist): the
   * reader is not at fault and is never suppressed; the operator must act.
   */
  | 'sender-refusal';

/** One report about one delivery, as parsed or received; not yet matched to a delivery. */
export interface BounceEvent {
  type: EventType;
  source: EventSource;
  /**
   * Unique per report, so that processing the same report twice stores one event: the bounce
   * mail's Message-ID (or a hash of its bytes), the provider's event or message id.
   */
  externalId: string;
  /** When the report says it happened (ISO 8601); the receipt time when it says nothing. */
  occurredAt: string;
  /** The address that failed or complained, as the report gives it (lower-cased), if it does. */
  recipient?: string;
  /** The VERP token from the return path `bounces+TOKEN@BOUNCE_DOMAIN`, if the report carried it. */
  verpToken?: string;
  /** The Message-ID of the message that bounced (without angle brackets), from the returned headers. */
  originalMessageId?: string;
  /** The enhanced status code (RFC 3463), e.g. "5.1.1", when there is one. */
  status?: string;
  /** The remote server's reply or the report's explanation, on one line, at most 300 characters. */
  diagnostic?: string;
  /** ARF Feedback-Type (abuse, fraud, …) for complaints. */
  feedbackType?: string;
}

/** A parsed bounce-mailbox message: an event, one that needs nothing done, or one that cannot be read. */
export type ParsedReport =
  | { kind: 'event'; event: BounceEvent }
  /** An auto-reply (RFC 3834: out of office, vacation) or a delivery report that says "delivered"/"delayed": nothing to do. */
  | { kind: 'ignored'; reason: string }
  /** Not a report this parser understands, or one without any way to match it: set aside for a human. */
  | { kind: 'unreadable'; reason: string };
