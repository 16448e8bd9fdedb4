/**
 * Migration 010: what readers teach the ranking.
 *
 * - `signals`: one row per (reader, paper): "more like this" or "less like this", from the
 *   email's links, the command line or a starting library. The latest signal on a paper wins
 *   (the row is replaced), so the primary key is the pair.
 * - `library_papers`: papers a reader gave from their own library (a BibTeX or RIS file, an arXiv
 *   id looked up) that are not in any digest: the ranking reads them, no issue ever sends them.
 * - `ranking_models`: the corpus model (tf-idf and LSA of every stored paper) kept between
 *   commands, under a key naming the papers it was built from.
 * - `subscribers.ranking`: the reader's order ('personal', 'trending' or 'mix'; null: the default).
 * - `deliveries.personal`: the reader's own order of the papers and why each is there,
 *   written with the issue, so a resend after a crash sends the same email.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from '../dialect.js';

/** Builds migration 010 for one dialect (only the binary column's type differs). */
export function signals(dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('signals')
        .addColumn('subscriber_id', 'bigint', (c) => c.notNull())
        .addColumn('paper_id', 'text', (c) => c.notNull())
        .addColumn('signal', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('signals_pk', ['subscriber_id', 'paper_id'])
        .execute();
      await db.schema.createIndex('signals_paper').on('signals').column('paper_id').execute();
      await db.schema
        .createTable('library_papers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('arxiv_id', 'text')
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('abstract', 'text', (c) => c.notNull())
        .addColumn('authors', 'text', (c) => c.notNull())
        .addColumn('keywords', 'text', (c) => c.notNull())
        .addColumn('added_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('ranking_models')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('built_at', 'text', (c) => c.notNull())
        .addColumn('papers', 'integer', (c) => c.notNull())
        .addColumn('data', dialect === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
        .execute();
      await db.schema.alterTable('subscribers').addColumn('ranking', 'text').execute();
      await db.schema.alterTable('deliveries').addColumn('personal', 'text').execute();
    },
  };
}
