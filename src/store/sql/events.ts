/**
 * The SQL store, events: the append-only events table, the paused recipient domains, and the
 * rates `status` shows. The one dialect difference here is how a domain is cut from an address.
 */
import { sql } from 'kysely';
import { BOUNCE_EVENT, type EventSource, type EventType } from '../../domain.js';
import type { EventDelivery, EventRates, NewEvent, RateRow, UnmatchedReports } from '../events.js';
import { type Db, Queries, type SqlContext, chunks } from './context.js';
import type { SubscriberQueries } from './subscribers.js';

/** Each event type's column in the rates `status` shows. */
const RATE_TYPES = {
  [BOUNCE_EVENT.permanent]: 'hardBounces',
  [BOUNCE_EVENT.soft]: 'softBounces',
  [BOUNCE_EVENT.sender]: 'senderRefusals',
  complaint: 'complaints',
} as const;

/** The store's events, paused domains and rates (`EventStore`); an address is looked up among `subscribers`. */
export class EventQueries extends Queries {
  constructor(
    ctx: SqlContext,
    private readonly subscribers: Pick<SubscriberQueries, 'findSubscriber'>,
  ) {
    super(ctx);
  }

  async appendEvent(e: NewEvent): Promise<number | null> {
    const row = await this.db
      .insertInto('events')
      .values({
        type: e.type,
        source: e.source,
        external_id: e.externalId,
        occurred_at: e.occurredAt,
        received_at: e.receivedAt,
        delivery_id: e.deliveryId,
        issue_id: e.issueId,
        subscriber_id: e.subscriberId,
        domain: e.domain,
        status: e.status,
        diagnostic: e.diagnostic,
        feedback_type: e.feedbackType,
        action: e.action,
      })
      .onConflict((oc) => oc.column('external_id').doNothing())
      .returning('id')
      .executeTakeFirst();
    return row ? Number(row.id) : null;
  }

  async hasEvent(externalId: string): Promise<boolean> {
    return (await this.db.selectFrom('events').select('id').where('external_id', '=', externalId).executeTakeFirst()) !== undefined;
  }

  async deliveryById(id: number): Promise<EventDelivery | undefined> {
    return toDelivery(await deliveries(this.db).where('d.id', '=', id).executeTakeFirst());
  }

  async deliveryOf(issueId: number, subscriberId: number): Promise<EventDelivery | undefined> {
    return toDelivery(await deliveries(this.db).where('d.issue_id', '=', issueId).where('d.subscriber_id', '=', subscriberId).executeTakeFirst());
  }

  async lastDeliveryTo(email: string): Promise<EventDelivery | undefined> {
    const subscriber = await this.subscribers.findSubscriber(email);
    if (!subscriber) return undefined;
    const row = await deliveries(this.db)
      .where('d.subscriber_id', '=', subscriber.id)
      .where('d.status', 'in', ['sent', 'failed'])
      .orderBy('d.id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return toDelivery(row) ?? { id: 0, issueId: 0, subscriberId: subscriber.id, email: subscriber.email, subscriberStatus: subscriber.status };
  }

  async softBouncesInLast(subscriberId: number, n: number, withDelivery?: number): Promise<number> {
    const last = (
      await this.db
        .selectFrom('deliveries')
        .select('id')
        .where('subscriber_id', '=', subscriberId)
        .where('status', 'in', ['sent', 'failed'])
        .orderBy('id', 'desc')
        .limit(n)
        .execute()
    ).map((r) => Number(r.id));
    if (last.length === 0) return 0;
    const soft = await this.db
      .selectFrom('events')
      .select('delivery_id')
      .distinct()
      .where('type', '=', BOUNCE_EVENT.soft)
      .where('delivery_id', 'in', last)
      .execute();
    const ids = new Set(soft.map((r) => Number(r.delivery_id)));
    // The same send reported twice (a webhook and the mailbox) counts once; a send no longer among the last n, not at all.
    if (withDelivery !== undefined && last.includes(withDelivery)) ids.add(withDelivery);
    return ids.size;
  }

  async pauseDomain(domain: string, until: string, reason: string, at: string): Promise<void> {
    await this.db
      .insertInto('domain_pauses')
      .values({ domain, until, reason, paused_at: at })
      .onConflict((oc) =>
        oc.column('domain').doUpdateSet({
          // A later pause extends the current one; an earlier one never shortens it.
          until: sql`case when excluded.until > domain_pauses.until then excluded.until else domain_pauses.until end`,
          reason: (eb) => eb.ref('excluded.reason'),
          paused_at: (eb) => eb.ref('excluded.paused_at'),
        }),
      )
      .execute();
  }

  async pausedDomains(now: string): Promise<Map<string, { until: string; reason: string }>> {
    const rows = await this.db.selectFrom('domain_pauses').selectAll().where('until', '>', now).execute();
    return new Map(rows.map((r) => [r.domain, { until: r.until, reason: r.reason }]));
  }

  async deferDeliveries(ids: number[], until: string, reason: string, at: string): Promise<void> {
    for (const part of chunks(ids, 500)) {
      await this.db
        .updateTable('deliveries')
        // Not attempted: the claim's attempt is taken back; the reason tells it from a row waiting for DELIVER_AT.
        .set((eb) => ({
          status: 'pending',
          next_attempt_at: until,
          attempts: eb('attempts', '-', 1),
          last_error: reason.slice(0, 500),
          lease_until: null,
          claimed_by: null,
          updated_at: at,
        }))
        .where('id', 'in', part)
        .where('status', '=', 'sending')
        .execute();
    }
  }

  async eventRates(since: string, domains: number): Promise<EventRates> {
    const day = (col: string) => sql<string>`substr(${sql.ref(col)}, 1, 10)`;
    const domainOf = this.dialect === 'postgres' ? sql<string>`lower(split_part(s.email, '@', 2))` : sql<string>`lower(substr(s.email, instr(s.email, '@') + 1))`;
    const sentByDay = await this.db
      .selectFrom('deliveries')
      .select([day('sent_at').as('key'), (eb) => eb.fn.countAll<number>().as('n')])
      .where('status', '=', 'sent')
      .where('sent_at', '>=', since)
      .groupBy(day('sent_at'))
      .execute();
    const sentByDomain = await this.db
      .selectFrom('deliveries as d')
      .innerJoin('subscribers as s', 's.id', 'd.subscriber_id')
      .select([domainOf.as('key'), (eb) => eb.fn.countAll<number>().as('n')])
      .where('d.status', '=', 'sent')
      .where('d.sent_at', '>=', since)
      .groupBy(domainOf)
      .execute();
    const eventsBy = (key: 'day' | 'domain') =>
      this.db
        .selectFrom('events')
        .select([key === 'day' ? day('occurred_at').as('key') : sql<string>`domain`.as('key'), 'type', (eb) => eb.fn.countAll<number>().as('n')])
        .where('occurred_at', '>=', since)
        .where('subscriber_id', 'is not', null)
        .groupBy([key === 'day' ? day('occurred_at') : sql`domain`, 'type'])
        .execute();
    const merge = (sent: { key: string; n: unknown }[], events: { key: string | null; type: string; n: unknown }[]) => {
      const rows = new Map<string, RateRow>();
      const row = (key: string) => {
        let r = rows.get(key);
        if (!r) rows.set(key, (r = { key, sent: 0, hardBounces: 0, softBounces: 0, complaints: 0, senderRefusals: 0 }));
        return r;
      };
      for (const s of sent) if (s.key) row(s.key).sent = Number(s.n);
      for (const e of events) {
        const field = RATE_TYPES[e.type as keyof typeof RATE_TYPES];
        if (e.key && field) row(e.key)[field] += Number(e.n);
      }
      return [...rows.values()];
    };
    const byDay = merge(sentByDay, await eventsBy('day')).sort((a, b) => a.key.localeCompare(b.key));
    const byDomain = merge(sentByDomain, await eventsBy('domain'))
      .sort((a, b) => b.sent - a.sent || a.key.localeCompare(b.key))
      .slice(0, domains);
    return { since, byDay, byDomain };
  }

  async senderRefusalReaders(domain: string, since: string, besides: number): Promise<number> {
    const row = await this.db
      .selectFrom('events')
      .select((eb) => eb.fn.count<number>('subscriber_id').distinct().as('n'))
      .where('type', '=', BOUNCE_EVENT.sender)
      .where('domain', '=', domain)
      .where('received_at', '>=', since)
      .where('subscriber_id', 'is not', null)
      .where('subscriber_id', '<>', besides)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async unmatchedReports(since: string, limit: number): Promise<UnmatchedReports> {
    // Matched events always name their reader (forget deletes them with it): null is unmatched.
    const unmatched = () => this.db.selectFrom('events').where('subscriber_id', 'is', null).where('received_at', '>=', since);
    const count = await unmatched()
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    const last = await unmatched().select(['received_at', 'source', 'type', 'domain', 'status']).orderBy('id', 'desc').limit(limit).execute();
    return {
      count: Number(count?.n ?? 0),
      last: last.map((r) => ({ receivedAt: r.received_at, source: r.source as EventSource, type: r.type as EventType, domain: r.domain, status: r.status })),
    };
  }
}

/** Deliveries with their reader's address and state. */
function deliveries(db: Db) {
  return db
    .selectFrom('deliveries as d')
    .innerJoin('subscribers as s', 's.id', 'd.subscriber_id')
    .select(['d.id', 'd.issue_id', 'd.subscriber_id', 's.email', 's.status']);
}

function toDelivery(r: { id: number; issue_id: number; subscriber_id: number; email: string; status: string } | undefined): EventDelivery | undefined {
  return r && { id: Number(r.id), issueId: Number(r.issue_id), subscriberId: Number(r.subscriber_id), email: r.email, subscriberStatus: r.status };
}
