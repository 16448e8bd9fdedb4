/**
 * Migration 004: readers subscribe themselves. `confirm_sent_at` is when the last confirmation
 * email went out (at most one a day per address; a confirm link is valid only for the latest
 * one). `suppressions` keeps a keyed hash of an address whose row was erased (`subscribers
 * forget`) while it was suppressed, so that it stays suppressed without keeping the address.
 */
import type { Kysely } from 'kysely';

/** Migration 004 (the same on both dialects). */
export const subscriptions = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('subscribers').addColumn('confirm_sent_at', 'text').execute();
    await db.schema.createIndex('subscribers_confirm_sent_at').on('subscribers').column('confirm_sent_at').execute();
    await db.schema
      .createTable('suppressions')
      .addColumn('email_hash', 'text', (c) => c.primaryKey())
      .addColumn('reason', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();
  },
};
