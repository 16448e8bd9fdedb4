/**
 * Table types for Kysely, one interface per table. Timestamps are ISO-8601 UTC strings
 * (they sort as text in SQLite and PostgreSQL alike); lists and link maps are JSON text.
 */
import type { Generated } from 'kysely';

/** `papers`: one row per paper, `seq` growing with every paper added. */
export interface PapersTable {
  seq: Generated<number>;
  id: string;
  title_key: string;
  arxiv_id: string | null;
  title: string;
  abstract: string;
  authors: string;
  links: string;
  extra: string;
  upvotes: number | null;
  published_at: string | null;
  first_seen_at: string;
  updated_at: string;
  source: string;
}

/** `subscribers`: one row per address (`email_key`, its lower-cased form, unique). */
export interface SubscribersTable {
  id: Generated<number>;
  email: string;
  email_key: string;
  status: string;
  topics: string;
  frequency: string;
  source: string;
  created_at: string;
  updated_at: string;
  confirmed_at: string | null;
  unsubscribed_at: string | null;
  confirm_sent_at: string | null;
  /** IANA time zone name; null: none (the configured TZ applies). */
  timezone: string | null;
  /** How the reader wants their issue ordered: 'personal', 'trending', 'mix'; null: the default (migration 010). */
  ranking: string | null;
}

/** `issues`: one row per issue of a cadence. */
export interface IssuesTable {
  id: Generated<number>;
  frequency: string;
  status: string;
  created_at: string;
  finished_at: string | null;
  paper_seq_hi: number;
  subject: string;
  issue_date: string;
}

/** `issue_papers`: the papers of each variant of an issue, by position. */
export interface IssuePapersTable {
  issue_id: number;
  variant: number;
  position: number;
  paper_id: string;
}

/** `deliveries`: the ledger, one row per (issue, subscriber). */
export interface DeliveriesTable {
  id: Generated<number>;
  issue_id: number;
  subscriber_id: number;
  variant: number;
  status: string;
  attempts: number;
  last_error: string | null;
  message_id: string | null;
  sent_at: string | null;
  updated_at: string;
  next_attempt_at: string | null;
  first_attempt_at: string | null;
  lease_until: string | null;
  claimed_by: string | null;
  reply: string | null;
  maybe_duplicate: Generated<number>;
  /** The reader's own order of the variant's papers and why each is there (JSON, `ranking/plan.ts`); null: the variant's order (migration 010). */
  personal: string | null;
}

/** Keyed hashes of erased addresses that stay suppressed. */
export interface SuppressionsTable {
  email_hash: string;
  reason: string;
  created_at: string;
}

/** `sources`: what each remote source answered last (its validators). */
export interface SourcesTable {
  source: string;
  etag: string | null;
  last_modified: string | null;
  fetched_at: string;
}

/** One scheduler run (tick); `sources` and `issues` are JSON lists (see `store/runs.ts`). */
export interface RunsTable {
  id: Generated<number>;
  trigger: string;
  started_at: string;
  finished_at: string | null;
  sources: string;
  issues: string;
  summary: string | null;
}

/** Each source's streak, as the scheduler's runs saw it. */
export interface SourceHealthTable {
  source: string;
  last_success_at: string | null;
  last_failure_at: string | null;
  last_error: string | null;
  consecutive_failures: number;
  failing_since: string | null;
}

/** The operator's alerts: one open row per condition key. */
export interface AlertsTable {
  id: Generated<number>;
  key: string;
  subject: string;
  detail: string;
  opened_at: string;
  alerted_at: string | null;
  cleared_at: string | null;
}

/** Lease rows: who builds an issue of a cadence now, and the last tick built or run (migration 005). */
export interface IssueLocksTable {
  name: string;
  holder: string | null;
  role: string | null;
  acquired_at: string | null;
  lease_until: string | null;
  tick_at: string | null;
  tick_by: string | null;
}

/** One report about a delivery (migration 009): append-only, unique by `external_id`. */
export interface EventsTable {
  id: Generated<number>;
  type: string;
  source: string;
  external_id: string;
  occurred_at: string;
  received_at: string;
  delivery_id: number | null;
  issue_id: number | null;
  subscriber_id: number | null;
  domain: string | null;
  status: string | null;
  diagnostic: string | null;
  feedback_type: string | null;
  /** What the policy did: suppressed, counted, paused-domain, none. */
  action: string | null;
}

/** Recipient domains that refused the sender, paused until `until`. */
export interface DomainPausesTable {
  domain: string;
  until: string;
  reason: string;
  paused_at: string;
}

/** One reader's signal on one paper (migration 010): the latest wins, so one row per pair. */
export interface SignalsTable {
  subscriber_id: number;
  paper_id: string;
  signal: string;
  source: string;
  created_at: string;
  updated_at: string;
}

/** A paper known only from a reader's library (migration 010): read by the ranking, never sent. */
export interface LibraryPapersTable {
  id: string;
  arxiv_id: string | null;
  title: string;
  abstract: string;
  /** JSON lists. */
  authors: string;
  keywords: string;
  added_at: string;
}

/** The kept corpus model (migration 010): one row, under the key of the papers it was built from. */
export interface RankingModelsTable {
  key: string;
  built_at: string;
  papers: number;
  data: Uint8Array;
}

/** The whole database, as Kysely sees it. */
export interface Database {
  papers: PapersTable;
  subscribers: SubscribersTable;
  issues: IssuesTable;
  issue_papers: IssuePapersTable;
  deliveries: DeliveriesTable;
  sources: SourcesTable;
  suppressions: SuppressionsTable;
  issue_locks: IssueLocksTable;
  runs: RunsTable;
  source_health: SourceHealthTable;
  alerts: AlertsTable;
  events: EventsTable;
  domain_pauses: DomainPausesTable;
  signals: SignalsTable;
  library_papers: LibraryPapersTable;
  ranking_models: RankingModelsTable;
}
