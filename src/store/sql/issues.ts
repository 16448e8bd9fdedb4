/**
 * The SQL store, issues: what was sent before, writing an issue with its variants and deliveries.
 */
import { sql } from 'kysely';
import type { Frequency, Issue, Paper } from '../../domain.js';
import type { IssuePlan } from '../store.js';
import { BATCH, type Db, Queries, chunks } from './context.js';
import { toIssue, toPaper } from './rows.js';
import { canonicalTimeZone, nextLocalTime } from '../../lib/time.js';

/** Rows per page when streaming readers with topics (two small columns each). */
const TOPIC_PAGE = 5000;

/** The store's issues: what went before, who already had which papers, writing an issue (`Store`: Issues). */
export class IssueQueries extends Queries {
  async lastIssue(frequency: Frequency): Promise<Issue | undefined> {
    const row = await this.db.selectFrom('issues').selectAll().where('frequency', '=', frequency).orderBy('id', 'desc').limit(1).executeTakeFirst();
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
    // First the (issue, variant)s that carried any of the papers (few; none for new papers), then
    // each one's readers: the planner never starts from the whole ledger.
    const carriers = new Map<string, { issueId: number; variant: number; papers: string[] }>();
    for (const chunk of chunks(paperIds, BATCH)) {
      const rows = await this.db.selectFrom('issue_papers').select(['issue_id', 'variant', 'paper_id']).where('paper_id', 'in', chunk).execute();
      for (const r of rows) {
        const key = `${r.issue_id}:${r.variant}`;
        const c = carriers.get(key);
        if (c) c.papers.push(r.paper_id);
        else carriers.set(key, { issueId: Number(r.issue_id), variant: r.variant, papers: [r.paper_id] });
      }
    }
    const out = new Map<number, Set<string>>();
    for (const c of carriers.values()) {
      const readers = await this.db
        .selectFrom('deliveries as d')
        .innerJoin('subscribers as s', 's.id', 'd.subscriber_id')
        .select('d.subscriber_id')
        .where('d.issue_id', '=', c.issueId)
        .where('d.variant', '=', c.variant)
        .where('d.status', 'in', ['sent', 'sending'])
        .where('s.status', '=', 'active')
        .where('s.frequency', '=', frequency)
        .execute();
      for (const r of readers) {
        let set = out.get(r.subscriber_id);
        if (!set) out.set(r.subscriber_id, (set = new Set()));
        for (const p of c.papers) set.add(p);
      }
    }
    return out;
  }

  async *iterateTopicReaders(frequency: Frequency): AsyncIterable<{ id: number; topics: string[] }> {
    let after = 0;
    for (;;) {
      const rows = await this.db
        .selectFrom('subscribers')
        .select(['id', 'topics'])
        .where('status', '=', 'active')
        .where('frequency', '=', frequency)
        .where('topics', '!=', '[]')
        .where('id', '>', after)
        .orderBy('id')
        .limit(TOPIC_PAGE)
        .execute();
      for (const r of rows) yield { id: Number(r.id), topics: JSON.parse(r.topics) as string[] };
      if (rows.length < TOPIC_PAGE) return;
      after = Number(rows[rows.length - 1]!.id);
    }
  }

  async createIssue(plan: IssuePlan): Promise<Issue> {
    // Kept single by the issue lock (pipeline/issue-lock.ts), not by the store's write lock.
    return this.ctx.transaction(async (tx) => writeIssue(tx.db, plan), { concurrent: true });
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
}

/** Writes the issue, its variants' papers and one pending delivery per recipient (inside a transaction). */
async function writeIssue(db: Db, plan: IssuePlan): Promise<Issue> {
  const row = await db
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
  const papers = plan.variants.flatMap((v) => v.paperIds.map((paper_id, position) => ({ issue_id: row.id, variant: v.variant, position, paper_id })));
  for (const chunk of chunks(papers, BATCH)) await db.insertInto('issue_papers').values(chunk).execute();

  const dueAt = plan.deliverAt ? await localDueTimes(db, plan) : undefined;
  await db
    .insertInto('deliveries')
    .columns(['issue_id', 'subscriber_id', 'variant', 'status', 'attempts', 'updated_at', 'next_attempt_at'])
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
          (dueAt ? dueAtCase(dueAt) : sql<string | null>`null`).as('next_attempt_at'),
        ])
        .where('status', '=', 'active')
        .where('frequency', '=', plan.frequency)
        // Ledger ids follow the readers' ids on both stores (PostgreSQL's scan order is the heap's).
        .orderBy('id'),
    )
    .execute();
  await applyOverrides(db, row.id, plan.overrides);
  if (plan.personal?.size) await applyPersonal(db, row.id, plan.personal);
  return toIssue(row);
}

/**
 * Every reader may have an override (topics): their variant, or no delivery at all (null). One
 * statement per variant and chunk, not per reader.
 */
async function applyOverrides(db: Db, issueId: number, overrides: IssuePlan['overrides']): Promise<void> {
  const byVariant = new Map<number | null, number[]>();
  for (const [subscriberId, variant] of overrides) {
    const ids = byVariant.get(variant);
    if (ids) ids.push(subscriberId);
    else byVariant.set(variant, [subscriberId]);
  }
  for (const [variant, ids] of byVariant) {
    for (const chunk of chunks(ids, BATCH)) {
      if (variant === null) {
        await db.deleteFrom('deliveries').where('issue_id', '=', issueId).where('subscriber_id', 'in', chunk).execute();
      } else {
        await db.updateTable('deliveries').set({ variant }).where('issue_id', '=', issueId).where('subscriber_id', 'in', chunk).execute();
      }
    }
  }
}

/** Writes each personal reader's order into their delivery: one UPDATE … FROM (VALUES …) per 200 readers. */
async function applyPersonal(db: Db, issueId: number, personal: Map<number, string>): Promise<void> {
  for (const group of chunks([...personal], 200)) {
    const rows = group.map(([subscriberId, order]) => sql`(cast(${subscriberId} as bigint), ${order})`);
    await sql`
      update deliveries set personal = v.personal
      from (select column1 as subscriber_id, column2 as personal from (values ${sql.join(rows)}) as t) as v
      where deliveries.issue_id = ${issueId} and deliveries.subscriber_id = v.subscriber_id`.execute(db);
  }
}

/**
 * When each recipient's delivery is due under `plan.deliverAt`: one instant per distinct time
 * zone of the cadence's readers (few, however long the list), null standing for "no zone".
 * A time already reached in the issue's minute is null: due at once, as without `DELIVER_AT`.
 */
async function localDueTimes(db: Db, plan: IssuePlan): Promise<Map<string | null, string | null>> {
  const { time, timeZone } = plan.deliverAt!;
  const created = new Date(plan.createdAt);
  const rows = await db.selectFrom('subscribers').select('timezone').distinct().where('status', '=', 'active').where('frequency', '=', plan.frequency).execute();
  const out = new Map<string | null, string | null>();
  for (const { timezone } of rows) {
    // A zone Intl no longer knows (a row written by an older Node) falls back to the default.
    const zone = timezone && canonicalTimeZone(timezone) ? timezone : timeZone;
    const due = nextLocalTime(created, time, zone);
    out.set(timezone ?? null, due > created ? due.toISOString() : null);
  }
  return out;
}

/**
 * The due time of each new delivery as one SQL expression over the reader's `timezone`: the
 * whole ledger of an issue is still written by one INSERT … SELECT, however many readers.
 */
function dueAtCase(dueAt: Map<string | null, string | null>) {
  const byZone = [...dueAt].filter(([zone]) => zone !== null);
  const none = dueAt.get(null) ?? null;
  if (byZone.length === 0) return sql<string | null>`${none}`;
  const whens = byZone.map(([zone, at]) => sql`when ${zone} then ${at}`);
  return sql<string | null>`case timezone ${sql.join(whens, sql` `)} else ${none} end`;
}
