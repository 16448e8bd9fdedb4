/**
 * Migration 001: papers, subscribers, issues, issue_papers, deliveries.
 * Written with Kysely's schema builder so that SQLite and PostgreSQL share it; the only
 * difference is how an auto-incrementing key is spelled (keys.ts).
 */
import { type Kysely, sql } from 'kysely';
import type { Dialect } from '../dialect.js';
import { autoKey } from './keys.js';

/** The columns' key type, as the dialect spells it (`keys.ts`). */
type Key = ReturnType<typeof autoKey>;

/** Builds the migration for one dialect. */
export function init(dialect: Dialect) {
  const key = autoKey(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await createPapers(db, key);
      await createSubscribers(db, key);
      await createIssues(db, key);
      await createIssuePapers(db);
      await createDeliveries(db, key);
    },
  };
}

/** The papers, keyed by `seq` (what is new) and by their stable id. */
async function createPapers(db: Kysely<unknown>, key: Key): Promise<void> {
  await db.schema
    .createTable('papers')
    .addColumn('seq', key.type, key.build)
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('title_key', 'text', (c) => c.notNull())
    .addColumn('arxiv_id', 'text')
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('abstract', 'text', (c) => c.notNull())
    .addColumn('authors', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('links', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('extra', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('upvotes', 'integer')
    .addColumn('published_at', 'text')
    .addColumn('first_seen_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('papers_title_key').on('papers').column('title_key').execute();
}

/** The subscribers, one per address key. */
async function createSubscribers(db: Kysely<unknown>, key: Key): Promise<void> {
  await db.schema
    .createTable('subscribers')
    .addColumn('id', key.type, key.build)
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('email_key', 'text', (c) => c.notNull().unique())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'active', 'unsubscribed', 'suppressed')`))
    .addColumn('topics', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('frequency', 'text', (c) => c.notNull().check(sql`frequency in ('daily', 'weekly')`))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('confirmed_at', 'text')
    .addColumn('unsubscribed_at', 'text')
    .execute();
  await db.schema.createIndex('subscribers_status_frequency').on('subscribers').columns(['status', 'frequency']).execute();
}

/** The issues of each cadence. */
async function createIssues(db: Kysely<unknown>, key: Key): Promise<void> {
  await db.schema
    .createTable('issues')
    .addColumn('id', key.type, key.build)
    .addColumn('frequency', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('sending', 'paused', 'sent')`))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('paper_seq_hi', 'bigint', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('issue_date', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('issues_frequency').on('issues').columns(['frequency', 'id']).execute();
}

/** The papers of each variant of an issue, in order. */
async function createIssuePapers(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('issue_papers')
    .addColumn('issue_id', 'integer', (c) => c.notNull().references('issues.id').onDelete('cascade'))
    .addColumn('variant', 'integer', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('paper_id', 'text', (c) => c.notNull().references('papers.id'))
    .addPrimaryKeyConstraint('issue_papers_pk', ['issue_id', 'variant', 'position'])
    .execute();
  await db.schema.createIndex('issue_papers_paper').on('issue_papers').column('paper_id').execute();
}

/** The delivery ledger: one row per (issue, subscriber). */
async function createDeliveries(db: Kysely<unknown>, key: Key): Promise<void> {
  await db.schema
    .createTable('deliveries')
    .addColumn('id', key.type, key.build)
    .addColumn('issue_id', 'integer', (c) => c.notNull().references('issues.id').onDelete('cascade'))
    .addColumn('subscriber_id', 'integer', (c) => c.notNull().references('subscribers.id').onDelete('cascade'))
    .addColumn('variant', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'sending', 'sent', 'failed', 'skipped')`))
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('message_id', 'text')
    .addColumn('sent_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('deliveries_issue_subscriber', ['issue_id', 'subscriber_id'])
    .execute();
  await db.schema.createIndex('deliveries_issue_status').on('deliveries').columns(['issue_id', 'status']).execute();
  await db.schema.createIndex('deliveries_subscriber').on('deliveries').columns(['subscriber_id', 'status']).execute();
}
