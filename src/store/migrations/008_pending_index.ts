/**
 * Migration 008: the claim's index. A worker claims "the first n pending rows of this issue in
 * id order"; on a ledger holding every earlier issue (30 issues × a million readers), neither
 * (status, next_attempt_at, id) nor (issue_id, status) gives those rows in order, and PostgreSQL
 * scanned and sorted every pending row per claim (seconds at 100,000 readers). A partial index
 * over pending rows only, (issue_id, id), is walked in order and stopped after n; it holds only
 * what is left to send, so it stays small however long the sent-log grows.
 */
import { type Kysely, sql } from 'kysely';

/** Migration 008 (the same on both dialects). */
export const pendingIndex = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.createIndex('deliveries_pending').on('deliveries').columns(['issue_id', 'id']).where(sql.ref('status'), '=', sql.lit('pending')).execute();
  },
};
