/**
 * The SQL store's base: the Kysely handle, transactions, and what every concern shares (row
 * mapping, batching). The store is split by concern into layers (papers → subscribers → issues →
 * deliveries), each a class extending the one before, so that a dialect difference between
 * SQLite and PostgreSQL sits in one small place.
 */
import { type Kysely, type Selectable, type Transaction, sql } from 'kysely';
import type { Frequency, Issue, IssueStatus, Paper, Subscriber, SubscriberStatus } from '../../domain.js';
import { withinLimits } from '../../sources/limits.js';
import type { Dialect } from '../dialect.js';
import type { Database, IssuesTable, PapersTable, SubscribersTable } from '../schema.js';
import type { NewPaper, TransactionOptions } from '../store.js';

export type Db = Kysely<Database> | Transaction<Database>;

/** The advisory lock key of serialised transactions on PostgreSQL (any constant; 'pb' + 'wr'). */
const WRITE_LOCK = 0x7062_7772;

/** Rows per INSERT: keeps every statement under SQLite's bound-parameter limit. */
export const BATCH = 500;

export abstract class SqlBase {
  constructor(
    protected readonly db: Db,
    protected readonly dialect: Dialect,
    protected readonly inTransaction = false,
  ) {}

  /** The same store bound to a transaction. */
  protected abstract withDb(db: Db): this;

  async transaction<T>(fn: (tx: this) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
    if (this.inTransaction) return fn(this);
    return (this.db as Kysely<Database>).transaction().execute(async (trx) => {
      // SQLite's transactions take its one write lock at BEGIN (open.ts); PostgreSQL's take this one.
      if (this.dialect === 'postgres' && !opts.concurrent) await sql`select pg_advisory_xact_lock(${WRITE_LOCK})`.execute(trx);
      return fn(this.withDb(trx));
    });
  }

  async close(): Promise<void> {
    if (!this.inTransaction) await (this.db as Kysely<Database>).destroy();
  }
}

export function countsOf<K extends string>(keys: readonly K[], rows: { status: string; n: unknown }[]): Record<K, number> {
  const out = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
  for (const r of rows) if ((keys as readonly string[]).includes(r.status)) out[r.status as K] = Number(r.n);
  return out;
}

export function* chunks<T>(items: T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/**
 * A paper row as the core sees it, cut to the source limits (`withinLimits`): a row stored before
 * them, or written behind Paperboy's back, cannot make an email, page or feed grow without bound.
 */
export function toPaper(r: Selectable<PapersTable>): Paper {
  return withinLimits({
    id: r.id,
    seq: Number(r.seq),
    titleKey: r.title_key,
    title: r.title,
    abstract: r.abstract,
    authors: JSON.parse(r.authors),
    links: JSON.parse(r.links),
    extra: JSON.parse(r.extra),
    ...(r.arxiv_id ? { arxivId: r.arxiv_id } : {}),
    ...(r.upvotes !== null ? { upvotes: r.upvotes } : {}),
    ...(r.published_at ? { publishedAt: r.published_at } : {}),
    firstSeenAt: r.first_seen_at,
    updatedAt: r.updated_at,
    source: r.source,
  });
}

export function fromPaper(p: NewPaper) {
  return {
    id: p.id,
    title_key: p.titleKey,
    arxiv_id: p.arxivId ?? null,
    title: p.title,
    abstract: p.abstract,
    authors: JSON.stringify(p.authors),
    links: JSON.stringify(p.links),
    extra: JSON.stringify(p.extra),
    upvotes: p.upvotes ?? null,
    published_at: p.publishedAt ?? null,
    first_seen_at: p.firstSeenAt,
    updated_at: p.updatedAt,
    source: p.source,
  };
}

export function toSubscriber(r: Selectable<SubscribersTable>): Subscriber {
  return {
    id: Number(r.id),
    email: r.email,
    status: r.status as SubscriberStatus,
    topics: JSON.parse(r.topics),
    frequency: r.frequency as Frequency,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    confirmedAt: r.confirmed_at,
    unsubscribedAt: r.unsubscribed_at,
    confirmSentAt: r.confirm_sent_at,
    timezone: r.timezone ?? null,
  };
}

export function toIssue(r: Selectable<IssuesTable>): Issue {
  return {
    id: Number(r.id),
    frequency: r.frequency as Frequency,
    status: r.status as IssueStatus,
    createdAt: r.created_at,
    paperSeqHi: Number(r.paper_seq_hi),
    subject: r.subject,
    issueDate: r.issue_date,
  };
}