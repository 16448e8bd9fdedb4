/**
 * The interfaces the pipeline needs from the outside world. Adapters in `send/` and `render/`
 * implement them; the pipeline never imports nodemailer, React or a database driver.
 */
import type { Frequency, Paper } from '../domain.js';

/** The fields that differ between two recipients of the same variant. */
export interface Recipient {
  email: string;
  /** Message-ID without angle brackets: `local@domain`. */
  messageId: string;
  unsubscribeToken: string;
  preferencesToken: string;
}

/**
 * A message built once. `personalise` returns one recipient's full RFC 5322 bytes; `parts`
 * returns the same bytes as a list that shares the unchanged pieces (no copy), for senders that
 * write a list to the socket.
 */
export interface MessageTemplate {
  size: number;
  personalise(r: Recipient): Buffer;
  parts(r: Recipient): Buffer[];
  /** The same message dot-stuffed for SMTP DATA (RFC 5321 4.5.2), ready to write as it is. */
  dataParts(r: Recipient): Buffer[];
}

/** Builds the message template of one variant. */
export type Composer = (variant: {
  subject: string;
  issueDate: string;
  frequency: Frequency;
  papers: Paper[];
  /** The issue, when it exists (not in a dry run): its archive page is linked as "view in browser". */
  issueId?: number;
}) => Promise<MessageTemplate>;

/**
 * One message to hand over: the envelope, and the bytes as parts shared with other recipients
 * (write them in order), built on demand in the form the mailer wants.
 */
export interface OutgoingMessage {
  from: string;
  to: string;
  /** The RFC 5322 message. */
  raw(): Buffer[];
  /** The message dot-stuffed for SMTP DATA. */
  data(): Buffer[];
  /** A file-system-safe name for outbox files. */
  name: string;
}

/** Why a send failed, as the ledger needs to know it. */
export type SendFailure =
  /** The server refused this recipient for good (5xx): failed, address suppressed. */
  | 'permanent'
  /** Try again later (4xx, dropped connection). */
  | 'transient'
  /** The run cannot go on (authentication, sender refused, server unreachable): mark nobody. */
  | 'fatal';

/** An error from a Mailer, classified. */
export class SendError extends Error {
  constructor(
    readonly kind: SendFailure,
    message: string,
    readonly responseCode?: number,
    /** The server said when to try again. */
    readonly retryAfterMs?: number,
    /**
     * The whole message, final dot included, was written before the connection was lost
     * without a reply: it may have been delivered, and a retry may make a duplicate.
     */
    readonly maybeDelivered = false,
  ) {
    super(message);
  }
}

/** Delivers messages: SMTP, or `.eml` files in an outbox folder. */
export interface Mailer {
  /** Checks that delivery can work at all before an issue is written (connects, authenticates). */
  verify(): Promise<void>;
  /** Sends one message; resolves with the server's reply, throws SendError. */
  send(msg: OutgoingMessage): Promise<string>;
  /** How many messages may be in flight at once. */
  readonly concurrency: number;
  /** A human description without secrets ("smtp://mail.example.org:587", "outbox/"). */
  readonly description: string;
  close(): Promise<void>;
}
