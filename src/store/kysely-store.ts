/**
 * The Store on Kysely: one implementation for every SQL dialect Kysely speaks, composed of one
 * query object per concern in `sql/` (papers, subscribers, issues, locks, deliveries, status,
 * runs, events, signals), as listmonk composes its per-concern queries. Every concern is constructed with
 * the same context (`sql/context.ts`: the handle and its dialect), so that inside `transaction`
 * they all write to that one transaction. Queries are batched so that SQLite's parameter limit
 * and large lists stay out of the way.
 */
import type { Kysely } from 'kysely';
import type { Dialect } from './dialect.js';
import type { Database } from './schema.js';
import { SqlContext } from './sql/context.js';
import { DeliveryQueries } from './sql/deliveries.js';
import { EventQueries } from './sql/events.js';
import { IssueQueries } from './sql/issues.js';
import { LockQueries } from './sql/locks.js';
import { PaperQueries } from './sql/papers.js';
import { RunQueries } from './sql/runs.js';
import { SignalQueries } from './sql/signals.js';
import { StatusQueries } from './sql/status.js';
import { SubscriberQueries } from './sql/subscribers.js';
import type { Store } from './store.js';

/** The Store over an open, migrated database (`open.ts` opens and migrates it). */
export function kyselyStore(db: Kysely<Database>, dialect: Dialect): Store {
  return storeOn(new SqlContext(db, dialect));
}

/** Every concern's queries on `ctx`, as one Store; its transactions are stores of their own. */
function storeOn(ctx: SqlContext): Store {
  const subscribers = new SubscriberQueries(ctx);
  const store: Store = {
    ...methodsOf(new PaperQueries(ctx)),
    ...methodsOf(subscribers),
    ...methodsOf(new IssueQueries(ctx)),
    ...methodsOf(new LockQueries(ctx)),
    ...methodsOf(new DeliveryQueries(ctx)),
    ...methodsOf(new StatusQueries(ctx)),
    ...methodsOf(new RunQueries(ctx)),
    ...methodsOf(new EventQueries(ctx, subscribers)),
    ...methodsOf(new SignalQueries(ctx)),
    transaction: (fn, opts) => ctx.transaction((tx) => fn(tx === ctx ? store : storeOn(tx)), opts),
    close: () => ctx.close(),
  };
  return store;
}

/** The public methods of `T` (`keyof` leaves its protected and private members out). */
type Methods<T> = { [K in keyof T as T[K] extends (...args: never[]) => unknown ? K : never]: T[K] };

/**
 * The methods of `part`'s class, each bound to `part`: that concern's share of the store. (Its
 * helpers are module functions, not private methods, so that only its queries are shared.)
 */
function methodsOf<T extends object>(part: T): Methods<T> {
  const out: Record<string, unknown> = {};
  for (let proto = Object.getPrototypeOf(part); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const [name, d] of Object.entries(Object.getOwnPropertyDescriptors(proto))) {
      if (name !== 'constructor' && typeof d.value === 'function' && !(name in out)) out[name] = d.value.bind(part);
    }
  }
  return out as Methods<T>;
}
