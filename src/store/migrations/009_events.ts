/**
 * Migration 009: the bounce processor's tables. `events` is append-only: one row per report
 * about a delivery (a bounce, a complaint, a refusal of the sender), from the SMTP session, the
 * IMAP bounce mailbox or a provider's webhook; `external_id` is unique, so the same report
 * processed twice (a re-run poll, a provider's retry) is stored once. `domain_pauses` holds the
 * recipient domains whose servers refused the sender: nothing goes to them until `until`.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';
import { autoKey } from './keys.js';

/** Builds the migration for one dialect (only the auto-incrementing key differs). */
export function events(dialect: Dialect) {
  const key = autoKey(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('events')
        .addColumn('id', key.type, key.build)
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('external_id', 'text', (c) => c.notNull().unique())
        .addColumn('occurred_at', 'text', (c) => c.notNull())
        .addColumn('received_at', 'text', (c) => c.notNull())
        .addColumn('delivery_id', 'bigint')
        .addColumn('issue_id', 'bigint')
        .addColumn('subscriber_id', 'bigint')
        .addColumn('domain', 'text')
        .addColumn('status', 'text')
        .addColumn('diagnostic', 'text')
        .addColumn('feedback_type', 'text')
        .addColumn('action', 'text')
        .execute();
      await db.schema.createIndex('events_subscriber').on('events').columns(['subscriber_id', 'delivery_id']).execute();
      await db.schema.createIndex('events_occurred').on('events').column('occurred_at').execute();
      await db.schema
        .createTable('domain_pauses')
        .addColumn('domain', 'text', (c) => c.primaryKey())
        .addColumn('until', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('paused_at', 'text', (c) => c.notNull())
        .execute();
    },
  };
}
