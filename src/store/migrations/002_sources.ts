/**
 * Migration 002: what each remote source answered last (ETag, Last-Modified), for conditional
 * requests: a source that has not changed costs a 304 and writes nothing.
 */
import type { Kysely } from 'kysely';

/** Migration 002 (the same on both dialects). */
export const sources = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('sources')
      .addColumn('source', 'text', (c) => c.primaryKey())
      .addColumn('etag', 'text')
      .addColumn('last_modified', 'text')
      .addColumn('fetched_at', 'text', (c) => c.notNull())
      .execute();
  },
};
