/**
 * The Store interface: everything the core (ingest, issue builder, sender) needs from a
 * database, and nothing about which database it is. One Kysely implementation (`kysely-store.ts`,
 * composed of the per-concern queries in `sql/`) serves SQLite and PostgreSQL.
 */
import type { DeliveryJob, DeliveryStatus, Frequency, Issue, IssueStatus, Paper, Subscriber, SubscriberStatus } from '../domain.js';
import type { EventStore } from './events.js';
import type { LockStore } from './locks.js';
import type { RunStore } from './runs.js';
import type { SignalStore } from './signals.js';

/** A paper row to insert (the store assigns `seq`). */
export type NewPaper = Omit<Paper, 'seq'>;

/** A subscriber row to insert. */
export interface NewSubscriber {
  email: string;
  status: SubscriberStatus;
  topics: string[];
  frequency: Frequency;
  source: string;
  /** IANA time zone name; absent or null: none. */
  timezone?: string | null;
  /**
   * When the row began, changed, was confirmed, unsubscribed (ISO 8601): an import of an export
   * carries them. Absent: now, now, now for an active row (else none), none.
   */
  createdAt?: string;
  updatedAt?: string;
  confirmedAt?: string | null;
  unsubscribedAt?: string | null;
}

/** What the subscribe form asks of the store (`requestConfirmation`). */
export interface ConfirmationRequest {
  email: string;
  /** The address's keyed hash (`Tokens.emailHash`): a kept suppression of an erased address. */
  emailHash: string;
  topics: string[];
  frequency: Frequency;
  timezone: string | null;
  /** Now: when the confirmation email is claimed. */
  at: string;
  /** A confirmation sent after this time is recent: no other one yet (one a day). */
  notAfter: string;
}

/** A confirmation email claimed: the subscriber as it now is, and when the previous one was sent. */
export interface ConfirmationClaim {
  subscriber: Subscriber;
  previous: string | null;
}

/** A filter over the subscriber list (the admin page); absent fields do not filter. */
export interface SubscriberSearch {
  /** A case-insensitive substring of the address (`%` and `_` are literal). */
  query?: string;
  status?: SubscriberStatus;
  frequency?: Frequency;
  /** Subscribers who chose this topic (exactly, not a substring of one). */
  topic?: string;
  /** Keyset pagination: only ids above this one. */
  after?: number;
  limit: number;
}

/** One day of `subscriberGrowth`. */
export interface SubscriberGrowthDay {
  /** The UTC day, `YYYY-MM-DD`. */
  day: string;
  joined: number;
  left: number;
  confirmed: number;
}

/** What a reader can change; an absent field stays as it is. */
export interface SubscriberPreferences {
  frequency?: Frequency;
  topics?: string[];
  /** IANA time zone name, or null for none. */
  timezone?: string | null;
}

/** What `createIssue` writes: the issue, its paper sets, and who gets which set. */
export interface IssuePlan {
  frequency: Frequency;
  createdAt: string;
  issueDate: string;
  subject: string;
  paperSeqHi: number;
  /**
   * Variant 0 is the full selection (readers without topics, the archive); others exist for
   * readers with topics and for readers who already had some of the papers.
   */
  variants: { variant: number; paperIds: string[] }[];
  /** Subscribers who do not get variant 0: their variant, or null for "nothing new for them". */
  overrides: Map<number, number | null>;
  /**
   * Readers with their own order (`ranking/plan.ts`): the encoded order of their variant's papers
   * and the reason of each, written to their delivery. Absent: everyone gets their variant's order.
   */
  personal?: Map<number, string>;
  /**
   * Delivery at the reader's local time (`DELIVER_AT`): each delivery is due at the first `time`
   * (HH:MM) in the reader's zone, else in `timeZone`, at or after `createdAt`. Absent: due at once.
   */
  deliverAt?: { time: string; timeZone: string };
}

/** The result of one attempt, recorded in the ledger. */
export interface DeliveryResult {
  id: number;
  /** `pending` means deferred until `nextAttemptAt`. */
  status: Exclude<DeliveryStatus, 'sending'>;
  messageId?: string;
  /** Why it failed or was deferred. */
  error?: string;
  /** What the SMTP server answered. */
  reply?: string;
  nextAttemptAt?: string;
  /** The attempt may have delivered the message anyway (flag the row as a possible duplicate). */
  maybeDuplicate?: boolean;
  at: string;
}

/** How a transaction runs. */
export interface TransactionOptions {
  concurrent?: boolean;
}

/** Who claims deliveries, and for how long. */
export interface ClaimOptions {
  limit: number;
  now: string;
  leaseUntil: string;
  worker: string;
}

/** Counts for `paperboy status`. */
export interface StoreStatus {
  papers: { total: number; newestSeenAt: string | null };
  subscribers: Record<SubscriberStatus, number>;
  deliveries: Record<DeliveryStatus, number>;
  /** Deliveries sent again after a crash or a connection lost after the message was written: each may have arrived twice. */
  possibleDuplicates: number;
  /**
   * Deliveries deferred and waiting for their next try (a 4xx, a dropped connection, a paused
   * domain, a run that died), the earliest due, and how many of them may have arrived already.
   */
  deferred: { count: number; next: string | null; possibleDuplicates: number };
  lastIssues: (Issue & { deliveries: Partial<Record<DeliveryStatus, number>>; papers: number })[];
  lastErrors: { email: string; issueId: number; error: string; at: string }[];
  /** Deliveries waiting for their reader's local time (`DELIVER_AT`), and the earliest due. */
  waitingForLocalTime: { count: number; next: string | null };
}

/** Pending deliveries due later, by why they wait, each with its earliest due time. */
export interface LaterDeliveries {
  /** Never attempted, due at the reader's local time (`DELIVER_AT`). */
  localTime: { count: number; next?: string };
  /**
   * Attempted and deferred (4xx, dropped connection), taken back after a crash, or held back for a
   * paused domain; `possibleDuplicates`: those of them that may have arrived already.
   */
  retries: { count: number; next?: string; possibleDuplicates?: number };
}

/** Persistence for papers, subscribers, issues and the delivery ledger (and, in `RunStore`, runs and alerts; in `LockStore`, issue locks and ticks). */
export interface Store extends RunStore, LockStore, EventStore, SignalStore {
  /**
   * Runs `fn` in one transaction: all of it is written, or none of it. Transactions are
   * serialised, as SQLite's one writer does (on PostgreSQL by a transaction-level advisory
   * lock), so that read-then-write logic (ingest, subscribe) holds across processes;
   * `concurrent` opts out for work built to run side by side (the delivery ledger's claims and
   * results, which lock rows, not the store).
   */
  transaction<T>(fn: (tx: Store) => Promise<T>, opts?: TransactionOptions): Promise<T>;
  close(): Promise<void>;

  // Papers
  findPapers(ids: string[], titleKeys: string[]): Promise<Paper[]>;
  insertPapers(papers: NewPaper[]): Promise<void>;
  updatePapers(papers: Paper[]): Promise<void>;
  /** Which of `ids` have been delivered to somebody (the sent-log). */
  sentPaperIds(ids: string[]): Promise<Set<string>>;
  /** Papers added after `seq`, oldest first. */
  papersAfter(seq: number): Promise<Paper[]>;
  maxPaperSeq(): Promise<number>;

  // Remote sources
  /** What a URL answered last time (for If-None-Match / If-Modified-Since). */
  getValidators(source: string): Promise<{ etag?: string; lastModified?: string } | undefined>;
  setValidators(source: string, v: { etag?: string; lastModified?: string }, at: string): Promise<void>;

  // Subscribers
  findSubscriber(email: string): Promise<Subscriber | undefined>;
  getSubscriber(id: number): Promise<Subscriber | undefined>;
  /** Inserts the rows whose address is not on the list yet; returns how many were new. */
  insertSubscribers(rows: NewSubscriber[]): Promise<number>;
  setSubscriberStatus(id: number, status: SubscriberStatus, at: string): Promise<void>;
  /** Changes how often a subscriber gets the digest, what about, and in which time zone (null: none). */
  setSubscriberPreferences(id: number, prefs: SubscriberPreferences, at: string): Promise<void>;
  /** Every subscriber, in id order, a page at a time (lists can be large). */
  iterateSubscribers(): AsyncIterable<Subscriber>;
  /**
   * The subscribers matching `opts` with an id above `opts.after`, in id order, at most
   * `opts.limit` (keyset pagination: pass the last id of a page to get the next).
   */
  searchSubscribers(opts: SubscriberSearch): Promise<Subscriber[]>;
  countActive(frequency: Frequency): Promise<number>;
  /**
   * Subscribers joining and leaving per UTC day from `since` (an ISO date, `YYYY-MM-DD`) on, by
   * day, only days with some: `joined` counts sign-ups by their creation (whatever their state
   * now), `confirmed` those who became active that day (by their latest confirmation), `left`
   * former readers (confirmed once) now unsubscribed or suppressed, by when they left. Erased
   * subscribers are gone from every count.
   */
  subscriberGrowth(since: string): Promise<SubscriberGrowthDay[]>;
  /** Confirms a pending (or returning, unsubscribed) subscriber; false when it was not waiting. */
  activateSubscriber(id: number, at: string): Promise<boolean>;
  /**
   * Takes the right to send a confirmation email to subscriber `id` now: succeeds (resolving to
   * the previous send time, or null) only when none went out after `notAfter`; false otherwise.
   * One statement, so of several requests at once only one sends.
   */
  claimConfirmation(id: number, at: string, notAfter: string): Promise<string | null | false>;
  /**
   * The subscribe form's write, with the same statements whatever the address, so that the answer
   * takes as long for a new address as for a known one: adds the address as pending unless it is
   * on the list or kept as suppressed; then, if its subscriber waits for confirmation (pending, or
   * unsubscribed and coming back) and had no confirmation email after `notAfter`, claims one at
   * `at` and stores the preferences with it. Resolves to the claim, or undefined when no email is
   * due (active, suppressed, or one went out in the last day). Run it in a transaction.
   */
  requestConfirmation(req: ConfirmationRequest): Promise<ConfirmationClaim | undefined>;
  /** Undoes a claim whose email could not be sent. */
  restoreConfirmation(id: number, claimedAt: string, previous: string | null): Promise<void>;
  /** Confirmation emails sent after `since` (the global hourly cap). */
  countConfirmationsSince(since: string): Promise<number>;
  /** Whether a keyed address hash is kept as suppressed (an erased, suppressed address). */
  isSuppressedHash(hash: string): Promise<boolean>;
  addSuppression(hash: string, reason: string, at: string): Promise<void>;
  /** Every kept suppression hash (a small table: erased, suppressed addresses). */
  suppressionHashes(): Promise<Set<string>>;
  /** Deletes a subscriber and every ledger row of theirs; says how many ledger rows went. */
  eraseSubscriber(id: number): Promise<{ deliveries: number; signals: number }>;

  // Issues and the ledger
  lastIssue(frequency: Frequency): Promise<Issue | undefined>;
  unfinishedIssues(): Promise<Issue[]>;
  getIssue(id: number): Promise<Issue | undefined>;
  /** The newest issues first, for the archive. */
  recentIssues(limit: number): Promise<Issue[]>;
  /** Papers among `paperIds` already delivered (or in flight) to active subscribers of `frequency`. */
  deliveredAmong(paperIds: string[], frequency: Frequency): Promise<Map<number, Set<string>>>;
  /**
   * The active subscribers of `frequency` who chose topics, as (id, topics), in id order and a
   * page at a time: the planner streams them rather than loading the list.
   */
  iterateTopicReaders(frequency: Frequency): AsyncIterable<{ id: number; topics: string[] }>;
  /** Writes the issue, its variants and one pending delivery per recipient. */
  createIssue(plan: IssuePlan): Promise<Issue>;
  /** The papers of each variant of an issue, in issue order. */
  issueVariants(issueId: number): Promise<Map<number, Paper[]>>;
  /**
   * Atomically takes up to `limit` due pending deliveries of the issue (one statement, so that
   * several workers never take the same row): `sending`, attempts + 1, leased to `worker`.
   * Those whose subscriber is no longer active are marked `skipped` instead of returned.
   */
  claimDeliveries(issueId: number, opts: ClaimOptions): Promise<DeliveryJob[]>;
  /**
   * Puts claimed rows back to `pending` untouched, as if never claimed (a paused run marks
   * nobody): the attempt is not counted.
   */
  releaseDeliveries(ids: number[]): Promise<void>;
  /**
   * Puts back, untouched, every row `worker` holds in `sending`: called between batches only
   * (nothing of its own in flight), after a claim whose answer was lost with its connection.
   */
  releaseClaimsOf(worker: string): Promise<number>;
  /** Extends the lease of every row `worker` holds (its heartbeat while a batch is in flight). */
  renewClaims(worker: string, leaseUntil: string): Promise<number>;
  /**
   * Takes back `sending` rows whose lease ran out or whose worker is dead: they were in flight
   * when a run stopped, so they go back to `pending` flagged as possible duplicates.
   */
  reclaimStale(now: string, isDead: (worker: string) => boolean): Promise<number>;
  recordDeliveries(results: DeliveryResult[]): Promise<void>;
  /** Issues with deliveries due now, oldest first (what a worker picks up). */
  issuesWithDueDeliveries(now: string): Promise<number[]>;
  /** The earliest time a deferred delivery of the issue is due, if any. */
  nextAttemptAt(issueId: number): Promise<string | undefined>;
  /**
   * Pending deliveries with a due time, of one issue (or of all): those waiting for their
   * reader's local time (never attempted yet) apart from retries.
   */
  laterDeliveries(issueId?: number): Promise<LaterDeliveries>;
  setIssueStatus(issueId: number, status: IssueStatus, at: string): Promise<void>;
  countDeliveries(issueId: number): Promise<Partial<Record<DeliveryStatus, number>>>;
  /** One issue's latest failed or deferred deliveries (newest first), with the last SMTP reply, for the operator. */
  issueFailures(issueId: number, limit: number): Promise<{ email: string; status: DeliveryStatus; attempts: number; error: string; at: string }[]>;
  status(lastIssues: number): Promise<StoreStatus>;
}
