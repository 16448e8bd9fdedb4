/**
 * The SQL store, the delivery ledger: claims with leases, results, crash reclaim, and the issue's
 * status that follows from them. What the ledger counts up for people is in `status.ts`.
 */
import { type ExpressionBuilder, sql } from 'kysely';
import type { Database } from '../schema.js';
import type { DeliveryJob, IssueStatus } from '../../domain.js';
import type { ClaimOptions, DeliveryResult } from '../store.js';
import { BATCH, type Db, Queries, type SqlContext, chunks } from './context.js';

/** A claimed row put back as if never claimed: pending, the attempt not counted. */
const unclaimed = (eb: ExpressionBuilder<Database, 'deliveries'>) =>
  ({ status: 'pending', attempts: eb('attempts', '-', 1), claimed_by: null, lease_until: null }) as const;

/** The store's delivery ledger: claims, results and crash reclaim (`Store`: Issues and the ledger). */
export class DeliveryQueries extends Queries {
  async claimDeliveries(issueId: number, opts: ClaimOptions): Promise<DeliveryJob[]> {
    return this.ctx.transaction(
      async (tx) => {
        // A batch of nothing but unsubscribed readers is not the end of the issue: take the next one.
        for (;;) {
          const claimed = await claimDue(tx, issueId, opts);
          if (claimed.length === 0) return [];
          const jobs = await activeJobs(tx.db, claimed, opts.now);
          if (jobs.length > 0) return jobs;
        }
      },
      { concurrent: true },
    );
  }

  async releaseDeliveries(ids: number[]): Promise<void> {
    for (const chunk of chunks(ids, BATCH)) {
      await this.db.updateTable('deliveries').set(unclaimed).where('id', 'in', chunk).where('status', '=', 'sending').execute();
    }
  }

  async releaseClaimsOf(worker: string): Promise<number> {
    const r = await this.db.updateTable('deliveries').set(unclaimed).where('claimed_by', '=', worker).where('status', '=', 'sending').executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async renewClaims(worker: string, leaseUntil: string): Promise<number> {
    const r = await this.db
      .updateTable('deliveries')
      .set({ lease_until: leaseUntil })
      .where('claimed_by', '=', worker)
      .where('status', '=', 'sending')
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async reclaimStale(now: string, isDead: (worker: string) => boolean): Promise<number> {
    const holders = await this.db
      .selectFrom('deliveries')
      .select(['claimed_by', (eb) => eb.fn.min('lease_until').as('lease')])
      .where('status', '=', 'sending')
      .groupBy('claimed_by')
      .execute();
    let reclaimed = 0;
    for (const h of holders) {
      const dead = h.claimed_by !== null && isDead(h.claimed_by);
      let q = this.db
        .updateTable('deliveries')
        .set({ status: 'pending', maybe_duplicate: 1, claimed_by: null, lease_until: null, next_attempt_at: now, updated_at: now })
        .where('status', '=', 'sending');
      q = h.claimed_by === null ? q.where('claimed_by', 'is', null) : q.where('claimed_by', '=', h.claimed_by);
      // A live worker keeps its rows until its lease runs out; a dead one's are taken back at once.
      if (!dead) q = q.where((w) => w.or([w('lease_until', 'is', null), w('lease_until', '<=', now)]));
      reclaimed += Number((await q.executeTakeFirst()).numUpdatedRows);
    }
    return reclaimed;
  }

  async recordDeliveries(results: DeliveryResult[]): Promise<void> {
    if (results.length === 0) return;
    // One UPDATE … FROM (VALUES …) per group of results (SQLite ≥ 3.33 and PostgreSQL alike):
    // the ledger write costs one statement per batch, not one per message.
    await this.ctx.transaction(
      async (tx) => {
        const db = tx.db;
        for (const group of chunks(results, 100)) {
          // The id is cast so that PostgreSQL types the VALUES column (its other columns are text).
          const rows = group.map(
            (r) =>
              sql`(cast(${r.id} as bigint), ${r.status}, ${r.at}, ${r.error ?? null}, ${r.reply ?? null}, ${r.messageId ?? null}, ${
                r.status === 'pending' ? (r.nextAttemptAt ?? r.at) : null
              }, cast(${r.maybeDuplicate ? 1 : 0} as integer))`,
          );
          // VALUES columns are named column1… on both; PostgreSQL 15 wants the inner alias (t).
          await sql`
          update deliveries set
            status = v.status, updated_at = v.at, last_error = v.error, reply = v.reply,
            message_id = coalesce(v.message_id, deliveries.message_id),
            sent_at = case when v.status = 'sent' then v.at else deliveries.sent_at end,
            next_attempt_at = v.next_attempt_at, claimed_by = null, lease_until = null,
            maybe_duplicate = case when v.maybe_duplicate = 1 then 1 else deliveries.maybe_duplicate end
          from (select column1 as id, column2 as status, column3 as at, column4 as error, column5 as reply,
                       column6 as message_id, column7 as next_attempt_at, column8 as maybe_duplicate
                from (values ${sql.join(rows)}) as t) as v
          where deliveries.id = v.id`.execute(db);
        }
      },
      { concurrent: true },
    );
  }

  async issuesWithDueDeliveries(now: string): Promise<number[]> {
    // Rows in flight count too: their holder may be gone (a lease that ran out, a dead process on
    // this host), and when they are the last rows of an issue nothing else would bring a worker
    // to it; deliverIssue's reclaimStale decides, and leaves a live holder's rows alone.
    // Asked of each unfinished issue (a few), each an EXISTS that stops at its first row: an idle
    // worker asks every few seconds, and the ledger holds every earlier issue.
    const rows = await this.db
      .selectFrom('issues as i')
      .select('i.id')
      .where('i.status', '!=', 'sent')
      .where(({ or, exists, selectFrom }) =>
        or([
          exists(
            selectFrom('deliveries as d')
              .select('d.id')
              .whereRef('d.issue_id', '=', 'i.id')
              .where('d.status', '=', 'pending')
              .where((w) => w.or([w('d.next_attempt_at', 'is', null), w('d.next_attempt_at', '<=', now)])),
          ),
          exists(selectFrom('deliveries as d').select('d.id').whereRef('d.issue_id', '=', 'i.id').where('d.status', '=', 'sending')),
        ]),
      )
      .orderBy('i.id')
      .execute();
    return rows.map((r) => r.id);
  }

  async setIssueStatus(issueId: number, status: IssueStatus, at: string): Promise<void> {
    await this.db
      .updateTable('issues')
      .set({ status, finished_at: status === 'sent' ? at : null })
      .where('id', '=', issueId)
      // A worker that counted another worker's last rows in flight must not turn the issue back
      // to `sending` after that worker recorded them and marked it `sent` (checked in the UPDATE).
      .$if(status === 'sending', (q) =>
        q.where(({ exists, selectFrom }) =>
          exists(selectFrom('deliveries').select('id').where('issue_id', '=', issueId).where('status', 'in', ['pending', 'sending'])),
        ),
      )
      .execute();
  }
}

/**
 * Takes up to `opts.limit` due pending rows of the issue: `sending`, attempts + 1, leased to the
 * worker. WITH picked AS MATERIALIZED (SELECT … LIMIT n) UPDATE … FROM picked RETURNING: one
 * statement. SQLite has one writer at a time; on PostgreSQL the SELECT locks its rows FOR UPDATE
 * SKIP LOCKED, so that concurrent workers take disjoint batches without waiting on each other.
 * Materialised, the SELECT runs once (inlined into a join, PostgreSQL may rescan it and lock more
 * than n rows). The SELECT walks the partial index of pending rows (migration 008) in id order
 * and stops after n.
 */
async function claimDue(tx: SqlContext, issueId: number, opts: ClaimOptions) {
  return (
    tx.db
      .with(
        (cte) => cte('picked').materialized(),
        (qc) =>
          qc
            .selectFrom('deliveries')
            .select('id')
            .where('issue_id', '=', issueId)
            .where('status', '=', 'pending')
            .where((w) => w.or([w('next_attempt_at', 'is', null), w('next_attempt_at', '<=', opts.now)]))
            .orderBy('id')
            .limit(opts.limit)
            .$if(tx.dialect === 'postgres', (q) => q.forUpdate().skipLocked()),
      )
      .updateTable('deliveries')
      .from('picked')
      .set((eb) => ({
        status: 'sending',
        attempts: eb('deliveries.attempts', '+', 1),
        claimed_by: opts.worker,
        lease_until: opts.leaseUntil,
        first_attempt_at: eb.fn.coalesce('deliveries.first_attempt_at', sql.val(opts.now)),
        updated_at: opts.now,
      }))
      // No second status test here: the picked rows are locked (PostgreSQL re-checks the SELECT's
      // WHERE on a row it locks; SQLite has one writer), and with one the planner may walk every
      // pending row to join them to the 20 picked (it did, on statistics from before the issue).
      .whereRef('deliveries.id', '=', 'picked.id')
      .returning([
        'deliveries.id',
        'deliveries.issue_id',
        'deliveries.subscriber_id',
        'deliveries.variant',
        'deliveries.attempts',
        'deliveries.first_attempt_at',
        'deliveries.maybe_duplicate',
        'deliveries.personal',
      ])
      .execute()
  );
}

/**
 * The claimed rows whose reader is still active, as jobs in id order; the others are marked
 * `skipped` (an unsubscribe that landed mid-run is honoured for every row not yet claimed).
 */
async function activeJobs(db: Db, claimed: Awaited<ReturnType<typeof claimDue>>, now: string): Promise<DeliveryJob[]> {
  const subscribers = await db
    .selectFrom('subscribers')
    .select(['id', 'email', 'status', 'topics'])
    .where(
      'id',
      'in',
      claimed.map((c) => c.subscriber_id),
    )
    .execute();
  const byId = new Map(subscribers.map((s) => [s.id, s]));
  const inactive = claimed.filter((c) => byId.get(c.subscriber_id)?.status !== 'active').map((c) => c.id);
  for (const ids of chunks(inactive, BATCH)) {
    await db
      .updateTable('deliveries')
      .set({ status: 'skipped', last_error: 'subscriber no longer active', claimed_by: null, lease_until: null, updated_at: now })
      .where('id', 'in', ids)
      .execute();
  }
  return claimed
    .filter((c) => byId.get(c.subscriber_id)?.status === 'active')
    .sort((a, b) => a.id - b.id)
    .map((c) => ({
      id: c.id,
      issueId: c.issue_id,
      subscriberId: c.subscriber_id,
      email: byId.get(c.subscriber_id)!.email,
      variant: c.variant,
      attempts: c.attempts,
      firstAttemptAt: c.first_attempt_at ?? now,
      maybeDuplicate: c.maybe_duplicate === 1,
      personal: c.personal ?? null,
      topics: JSON.parse(byId.get(c.subscriber_id)!.topics) as string[],
    }));
}
