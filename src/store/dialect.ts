/**
 * The SQL dialects the store speaks. Its own file, imported by the queries, the migrations and
 * `open.ts` alike, so that none of them imports another for it (no file circle).
 */

/** SQL dialects the store speaks: SQLite (a `file:` DATABASE_URL) or PostgreSQL. */
export type Dialect = 'sqlite' | 'postgres';
