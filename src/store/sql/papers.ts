/**
 * The SQL store, papers: ingest lookups and writes, the sent-log, remote sources' validators.
 */
import type { Paper } from '../../domain.js';
import type { NewPaper } from '../store.js';
import { BATCH, Queries, chunks } from './context.js';
import { fromPaper, toPaper } from './rows.js';

/** The store's papers and remote sources' validators (`Store`: Papers, Remote sources). */
export class PaperQueries extends Queries {
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
    const row = await this.db
      .selectFrom('papers')
      .select((eb) => eb.fn.max('seq').as('hi'))
      .executeTakeFirst();
    return Number(row?.hi ?? 0);
  }
}
