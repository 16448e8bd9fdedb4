/**
 * Migration 006: a reader may have a time zone (an IANA name; null: none, the configured `TZ`
 * applies). With `DELIVER_AT` set, an issue's delivery to them becomes due at that time of day
 * in their zone.
 */
import type { Kysely } from 'kysely';

/** Migration 006 (the same on both dialects). */
export const subscriberTimezones = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('subscribers').addColumn('timezone', 'text').execute();
  },
};
