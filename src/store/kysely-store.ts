/**
 * The Store on Kysely: one implementation for every SQL dialect Kysely speaks, built from one
 * layer per concern in `sql/` (papers, subscribers, issues, deliveries, runs, events). Queries are batched so
 * that SQLite's parameter limit and large lists stay out of the way.
 */
import type { Db } from './sql/base.js';
import { EventQueries } from './sql/events.js';
import type { Store } from './store.js';

export class KyselyStore extends EventQueries implements Store {
  protected withDb(db: Db): this {
    return new KyselyStore(db, this.dialect, true) as this;
  }
}
