/**
 * The interfaces the pipeline needs from the outside world. Adapters in `send/`, `render/` and
 * `sources/` implement them; the pipeline never imports nodemailer, React, a parser or a
 * database driver.
 */
import type { DeliveryFailure, Digest, Frequency, Paper } from '../domain.js';

/** What a URL answered last time (ETag, Last-Modified): sent back, an unchanged source answers 304. */
export interface SourceValidators {
  etag?: string;
  lastModified?: string;
}

/**
 * Reads digest sources for ingest: the parsers and fetch of `sources/`, bound to one run's
 * options (format, today's date, …) by the caller (`sources/reader.ts`), so that the pipeline
 * imports neither.
 */
export interface DigestReader {
  /** The URL `source` is fetched from today (`{date}` filled in), or undefined when it is a file. */
  urlOf(source: string): string | undefined;
  /** Reads and validates one source; a URL is sent what it answered last time (`validators`). */
  read(source: string, validators?: SourceValidators): Promise<Digest>;
}

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
  /** Every copy carries its DKIM signature already: the mailer must not sign it again. */
  signed: boolean;
  personalise(r: Recipient): Buffer;
  parts(r: Recipient): Buffer[];
  /**
   * The same message dot-stuffed for SMTP DATA (RFC 5321 4.5.2), ready to write as it is. A
   * signed template may answer with a promise (the signature computed off the main thread).
   */
  dataParts(r: Recipient): Buffer[] | Promise<Buffer[]>;
  /**
   * Optional: the recipients of a batch about to be sent, so that work for them (signatures)
   * can start ahead of their turn. `dataParts` must work whether or not this was called.
   */
  prepare?(rs: Recipient[]): void;
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
  /** The message dot-stuffed for SMTP DATA (a promise when it is still being signed). */
  data(): Buffer[] | Promise<Buffer[]>;
  /** A file-system-safe name for outbox files. */
  name: string;
  /** The bytes carry their DKIM signature already (the mailer must not sign again). */
  signed?: boolean;
}

/** An error from a Mailer, classified in the failure vocabulary (`DeliveryFailure`, `domain.ts`). */
export class SendError extends Error {
  constructor(
    readonly kind: DeliveryFailure,
    message: string,
    readonly responseCode?: number,
    /** The server said when to try again. */
    readonly retryAfterMs?: number,
    /**
     * The whole message, final dot included, was written before the connection was lost
     * without a reply: it may have been delivered, and a retry may make a duplicate.
     */
    readonly maybeDelivered = false,
    /** The enhanced status code of the reply (RFC 3463), when it had one. */
    readonly status?: string,
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
