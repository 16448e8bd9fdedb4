/**
 * Migration 003: the ledger drives the sending engine. A claimed row carries a lease (who holds
 * it, until when); a deferred row carries its next attempt time; every row keeps the server's
 * reply, when it was first tried, and whether it may have been sent twice (a crash mid-send).
 */
import { type Kysely, sql } from 'kysely';

/** Migration 003 (the same on both dialects). */
export const deliveryLeases = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const [name, type] of [
      ['next_attempt_at', 'text'],
      ['first_attempt_at', 'text'],
      ['lease_until', 'text'],
      ['claimed_by', 'text'],
      ['reply', 'text'],
    ] as const) {
      await db.schema.alterTable('deliveries').addColumn(name, type).execute();
    }
    await db.schema
      .alterTable('deliveries')
      .addColumn('maybe_duplicate', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex('deliveries_claimable').on('deliveries').columns(['status', 'next_attempt_at', 'id']).execute();
    await sql`update deliveries set next_attempt_at = updated_at where status = 'pending'`.execute(db);
  },
};
