/**
 * The SQL store, subscribers: lookups, inserts, status and preferences.
 */
import type { Frequency, Subscriber, SubscriberStatus } from '../../domain.js';
import { emailKey } from '../../lib/email.js';
import { type RawBuilder, type SelectQueryBuilder, sql } from 'kysely';
import type { Database } from '../schema.js';
import type { ConfirmationClaim, ConfirmationRequest, NewSubscriber, SubscriberGrowthDay, SubscriberPreferences, SubscriberSearch } from '../store.js';
import { BATCH, Queries, chunks } from './context.js';
import { toSubscriber } from './rows.js';

/** `text` as a literal inside a LIKE pattern whose escape character is `!`. */
const likeLiteral = (text: string) => text.replace(/[!%_]/g, (c) => `!${c}`);

/** The store's subscribers, their confirmations and the kept suppressions (`Store`: Subscribers). */
export class SubscriberQueries extends Queries {
  async searchSubscribers(opts: SubscriberSearch): Promise<Subscriber[]> {
    let q = this.db
      .selectFrom('subscribers')
      .selectAll()
      .where('id', '>', opts.after ?? 0);
    // lower() on both sides and an explicit ESCAPE: the same answer on SQLite (LIKE ignores ASCII
    // case) and PostgreSQL (LIKE is case-sensitive, and its default escape is a backslash).
    if (opts.query) q = q.where(sql<boolean>`lower(email) like ${`%${likeLiteral(opts.query.toLowerCase())}%`} escape '!'`);
    if (opts.status) q = q.where('status', '=', opts.status);
    if (opts.frequency) q = q.where('frequency', '=', opts.frequency);
    // Topics are stored as a JSON array of lower-case strings without quotes or backslashes
    // (parseTopics), so the quoted topic as a substring matches exactly that element.
    if (opts.topic) q = q.where(sql<boolean>`topics like ${`%${likeLiteral(JSON.stringify(opts.topic.toLowerCase()))}%`} escape '!'`);
    const rows = await q.orderBy('id').limit(opts.limit).execute();
    return rows.map(toSubscriber);
  }

  async findSubscriber(email: string): Promise<Subscriber | undefined> {
    const row = await this.db.selectFrom('subscribers').selectAll().where('email_key', '=', emailKey(email)).executeTakeFirst();
    return row && toSubscriber(row);
  }

  async getSubscriber(id: number): Promise<Subscriber | undefined> {
    const row = await this.db.selectFrom('subscribers').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toSubscriber(row);
  }

  async insertSubscribers(rows: NewSubscriber[]): Promise<number> {
    let added = 0;
    const now = new Date().toISOString();
    for (const chunk of chunks(rows, BATCH)) {
      const result = await this.db
        .insertInto('subscribers')
        .values(
          chunk.map((r) => ({
            email: r.email,
            email_key: emailKey(r.email),
            status: r.status,
            topics: JSON.stringify(r.topics),
            frequency: r.frequency,
            source: r.source,
            created_at: r.createdAt ?? now,
            updated_at: r.updatedAt ?? now,
            confirmed_at: r.confirmedAt !== undefined ? r.confirmedAt : r.status === 'active' ? now : null,
            unsubscribed_at: r.unsubscribedAt ?? null,
            confirm_sent_at: null,
            timezone: r.timezone ?? null,
          })),
        )
        .onConflict((oc) => oc.column('email_key').doNothing())
        .executeTakeFirst();
      added += Number(result.numInsertedOrUpdatedRows ?? 0);
    }
    return added;
  }

  async setSubscriberStatus(id: number, status: SubscriberStatus, at: string): Promise<void> {
    await this.db
      .updateTable('subscribers')
      .set({
        status,
        updated_at: at,
        ...(status === 'active' ? { confirmed_at: at, unsubscribed_at: null } : {}),
        ...(status === 'unsubscribed' ? { unsubscribed_at: at } : {}),
      })
      .where('id', '=', id)
      .execute();
  }

  async setSubscriberPreferences(id: number, prefs: SubscriberPreferences, at: string): Promise<void> {
    await this.db
      .updateTable('subscribers')
      .set({
        updated_at: at,
        ...(prefs.frequency ? { frequency: prefs.frequency } : {}),
        ...(prefs.topics ? { topics: JSON.stringify(prefs.topics) } : {}),
        ...(prefs.timezone !== undefined ? { timezone: prefs.timezone } : {}),
      })
      .where('id', '=', id)
      .execute();
  }

  async *iterateSubscribers(): AsyncIterable<Subscriber> {
    let after = 0;
    for (;;) {
      const rows = await this.db.selectFrom('subscribers').selectAll().where('id', '>', after).orderBy('id').limit(1000).execute();
      if (rows.length === 0) return;
      for (const row of rows) yield toSubscriber(row);
      after = rows[rows.length - 1]!.id;
    }
  }

  async countActive(frequency: Frequency): Promise<number> {
    const row = await this.db
      .selectFrom('subscribers')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('status', '=', 'active')
      .where('frequency', '=', frequency)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async subscriberGrowth(since: string): Promise<SubscriberGrowthDay[]> {
    // Timestamps are ISO text on both dialects, so their first 10 characters are the UTC day
    // and `>= since` compares as text. The expressions carry no parameter, so that PostgreSQL
    // sees the GROUP BY expression as the selected one.
    const perDay = async (
      at: RawBuilder<string | null>,
      only: (q: SelectQueryBuilder<Database, 'subscribers', object>) => SelectQueryBuilder<Database, 'subscribers', object>,
    ) => {
      const day = sql<string>`substr(${at}, 1, 10)`;
      const rows = await only(this.db.selectFrom('subscribers'))
        .select((eb) => [day.as('day'), eb.fn.countAll().as('n')])
        .where(at, '>=', since)
        .groupBy(day)
        .execute();
      return new Map(rows.map((r) => [r.day, Number(r.n)]));
    };
    // When a former reader left: an unsubscription's own time, else the row's last change (a suppression).
    const leftAt = sql<string | null>`case when status = 'unsubscribed' then coalesce(unsubscribed_at, updated_at) else updated_at end`;
    const joined = await perDay(sql`created_at`, (q) => q);
    const confirmed = await perDay(sql`confirmed_at`, (q) => q.where('confirmed_at', 'is not', null));
    const left = await perDay(leftAt, (q) => q.where('status', 'in', ['unsubscribed', 'suppressed']).where('confirmed_at', 'is not', null));
    const days = [...new Set([...joined.keys(), ...confirmed.keys(), ...left.keys()])].sort();
    return days.map((day) => ({ day, joined: joined.get(day) ?? 0, left: left.get(day) ?? 0, confirmed: confirmed.get(day) ?? 0 }));
  }

  async activateSubscriber(id: number, at: string): Promise<boolean> {
    const result = await this.db
      .updateTable('subscribers')
      .set({ status: 'active', confirmed_at: at, unsubscribed_at: null, updated_at: at })
      .where('id', '=', id)
      .where('status', 'in', ['pending', 'unsubscribed'])
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async claimConfirmation(id: number, at: string, notAfter: string): Promise<string | null | false> {
    const before = await this.db.selectFrom('subscribers').select('confirm_sent_at').where('id', '=', id).executeTakeFirst();
    if (!before) return false;
    // One statement decides: of several requests at once for one address, one sends.
    const result = await this.db
      .updateTable('subscribers')
      .set({ confirm_sent_at: at })
      .where('id', '=', id)
      .where((w) => w.or([w('confirm_sent_at', 'is', null), w('confirm_sent_at', '<=', notAfter)]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1 ? before.confirm_sent_at : false;
  }

  async requestConfirmation(r: ConfirmationRequest): Promise<ConfirmationClaim | undefined> {
    const key = emailKey(r.email);
    const topics = JSON.stringify(r.topics);
    // PostgreSQL waits at commit for the WAL to reach the disk, but only when the transaction
    // wrote: a new address (a row written) would answer milliseconds after a known one (nothing
    // written). Not waiting makes both commits alike; a server crash in the next moment may lose
    // this sign-up (the reader then subscribes again), never anything already confirmed.
    if (this.dialect === 'postgres') await sql`set local synchronous_commit = off`.execute(this.db);
    // 1. Insert as pending, unless on the list (the conflict) or kept as suppressed (the WHERE).
    await this.db
      .insertInto('subscribers')
      .columns(['email', 'email_key', 'status', 'topics', 'frequency', 'source', 'created_at', 'updated_at', 'timezone'])
      .expression(
        this.db
          .selectNoFrom((eb) => [
            eb.val(r.email).as('email'),
            eb.val(key).as('email_key'),
            eb.val('pending').as('status'),
            eb.val(topics).as('topics'),
            eb.val(r.frequency).as('frequency'),
            eb.val('web').as('source'),
            eb.val(r.at).as('created_at'),
            eb.val(r.at).as('updated_at'),
            eb.val(r.timezone).as('timezone'),
          ])
          .where(({ not, exists, selectFrom }) => not(exists(selectFrom('suppressions').select('email_hash').where('email_hash', '=', r.emailHash)))),
      )
      .onConflict((oc) => oc.column('email_key').doNothing())
      .execute();
    // 2. The row as it was before this request (the previous send time, for a restore).
    const before = await this.db.selectFrom('subscribers').selectAll().where('email_key', '=', key).executeTakeFirst();
    // 3. One statement decides whether a confirmation is due: of several requests at once, one claims.
    const claimed = await this.db
      .updateTable('subscribers')
      .set({ confirm_sent_at: r.at, topics, frequency: r.frequency, timezone: r.timezone, updated_at: r.at })
      .where('email_key', '=', key)
      .where('status', 'in', ['pending', 'unsubscribed'])
      .where((w) => w.or([w('confirm_sent_at', 'is', null), w('confirm_sent_at', '<=', r.notAfter)]))
      .executeTakeFirst();
    if (!before || Number(claimed.numUpdatedRows) !== 1) return undefined;
    const s = toSubscriber(before);
    return { subscriber: { ...s, topics: r.topics, frequency: r.frequency, timezone: r.timezone, confirmSentAt: r.at, updatedAt: r.at }, previous: s.confirmSentAt };
  }

  async restoreConfirmation(id: number, claimedAt: string, previous: string | null): Promise<void> {
    await this.db.updateTable('subscribers').set({ confirm_sent_at: previous }).where('id', '=', id).where('confirm_sent_at', '=', claimedAt).execute();
  }

  async countConfirmationsSince(since: string): Promise<number> {
    const row = await this.db
      .selectFrom('subscribers')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('confirm_sent_at', '>', since)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async isSuppressedHash(hash: string): Promise<boolean> {
    const row = await this.db.selectFrom('suppressions').select('email_hash').where('email_hash', '=', hash).executeTakeFirst();
    return row !== undefined;
  }

  async suppressionHashes(): Promise<Set<string>> {
    const rows = await this.db.selectFrom('suppressions').select('email_hash').execute();
    return new Set(rows.map((r) => r.email_hash));
  }

  async addSuppression(hash: string, reason: string, at: string): Promise<void> {
    await this.db
      .insertInto('suppressions')
      .values({ email_hash: hash, reason, created_at: at })
      .onConflict((oc) => oc.column('email_hash').doNothing())
      .execute();
  }

  async eraseSubscriber(id: number): Promise<{ deliveries: number; signals: number }> {
    // Erasure wins over the events table's append-only rule: a forgotten reader's reports go too.
    await this.db.deleteFrom('events').where('subscriber_id', '=', id).execute();
    const deleted = await this.db.deleteFrom('deliveries').where('subscriber_id', '=', id).executeTakeFirst();
    const signals = await this.db.deleteFrom('signals').where('subscriber_id', '=', id).executeTakeFirst();
    // Papers only this reader's library brought say something about them: they go too.
    await this.db
      .deleteFrom('library_papers')
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('signals').select('signals.paper_id').whereRef('signals.paper_id', '=', 'library_papers.id'))))
      .execute();
    await this.db.deleteFrom('subscribers').where('id', '=', id).execute();
    return { deliveries: Number(deleted.numDeletedRows), signals: Number(signals.numDeletedRows) };
  }
}
