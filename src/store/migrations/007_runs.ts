/**
 * Migration 007: what the scheduler did and why nothing went out. `runs` keeps the last runs
 * (ticks): when, what each source gave, the issue built per cadence or why not (JSON lists, read
 * whole by `status`). `source_health` is each source's streak: last success, last failure and its
 * error, failures in a row. `alerts` holds the operator's alerts, one open row per condition
 * (a partial unique index), so that a failing source alerts once until it clears.
 */
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type { Dialect } from '../dialect.js';
import { autoKey } from './keys.js';

/** Builds the migration for one dialect (only the auto-incrementing key differs). */
export function runs(dialect: Dialect) {
  const key = autoKey(dialect);
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('runs')
        .addColumn('id', key.type, key.build)
        .addColumn('trigger', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('finished_at', 'text')
        .addColumn('sources', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('issues', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('summary', 'text')
        .execute();
      await db.schema
        .createTable('source_health')
        .addColumn('source', 'text', (c) => c.primaryKey())
        .addColumn('last_success_at', 'text')
        .addColumn('last_failure_at', 'text')
        .addColumn('last_error', 'text')
        .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('failing_since', 'text')
        .execute();
      await db.schema
        .createTable('alerts')
        .addColumn('id', key.type, key.build)
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .addColumn('opened_at', 'text', (c) => c.notNull())
        .addColumn('alerted_at', 'text')
        .addColumn('cleared_at', 'text')
        .execute();
      await db.schema.createIndex('alerts_open_key').on('alerts').column('key').unique().where(sql.ref('cleared_at'), 'is', null).execute();
    },
  };
}
