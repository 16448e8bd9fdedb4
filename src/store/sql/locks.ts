/**
 * The SQL store, locks: lease rows for building issues and the scheduler's last tick
 * (`store/locks.ts` says why a lease row). Every change is one statement whose WHERE clause
 * decides who wins, so that it is atomic on SQLite (one writer at a time) and on PostgreSQL
 * (a concurrent UPDATE re-checks the WHERE clause on the row it waited for).
 */
import type { Selectable } from 'kysely';
import type { LockHolder, LockState } from '../locks.js';
import type { IssueLocksTable } from '../schema.js';
import { type Db, Queries } from './context.js';

/** The store's lock and tick rows (`LockStore`). */
export class LockQueries extends Queries {
  async acquireLock(
    name: string,
    by: LockHolder,
    now: string,
    leaseUntil: string,
    isDead: (worker: string) => boolean,
  ): Promise<{ acquired: boolean; lock: LockState }> {
    await ensureLockRow(this.db, name);
    const take = { holder: by.worker, role: by.role, acquired_at: now, lease_until: leaseUntil };
    const taken = await this.db
      .updateTable('issue_locks')
      .set(take)
      .where('name', '=', name)
      .where((w) => w.or([w('holder', 'is', null), w('lease_until', '<=', now), w('holder', '=', by.worker)]))
      .executeTakeFirst();
    let lock = (await this.getLock(name))!;
    if (Number(taken.numUpdatedRows) === 1) return { acquired: true, lock };
    if (lock.holder && lock.since && isDead(lock.holder.worker)) {
      // Its holder crashed on this host: take it over at once, unless somebody else just did.
      const over = await this.db
        .updateTable('issue_locks')
        .set(take)
        .where('name', '=', name)
        .where('holder', '=', lock.holder.worker)
        .where('acquired_at', '=', lock.since)
        .executeTakeFirst();
      lock = (await this.getLock(name))!;
      if (Number(over.numUpdatedRows) === 1) return { acquired: true, lock };
    }
    return { acquired: false, lock };
  }

  async renewLock(name: string, by: LockHolder, leaseUntil: string, tick?: string): Promise<boolean> {
    const r = await this.db
      .updateTable('issue_locks')
      .set(tick === undefined ? { lease_until: leaseUntil } : { lease_until: leaseUntil, tick_at: tick, tick_by: `${by.worker} (${by.role})` })
      .where('name', '=', name)
      .where('holder', '=', by.worker)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async releaseLock(name: string, by: LockHolder): Promise<void> {
    await this.db
      .updateTable('issue_locks')
      .set({ holder: null, role: null, acquired_at: null, lease_until: null })
      .where('name', '=', name)
      .where('holder', '=', by.worker)
      .execute();
  }

  async getLock(name: string): Promise<LockState | undefined> {
    const row = await this.db.selectFrom('issue_locks').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toLock(row);
  }

  async claimTick(name: string, at: string, by: string): Promise<boolean> {
    const inserted = await this.db
      .insertInto('issue_locks')
      .values({ name, tick_at: at, tick_by: by })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 1) return true;
    const r = await this.db
      .updateTable('issue_locks')
      .set({ tick_at: at, tick_by: by })
      .where('name', '=', name)
      .where((w) => w.or([w('tick_at', 'is', null), w('tick_at', '<', at)]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async initTick(name: string, at: string, by: string): Promise<void> {
    await ensureLockRow(this.db, name);
    await this.db.updateTable('issue_locks').set({ tick_at: at, tick_by: by }).where('name', '=', name).where('tick_at', 'is', null).execute();
  }
}

/** The row exists from the first use on (INSERT … ON CONFLICT DO NOTHING: both dialects). */
async function ensureLockRow(db: Db, name: string): Promise<void> {
  await db
    .insertInto('issue_locks')
    .values({ name })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
}

function toLock(r: Selectable<IssueLocksTable>): LockState {
  return {
    name: r.name,
    holder: r.holder ? { worker: r.holder, role: r.role ?? 'unknown' } : null,
    since: r.acquired_at,
    leaseUntil: r.lease_until,
    tick: r.tick_at ? { at: r.tick_at, by: r.tick_by } : null,
  };
}
