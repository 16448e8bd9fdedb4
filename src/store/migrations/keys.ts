/**
 * The one thing migrations spell differently per dialect: an auto-incrementing primary key
 * (`bigserial` on PostgreSQL, `integer … autoincrement` on SQLite).
 */
import type { ColumnDefinitionBuilder } from 'kysely';
import type { Dialect } from '../dialect.js';

/** The auto-incrementing primary key of `dialect`: its column type and how to build it. */
export function autoKey(dialect: Dialect): { type: 'bigserial' | 'integer'; build: (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder } {
  return dialect === 'postgres' ? { type: 'bigserial', build: (c) => c.primaryKey() } : { type: 'integer', build: (c) => c.primaryKey().autoIncrement() };
}
