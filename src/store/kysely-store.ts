/**
 * The Store on Kysely: one implementation for every SQL dialect Kysely speaks.
 * Queries are batched so that SQLite's parameter limit and large lists stay out of the way.
 */
import { type Kysely, type Selectable, type Transaction, sql } from 'kysely';
import type {
  DeliveryJob,
  DeliveryStatus,
  Frequency,
  Issue,
  IssueStatus,
  Paper,
  Subscriber,
  SubscriberStatus,
} from '../domain.js';
import { DELIVERY_STATUSES, SUBSCRIBER_STATUSES } from '../domain.js';
import { emailKey } from '../subscriptions/email.js';
import type { Dialect } from './open.js';
import type { Database, IssuesTable, PapersTable, SubscribersTable } from './schema.js';
import type { ClaimOptions, DeliveryResult, IssuePlan, NewPaper, NewSubscriber, Store, StoreStatus } from './store.js';

type Db = Kysely<Database> | Transaction<Database>;

/** Rows per INSERT: keeps every statement under SQLite's bound-parameter limit. */
const BATCH = 500;

export class KyselyStore implements Store {
  constructor(
    private readonly db: Db,
    private readonly dialect: Dialect,
    private readonly inTransaction = false,
  ) {}

  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this);
    return (this.db as Kysely<Database>).transaction().execute((trx) => fn(new KyselyStore(trx, this.dialect, true)));
  }

  async close(): Promise<void> {
    if (!this.inTransaction) await (this.db as Kysely<Database>).destroy();
  }

  // ---- papers ----

  async findPapers(ids: string[], titleKeys: string[]): Promise<Paper[]> {
    const out: Paper[] = [];
    for (const chunk of chunks(ids, BATCH)) {
      const rows = await this.db.selectFrom('papers').selectAll().where('id', 'in', chunk).execute();
      out.push(...rows.map(toPaper));
    }
    for (const chunk of chunks(titleKeys, BATCH)) {
      const rows = await this.db.selectFrom('papers').selectAll().where('title_key', 'in', chunk).execute();
      out.push(...rows.map(toPaper));
    }
    return out;
  }

  async insertPapers(papers: NewPaper[]): Promise<void> {
    for (const chunk of chunks(papers, BATCH)) {
      await this.db.insertInto('papers').values(chunk.map(fromPaper)).execute();
    }
  }

  async updatePapers(papers: Paper[]): Promise<void> {
    for (const p of papers) {
      const { id, first_seen_at: _keep, ...row } = fromPaper(p);
      await this.db.updateTable('papers').set(row).where('id', '=', id).execute();
    }
  }

  async sentPaperIds(ids: string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const chunk of chunks(ids, BATCH)) {
      const rows = await this.db
        .selectFrom('issue_papers as ip')
        .innerJoin('deliveries as d', (j) => j.onRef('d.issue_id', '=', 'ip.issue_id').onRef('d.variant', '=', 'ip.variant'))
        .select('ip.paper_id')
        .distinct()
        .where('d.status', '=', 'sent')
        .where('ip.paper_id', 'in', chunk)
        .execute();
      for (const r of rows) out.add(r.paper_id);
    }
    return out;
  }

  async getValidators(source: string): Promise<{ etag?: string; lastModified?: string } | undefined> {
    const row = await this.db.selectFrom('sources').selectAll().where('source', '=', source).executeTakeFirst();
    if (!row) return undefined;
    return { ...(row.etag ? { etag: row.etag } : {}), ...(row.last_modified ? { lastModified: row.last_modified } : {}) };
  }

  async setValidators(source: string, v: { etag?: string; lastModified?: string }, at: string): Promise<void> {
    const values = { etag: v.etag ?? null, last_modified: v.lastModified ?? null, fetched_at: at };
    await this.db
      .insertInto('sources')
      .values({ source, ...values })
      .onConflict((oc) => oc.column('source').doUpdateSet(values))
      .execute();
  }

  async papersAfter(seq: number): Promise<Paper[]> {
    const rows = await this.db.selectFrom('papers').selectAll().where('seq', '>', seq).orderBy('seq').execute();
    return rows.map(toPaper);
  }

  async maxPaperSeq(): Promise<number> {
    const row = await this.db.selectFrom('papers').select((eb) => eb.fn.max('seq').as('hi')).executeTakeFirst();
    return Number(row?.hi ?? 0);
  }

  // ---- subscribers ----

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

  // ---- issues and the ledger ----

  async lastIssue(frequency: Frequency): Promise<Issue | undefined> {
    const row = await this.db
      .selectFrom('issues')
      .selectAll()
      .where('frequency', '=', frequency)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row && toIssue(row);
  }

  async unfinishedIssues(): Promise<Issue[]> {
    const rows = await this.db.selectFrom('issues').selectAll().where('status', '!=', 'sent').orderBy('id').execute();
    return rows.map(toIssue);
  }

  async getIssue(id: number): Promise<Issue | undefined> {
    const row = await this.db.selectFrom('issues').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toIssue(row);
  }

  async recentIssues(limit: number): Promise<Issue[]> {
    const rows = await this.db.selectFrom('issues').selectAll().orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toIssue);
  }

  async deliveredAmong(paperIds: string[], frequency: Frequency): Promise<Map<number, Set<string>>> {
    const out = new Map<number, Set<string>>();
    for (const chunk of chunks(paperIds, BATCH)) {
      const rows = await this.db
        .selectFrom('deliveries as d')
        .innerJoin('issue_papers as ip', (j) => j.onRef('ip.issue_id', '=', 'd.issue_id').onRef('ip.variant', '=', 'd.variant'))
        .innerJoin('subscribers as s', 's.id', 'd.subscriber_id')
        .select(['d.subscriber_id', 'ip.paper_id'])
        .where('d.status', 'in', ['sent', 'sending'])
        .where('s.status', '=', 'active')
        .where('s.frequency', '=', frequency)
        .where('ip.paper_id', 'in', chunk)
        .execute();
      for (const r of rows) {
        let set = out.get(r.subscriber_id);
        if (!set) out.set(r.subscriber_id, (set = new Set()));
        set.add(r.paper_id);
      }
    }
    return out;
  }

  async createIssue(plan: IssuePlan): Promise<Issue> {
    return this.transaction(async (tx) => (tx as KyselyStore).createIssueInTx(plan));
  }

  private async createIssueInTx(plan: IssuePlan): Promise<Issue> {
    const row = await this.db
      .insertInto('issues')
      .values({
        frequency: plan.frequency,
        status: 'sending',
        created_at: plan.createdAt,
        finished_at: null,
        paper_seq_hi: plan.paperSeqHi,
        subject: plan.subject,
        issue_date: plan.issueDate,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const papers = plan.variants.flatMap((v) =>
      v.paperIds.map((paper_id, position) => ({ issue_id: row.id, variant: v.variant, position, paper_id })),
    );
    for (const chunk of chunks(papers, BATCH)) await this.db.insertInto('issue_papers').values(chunk).execute();

    await this.db
      .insertInto('deliveries')
      .columns(['issue_id', 'subscriber_id', 'variant', 'status', 'attempts', 'updated_at'])
      .expression((eb) =>
        eb
          .selectFrom('subscribers')
          .select([
            sql.lit(row.id).as('issue_id'),
            'id',
            sql.lit(0).as('variant'),
            sql.lit('pending').as('status'),
            sql.lit(0).as('attempts'),
            sql.val(plan.createdAt).as('updated_at'),
          ])
          .where('status', '=', 'active')
          .where('frequency', '=', plan.frequency),
      )
      .execute();
    for (const [subscriberId, variant] of plan.overrides) {
      const target = this.db.updateTable('deliveries');
      if (variant === null) {
        await this.db.deleteFrom('deliveries').where('issue_id', '=', row.id).where('subscriber_id', '=', subscriberId).execute();
      } else {
        await target.set({ variant }).where('issue_id', '=', row.id).where('subscriber_id', '=', subscriberId).execute();
      }
    }
    return toIssue(row);
  }

  async issueVariants(issueId: number): Promise<Map<number, Paper[]>> {
    const rows = await this.db
      .selectFrom('issue_papers as ip')
      .innerJoin('papers as p', 'p.id', 'ip.paper_id')
      .selectAll('p')
      .select('ip.variant')
      .where('ip.issue_id', '=', issueId)
      .orderBy('ip.variant')
      .orderBy('ip.position')
      .execute();
    const out = new Map<number, Paper[]>();
    for (const r of rows) {
      let list = out.get(r.variant);
      if (!list) out.set(r.variant, (list = []));
      list.push(toPaper(r));
    }
    return out;
  }

  async claimDeliveries(issueId: number, opts: ClaimOptions): Promise<DeliveryJob[]> {
    return this.transaction(async (tx) => {
      const db = (tx as KyselyStore).db;
      // A batch of nothing but unsubscribed readers is not the end of the issue: take the next one.
      for (;;) {
        // One UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING: atomic, so concurrent workers never share a row.
        const claimed = await db
          .updateTable('deliveries')
          .set((eb) => ({
            status: 'sending',
            attempts: eb('attempts', '+', 1),
            claimed_by: opts.worker,
            lease_until: opts.leaseUntil,
            first_attempt_at: eb.fn.coalesce('first_attempt_at', sql.val(opts.now)),
            updated_at: opts.now,
          }))
          .where('id', 'in', (eb) =>
            eb
              .selectFrom('deliveries')
              .select('id')
              .where('issue_id', '=', issueId)
              .where('status', '=', 'pending')
              .where((w) => w.or([w('next_attempt_at', 'is', null), w('next_attempt_at', '<=', opts.now)]))
              .orderBy('id')
              .limit(opts.limit),
          )
          .returning(['id', 'issue_id', 'subscriber_id', 'variant', 'attempts', 'first_attempt_at', 'maybe_duplicate'])
          .execute();
        if (claimed.length === 0) return [];
        const subscribers = await db
          .selectFrom('subscribers')
          .select(['id', 'email', 'status'])
          .where('id', 'in', claimed.map((c) => c.subscriber_id))
          .execute();
        const byId = new Map(subscribers.map((s) => [s.id, s]));
        const inactive = claimed.filter((c) => byId.get(c.subscriber_id)?.status !== 'active').map((c) => c.id);
        for (const ids of chunks(inactive, BATCH)) {
          await db
            .updateTable('deliveries')
            .set({ status: 'skipped', last_error: 'subscriber no longer active', claimed_by: null, lease_until: null, updated_at: opts.now })
            .where('id', 'in', ids)
            .execute();
        }
        if (inactive.length === claimed.length) continue;
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
            firstAttemptAt: c.first_attempt_at ?? opts.now,
            maybeDuplicate: c.maybe_duplicate === 1,
          }));
      }
    });
  }

  async releaseDeliveries(ids: number[]): Promise<void> {
    for (const chunk of chunks(ids, BATCH)) {
      await this.db
        .updateTable('deliveries')
        .set((eb) => ({ status: 'pending', attempts: eb('attempts', '-', 1), claimed_by: null, lease_until: null }))
        .where('id', 'in', chunk)
        .where('status', '=', 'sending')
        .execute();
    }
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
    await this.transaction(async (tx) => {
      const db = (tx as KyselyStore).db;
      for (const group of chunks(results, 100)) {
        const rows = group.map(
          (r) =>
            sql`(${r.id}, ${r.status}, ${r.at}, ${r.error ?? null}, ${r.reply ?? null}, ${r.messageId ?? null}, ${
              r.status === 'pending' ? (r.nextAttemptAt ?? r.at) : null
            })`,
        );
        await sql`
          update deliveries set
            status = v.status, updated_at = v.at, last_error = v.error, reply = v.reply,
            message_id = coalesce(v.message_id, deliveries.message_id),
            sent_at = case when v.status = 'sent' then v.at else deliveries.sent_at end,
            next_attempt_at = v.next_attempt_at, claimed_by = null, lease_until = null
          from (select column1 as id, column2 as status, column3 as at, column4 as error, column5 as reply,
                       column6 as message_id, column7 as next_attempt_at
                from (values ${sql.join(rows)})) as v
          where deliveries.id = v.id`.execute(db);
      }
    });
  }

  async issuesWithDueDeliveries(now: string): Promise<number[]> {
    const rows = await this.db
      .selectFrom('deliveries')
      .select('issue_id')
      .distinct()
      .where('status', '=', 'pending')
      .where((w) => w.or([w('next_attempt_at', 'is', null), w('next_attempt_at', '<=', now)]))
      .orderBy('issue_id')
      .execute();
    return rows.map((r) => r.issue_id);
  }

  async nextAttemptAt(issueId: number): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('deliveries')
      .select((eb) => eb.fn.min('next_attempt_at').as('next'))
      .where('issue_id', '=', issueId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    return (row?.next as string | null | undefined) ?? undefined;
  }

  async setIssueStatus(issueId: number, status: IssueStatus, at: string): Promise<void> {
    await this.db
      .updateTable('issues')
      .set({ status, finished_at: status === 'sent' ? at : null })
      .where('id', '=', issueId)
      .execute();
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
    const subs = await this.db.selectFrom('subscribers').select(['status', (eb) => eb.fn.countAll().as('n')]).groupBy('status').execute();
    const dels = await this.db.selectFrom('deliveries').select(['status', (eb) => eb.fn.countAll().as('n')]).groupBy('status').execute();
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
    const dup = await this.db
      .selectFrom('deliveries')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('maybe_duplicate', '=', 1)
      .executeTakeFirstOrThrow();
    return {
      papers: { total: Number(papers.n), newestSeenAt: (papers.newest as string | null) ?? null },
      possibleDuplicates: Number(dup.n),
      subscribers: countsOf(SUBSCRIBER_STATUSES, subs),
      deliveries: countsOf(DELIVERY_STATUSES, dels),
      lastIssues: last,
      lastErrors: errors.map((e) => ({ email: e.email, issueId: e.issue_id, error: e.last_error!, at: e.updated_at })),
    };
  }
}

function countsOf<K extends string>(keys: readonly K[], rows: { status: string; n: unknown }[]): Record<K, number> {
  const out = Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
  for (const r of rows) if ((keys as readonly string[]).includes(r.status)) out[r.status as K] = Number(r.n);
  return out;
}

function* chunks<T>(items: T[], size: number): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

function toPaper(r: Selectable<PapersTable>): Paper {
  return {
    id: r.id,
    seq: Number(r.seq),
    titleKey: r.title_key,
    title: r.title,
    abstract: r.abstract,
    authors: JSON.parse(r.authors),
    links: JSON.parse(r.links),
    extra: JSON.parse(r.extra),
    ...(r.arxiv_id ? { arxivId: r.arxiv_id } : {}),
    ...(r.upvotes !== null ? { upvotes: r.upvotes } : {}),
    ...(r.published_at ? { publishedAt: r.published_at } : {}),
    firstSeenAt: r.first_seen_at,
    updatedAt: r.updated_at,
    source: r.source,
  };
}

function fromPaper(p: NewPaper) {
  return {
    id: p.id,
    title_key: p.titleKey,
    arxiv_id: p.arxivId ?? null,
    title: p.title,
    abstract: p.abstract,
    authors: JSON.stringify(p.authors),
    links: JSON.stringify(p.links),
    extra: JSON.stringify(p.extra),
    upvotes: p.upvotes ?? null,
    published_at: p.publishedAt ?? null,
    first_seen_at: p.firstSeenAt,
    updated_at: p.updatedAt,
    source: p.source,
  };
}

function toSubscriber(r: Selectable<SubscribersTable>): Subscriber {
  return {
    id: Number(r.id),
    email: r.email,
    status: r.status as SubscriberStatus,
    topics: JSON.parse(r.topics),
    frequency: r.frequency as Frequency,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    confirmedAt: r.confirmed_at,
    unsubscribedAt: r.unsubscribed_at,
  };
}

function toIssue(r: Selectable<IssuesTable>): Issue {
  return {
    id: Number(r.id),
    frequency: r.frequency as Frequency,
    status: r.status as IssueStatus,
    createdAt: r.created_at,
    paperSeqHi: Number(r.paper_seq_hi),
    subject: r.subject,
    issueDate: r.issue_date,
  };
}
