/**
 * Numbered migrations, applied in order by Kysely's Migrator. Add `002_…` here; never edit
 * a migration that has shipped. Each takes a `Kysely<unknown>`: it works on the tables as they
 * were when it was written, not on today's table types (`schema.ts`).
 */
import type { Migration } from 'kysely';
import type { Dialect } from '../dialect.js';
import { init } from './001_init.js';
import { sources } from './002_sources.js';
import { deliveryLeases } from './003_delivery_leases.js';
import { subscriptions } from './004_subscriptions.js';
import { issueLocks } from './005_issue_locks.js';
import { subscriberTimezones } from './006_subscriber_timezones.js';
import { runs } from './007_runs.js';
import { pendingIndex } from './008_pending_index.js';
import { events } from './009_events.js';
import { signals } from './010_signals.js';

/** All migrations for one dialect, keyed by their numbered names. */
export function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '001_init': init(dialect),
    '002_sources': sources,
    '003_delivery_leases': deliveryLeases,
    '004_subscriptions': subscriptions,
    '005_issue_locks': issueLocks,
    '006_subscriber_timezones': subscriberTimezones,
    '007_runs': runs(dialect),
    '008_pending_index': pendingIndex,
    '009_events': events(dialect),
    '010_signals': signals(dialect),
  };
}
