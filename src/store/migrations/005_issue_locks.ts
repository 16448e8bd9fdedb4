/**
 * Migration 005: one issue per cadence and tick, whoever runs. `issue_locks` holds a lease row
 * per lock: `issue:daily` and `issue:weekly` are taken while an issue of that cadence is planned
 * and written (who holds it, since when, until when its lease runs), and remember the scheduled
 * tick whose issue was built last; `schedule` remembers the last SCHEDULE tick that ran, so that
 * a scheduler starting after a missed tick catches it up once. Plain SQL on both dialects: a
 * lease row, not an advisory lock, so that the holder can be named ("held by host:pid (send)").
 */
import type { Kysely } from 'kysely';

/** Migration 005 (the same on both dialects). */
export const issueLocks = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('issue_locks')
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('holder', 'text')
      .addColumn('role', 'text')
      .addColumn('acquired_at', 'text')
      .addColumn('lease_until', 'text')
      .addColumn('tick_at', 'text')
      .addColumn('tick_by', 'text')
      .execute();
  },
};
