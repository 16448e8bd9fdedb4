/**
 * The Store interface: everything the core (ingest, issue builder, sender) needs from a
 * database, and nothing about which database it is. The SQLite adapter implements it today;
 * a PostgreSQL adapter implements the same interface without touching the core.
 */
import type {
  DeliveryJob,
  DeliveryStatus,
  Frequency,
  Issue,
  IssueStatus,
  Paper,
  Subscriber,
  SubscriberStatus,
} from '../domain.js';

/** A paper row to insert (the store assigns `seq`). */
export type NewPaper = Omit<Paper, 'seq'>;

/** A subscriber row to insert. */
export interface NewSubscriber {
  email: string;
  status: SubscriberStatus;
  topics: string[];
  frequency: Frequency;
  source: string;
}

/** What `createIssue` writes: the issue, its paper sets, and who gets which set. */
export interface IssuePlan {
  frequency: Frequency;
  createdAt: string;
  issueDate: string;
  subject: string;
  paperSeqHi: number;
  /** Variant 0 is the full selection; others exist for subscribers who already had some papers. */
  variants: { variant: number; paperIds: string[] }[];
  /** Subscribers who do not get variant 0: their variant, or null for "nothing new for them". */
  overrides: Map<number, number | null>;
}

/** The result of sending one message, recorded in the ledger. */
export interface DeliveryResult {
  id: number;
  status: Exclude<DeliveryStatus, 'sending'>;
  messageId?: string;
  error?: string;
  at: string;
}

/** Counts for `paperboy status`. */
export interface StoreStatus {
  papers: { total: number; newestSeenAt: string | null };
  subscribers: Record<SubscriberStatus, number>;
  deliveries: Record<DeliveryStatus, number>;
  lastIssues: (Issue & { deliveries: Partial<Record<DeliveryStatus, number>>; papers: number })[];
  lastErrors: { email: string; issueId: number; error: string; at: string }[];
}

/** Persistence for papers, subscribers, issues and the delivery ledger. */
export interface Store {
  /** Runs `fn` in one transaction: all of it is written, or none of it. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
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
  /** Changes how often a subscriber gets the digest, and what about. */
  setSubscriberPreferences(id: number, prefs: { frequency?: Frequency; topics?: string[] }, at: string): Promise<void>;
  /** Every subscriber, in id order, a page at a time (lists can be large). */
  iterateSubscribers(): AsyncIterable<Subscriber>;
  countActive(frequency: Frequency): Promise<number>;

  // Issues and the ledger
  lastIssue(frequency: Frequency): Promise<Issue | undefined>;
  unfinishedIssues(): Promise<Issue[]>;
  getIssue(id: number): Promise<Issue | undefined>;
  /** The newest issues first, for the archive. */
  recentIssues(limit: number): Promise<Issue[]>;
  /** Papers among `paperIds` already delivered (or in flight) to active subscribers of `frequency`. */
  deliveredAmong(paperIds: string[], frequency: Frequency): Promise<Map<number, Set<string>>>;
  /** Writes the issue, its variants and one pending delivery per recipient. */
  createIssue(plan: IssuePlan): Promise<Issue>;
  /** The papers of each variant of an issue, in issue order. */
  issueVariants(issueId: number): Promise<Map<number, Paper[]>>;
  /**
   * Marks up to `limit` pending deliveries of the issue with ids above `afterId` as `sending`
   * and returns them in id order. Deliveries whose subscriber is no longer active are marked
   * `skipped` instead.
   */
  claimDeliveries(issueId: number, limit: number, at: string, afterId?: number): Promise<DeliveryJob[]>;
  /** Puts `sending` rows back to `pending` (after a stopped run, or a crash). */
  releaseDeliveries(issueId: number, ids?: number[]): Promise<number>;
  recordDeliveries(results: DeliveryResult[]): Promise<void>;
  setIssueStatus(issueId: number, status: IssueStatus, at: string): Promise<void>;
  countDeliveries(issueId: number): Promise<Partial<Record<DeliveryStatus, number>>>;
  status(lastIssues: number): Promise<StoreStatus>;
}
