/**
 * The SQL store, the ledger counted up for people: what is left of an issue and when it is due,
 * its latest failures, and the whole store's counts for `paperboy status`.
 */
import type { DeliveryStatus } from '../../domain.js';
import { DELIVERY_STATUSES, SUBSCRIBER_STATUSES } from '../../domain.js';
import type { LaterDeliveries, StoreStatus } from '../store.js';
import { Queries } from './context.js';
import { countsOf, toIssue } from './rows.js';

/** The store's counts of the ledger and of everything (`Store`: status, counts, failures, what waits). */
export class StatusQueries extends Queries {
  async nextAttemptAt(issueId: number): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('deliveries')
      .select((eb) => eb.fn.min('next_attempt_at').as('next'))
      .where('issue_id', '=', issueId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return (row?.next as string | null | undefined) ?? undefined;
  }

  async issueFailures(issueId: number, limit: number): Promise<{ email: string; status: DeliveryStatus; attempts: number; error: string; at: string }[]> {
    const rows = await this.db
      .selectFrom('deliveries as d')
      .innerJoin('subscribers as s', 's.id', 'd.subscriber_id')
      .select(['s.email', 'd.status', 'd.attempts', 'd.last_error', 'd.updated_at'])
      .where('d.issue_id', '=', issueId)
      .where('d.last_error', 'is not', null)
      .where('d.status', 'in', ['failed', 'pending'])
      .orderBy('d.updated_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ email: r.email, status: r.status as DeliveryStatus, attempts: Number(r.attempts), error: r.last_error!, at: r.updated_at }));
  }

  async laterDeliveries(issueId?: number): Promise<LaterDeliveries> {
    // A row never attempted and never deferred that has a due time was given one by DELIVER_AT
    // (createIssue); a retry has attempts > 0, a row held back for a paused domain (never
    // attempted) has its reason as last_error, and a row taken back from a dead worker is flagged,
    // so the groups never mix.
    let q = this.db
      .selectFrom('deliveries')
      .select((eb) => [
        eb
          .case()
          .when(eb.and([eb('attempts', '=', 0), eb('last_error', 'is', null), eb('maybe_duplicate', '=', 0)]))
          .then(1)
          .else(0)
          .end()
          .as('local'),
        eb.fn.countAll().as('n'),
        eb.fn.min('next_attempt_at').as('next'),
        eb.fn.sum<number>('maybe_duplicate').as('flagged'),
      ])
      .where('status', '=', 'pending')
      .where('next_attempt_at', 'is not', null)
      .groupBy('local');
    if (issueId !== undefined) q = q.where('issue_id', '=', issueId);
    const out: LaterDeliveries = { localTime: { count: 0 }, retries: { count: 0, possibleDuplicates: 0 } };
    for (const r of await q.execute()) {
      const group = { count: Number(r.n), ...(r.next ? { next: r.next as string } : {}) };
      if (Number(r.local) === 1) out.localTime = group;
      else out.retries = { ...group, possibleDuplicates: Number(r.flagged ?? 0) };
    }
    return out;
  }

  async countDeliveries(issueId: number): Promise<Partial<Record<DeliveryStatus, number>>> {
    const rows = await this.db
      .selectFrom('deliveries')
      .select(['status', (eb) => eb.fn.countAll().as('n')])
      .where('issue_id', '=', issueId)
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  async status(lastIssues: number): Promise<StoreStatus> {
    const papers = await this.db
      .selectFrom('papers')
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.max('first_seen_at').as('newest')])
      .executeTakeFirstOrThrow();
    const subs = await this.db
      .selectFrom('subscribers')
      .select(['status', (eb) => eb.fn.countAll().as('n')])
      .groupBy('status')
      .execute();
    const dels = await this.db
      .selectFrom('deliveries')
      .select(['status', (eb) => eb.fn.countAll().as('n')])
      .groupBy('status')
      .execute();
    const issues = await this.db.selectFrom('issues').selectAll().orderBy('id', 'desc').limit(lastIssues).execute();
    const last = [];
    for (const row of issues) {
      const count = await this.db
        .selectFrom('issue_papers')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('issue_id', '=', row.id)
        .where('variant', '=', 0)
        .executeTakeFirstOrThrow();
      last.push({ ...toIssue(row), papers: Number(count.n), deliveries: await this.countDeliveries(row.id) });
    }
    const errors = await this.db
      .selectFrom('deliveries as d')
      .innerJoin('subscribers as s', 's.id', 'd.subscriber_id')
      .select(['s.email', 'd.issue_id', 'd.last_error', 'd.updated_at'])
      .where('d.last_error', 'is not', null)
      .where('d.status', 'in', ['failed', 'pending'])
      .orderBy('d.updated_at', 'desc')
      .limit(5)
      .execute();
    // Flagged rows that went out again; flagged rows still waiting for their retry are among the deferred.
    const dup = await this.db
      .selectFrom('deliveries')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('maybe_duplicate', '=', 1)
      .where('status', '=', 'sent')
      .executeTakeFirstOrThrow();
    const { localTime, retries } = await this.laterDeliveries();
    return {
      papers: { total: Number(papers.n), newestSeenAt: (papers.newest as string | null) ?? null },
      waitingForLocalTime: { count: localTime.count, next: localTime.next ?? null },
      deferred: { count: retries.count, next: retries.next ?? null, possibleDuplicates: retries.possibleDuplicates ?? 0 },
      possibleDuplicates: Number(dup.n),
      subscribers: countsOf(SUBSCRIBER_STATUSES, subs),
      deliveries: countsOf(DELIVERY_STATUSES, dels),
      lastIssues: last,
      lastErrors: errors.map((e) => ({ email: e.email, issueId: e.issue_id, error: e.last_error!, at: e.updated_at })),
    };
  }
}
