/**
 * The SQL store, subscribers: lookups, inserts, status and preferences.
 */
import type { Frequency, Subscriber, SubscriberStatus } from '../../domain.js';
import { emailKey } from '../../subscriptions/email.js';
import type { NewSubscriber } from '../store.js';
import { BATCH, chunks, toSubscriber } from './base.js';
import { PaperQueries } from './papers.js';

export abstract class SubscriberQueries extends PaperQueries {
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
            created_at: now,
            updated_at: now,
            confirmed_at: r.status === 'active' ? now : null,
            unsubscribed_at: null,
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

  async setSubscriberPreferences(id: number, prefs: { frequency?: Frequency; topics?: string[] }, at: string): Promise<void> {
    await this.db
      .updateTable('subscribers')
      .set({
        updated_at: at,
        ...(prefs.frequency ? { frequency: prefs.frequency } : {}),
        ...(prefs.topics ? { topics: JSON.stringify(prefs.topics) } : {}),
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

}
