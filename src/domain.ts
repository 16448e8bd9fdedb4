/**
 * The nouns of Paperboy, shared by the core and the adapters. Plain data, no behaviour.
 */

/** How often a subscriber gets the digest. */
export type Frequency = 'daily' | 'weekly';
/** Every frequency, daily first. */
export const FREQUENCIES: readonly Frequency[] = ['daily', 'weekly'];

/** Subscriber lifecycle: pending (not yet confirmed) → active → unsubscribed, or suppressed after a hard bounce. */
export type SubscriberStatus = 'pending' | 'active' | 'unsubscribed' | 'suppressed';
/** Every subscriber status, in lifecycle order. */
export const SUBSCRIBER_STATUSES: readonly SubscriberStatus[] = ['pending', 'active', 'unsubscribed', 'suppressed'];

/**
 * How a reader wants their issue ordered: by what they like ('personal'), by what is trending
 * ('trending'), or both ('mix', the default once they have signals).
 */
export type RankingMode = 'personal' | 'trending' | 'mix';
export const RANKING_MODES: readonly RankingMode[] = ['personal', 'trending', 'mix'];

/** A reader's verdict on a paper: "more like this" or "less like this". */
export type SignalKind = 'more' | 'less';
export const SIGNAL_KINDS: readonly SignalKind[] = ['more', 'less'];

/** Links a paper may carry; every one is an http(s) URL. */
export interface PaperLinks {
  page?: string;
  pdf?: string;
  code?: string;
  project?: string;
  thumbnail?: string;
}

/** Optional metadata some sources have (Hugging Face's TL;DR, keywords, code stars…). */
export interface PaperExtra {
  tldr?: string;
  keywords?: string[];
  stars?: number;
  organization?: string;
  categories?: string[];
}

/** A paper as a source yields it, before it has an id or a place in the store. */
export interface PaperInput {
  title: string;
  abstract: string;
  authors: string[];
  arxivId?: string;
  links: PaperLinks;
  upvotes?: number;
  publishedAt?: string;
  extra: PaperExtra;
  /** A new version of a paper announced before (arXiv "replace"): ingest skips it once the paper was sent. */
  revision?: boolean;
}

/** A parsed digest: what one source says today. */
export interface Digest {
  /** Where it came from (path or URL), recorded on each paper as `source`. */
  source: string;
  /** The digest's own byline ("byAK and the research community"), when it has one. */
  byline?: string;
  /** The digest's date as YYYY-MM-DD, when it has one. */
  date?: string;
  papers: PaperInput[];
  /** Problems that did not stop the parse (a dropped `javascript:` link, a duplicate paper). */
  warnings: string[];
  /** For a URL: the validators to send next time, or that the server said nothing changed (304). */
  fetched?: { etag?: string; lastModified?: string; notModified: boolean };
}

/** A paper in the store. `seq` grows with every paper added and decides what is "new". */
export interface Paper extends PaperInput {
  id: string;
  titleKey: string;
  seq: number;
  firstSeenAt: string;
  updatedAt: string;
  source: string;
}

/** A person on the list. */
export interface Subscriber {
  id: number;
  email: string;
  status: SubscriberStatus;
  topics: string[];
  frequency: Frequency;
  createdAt: string;
  updatedAt: string;
  confirmedAt: string | null;
  unsubscribedAt: string | null;
  /** When the last confirmation email went out (double opt-in), if any. */
  confirmSentAt: string | null;
  /** IANA time zone name (`Europe/Paris`), or null: the configured `TZ` applies. */
  timezone: string | null;
  /** How the reader wants their issue ordered; null: the default (a mix once they have signals). */
  ranking: RankingMode | null;
}

// Events: what came back about a delivery (an asynchronous bounce, a complaint), from wherever it
// came (the IMAP bounce mailbox, a provider's webhook, or the SMTP session itself). Events are
// appended to the store, never rewritten; the bounce policy decides from them whom to suppress.

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

/** Delivery states in the ledger. `sending` is written before a message goes out. */
export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'skipped';
/** Every delivery status, in the order a delivery goes through them. */
export const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['pending', 'sending', 'sent', 'failed', 'skipped'];

/** Issue states: sending until every delivery is settled, paused when a run stopped early. */
export type IssueStatus = 'sending' | 'paused' | 'sent';

/** One issue of one cadence. */
export interface Issue {
  id: number;
  frequency: Frequency;
  status: IssueStatus;
  createdAt: string;
  /** Papers with `seq` up to this were known when the issue was built. */
  paperSeqHi: number;
  subject: string;
  /** The digest date shown in the email (YYYY-MM-DD). */
  issueDate: string;
}

/** A ledger row joined with what the sender needs. */
export interface DeliveryJob {
  id: number;
  issueId: number;
  subscriberId: number;
  email: string;
  variant: number;
  /** Attempts including this one. */
  attempts: number;
  firstAttemptAt: string;
  /** Sent again after a crash: the first copy may have gone out. */
  maybeDuplicate: boolean;
  /** The reader's own order of the variant's papers, encoded (`ranking/plan.ts`); null: the variant's order. */
  personal: string | null;
  /** The reader's topics (why a topic reader gets a paper). */
  topics: string[];
}

// ---------------------------------------------------------------------------------------------
// A failed delivery: one vocabulary (the pipeline's and the store's; kept at the end of the file).

/**
 * Why a delivery failed, in one set of words wherever it is learned: the SMTP reply during the
 * send (`SendError.kind`), a bounce or a complaint that comes back later, a provider's webhook.
 * Where such a failure is stored as an event, its name is in `BOUNCE_EVENT` (the stored words).
 */
export type DeliveryFailure =
  /** The reader's address was refused for good (5.1.x, 5.2.1, user unknown): failed, the address suppressed. */
  | 'permanent'
  /**
   * Failed, but not the address's fault for sure (a full mailbox, the message refused for another
   * reason): a soft bounce; the third among the reader's last five sends suppresses.
   */
  | 'soft'
  /**
   * The recipient's server refused the *sender* (5.7.x policy, reputation, DMARC, a blocklist):
   * failed, the reader is never suppressed; the recipient domain is paused, the operator alerted.
   */
  | 'sender'
  /** Try again later (4xx, a dropped connection). */
  | 'transient'
  /** The run cannot go on (authentication, our relay refusing MAIL FROM, 421, no server): nobody is marked. */
  | 'fatal';

/** The failures that settle a delivery for good and are reported to the bounce policy: bounces. */
export type BounceFailure = Extract<DeliveryFailure, 'permanent' | 'soft' | 'sender'>;

/** Each bounce's name as an event (the events table's `type`, as it is stored and shown). */
export const BOUNCE_EVENT = { permanent: 'hard-bounce', soft: 'soft-bounce', sender: 'sender-refusal' } as const satisfies Record<BounceFailure, string>;

/** A bounce as its event is named: `hard-bounce`, `soft-bounce` or `sender-refusal`. */
export type BounceEventType = (typeof BOUNCE_EVENT)[BounceFailure];

/** True when `failure` settles the delivery for good (a bounce); the others are retried or pause the run. */
export function isBounce(failure: DeliveryFailure): failure is BounceFailure {
  return Object.hasOwn(BOUNCE_EVENT, failure);
}
