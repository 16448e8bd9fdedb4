/**
 * The SQL store, personal ranking: readers' signals, library papers, the kept corpus model, and
 * the counts the operator sees.
 */
import { sql } from 'kysely';
import type { Frequency } from '../../domain.js';
import type { LibraryPaper, NewSignal, RankingDocument, RankingMode, Signal, SignalCount, SignalReader } from '../signals.js';
import { BATCH, Queries, chunks } from './context.js';

/** Readers per page when the planner streams the readers with signals. */
const READER_PAGE = 1000;

/** The store's share of personal ranking (`SignalStore`). */
export class SignalQueries extends Queries {
  async setSignals(subscriberId: number, signals: NewSignal[], at: string): Promise<void> {
    // The latest on a paper wins: within one call too.
    const latest = new Map(signals.map((s) => [s.paperId, s]));
    for (const chunk of chunks([...latest.values()], BATCH)) {
      await this.db
        .insertInto('signals')
        .values(chunk.map((s) => ({ subscriber_id: subscriberId, paper_id: s.paperId, signal: s.signal, source: s.source, created_at: at, updated_at: at })))
        .onConflict((oc) =>
          oc.columns(['subscriber_id', 'paper_id']).doUpdateSet((eb) => ({
            signal: eb.ref('excluded.signal'),
            source: eb.ref('excluded.source'),
            updated_at: eb.ref('excluded.updated_at'),
          })),
        )
        .execute();
    }
  }

  async removeSignals(subscriberId: number, paperIds?: string[]): Promise<number> {
    if (paperIds === undefined) {
      const r = await this.db.deleteFrom('signals').where('subscriber_id', '=', subscriberId).executeTakeFirst();
      return Number(r.numDeletedRows);
    }
    let n = 0;
    for (const chunk of chunks(paperIds, BATCH)) {
      const r = await this.db.deleteFrom('signals').where('subscriber_id', '=', subscriberId).where('paper_id', 'in', chunk).executeTakeFirst();
      n += Number(r.numDeletedRows);
    }
    return n;
  }

  async signalsOf(subscriberId: number): Promise<Signal[]> {
    const rows = await this.db
      .selectFrom('signals as s')
      .leftJoin('papers as p', 'p.id', 's.paper_id')
      .leftJoin('library_papers as l', 'l.id', 's.paper_id')
      .select([
        's.paper_id',
        's.signal',
        's.source',
        's.created_at',
        's.updated_at',
        'p.title as paper_title',
        'l.title as library_title',
        'p.arxiv_id as paper_arxiv',
        'l.arxiv_id as library_arxiv',
      ])
      .where('s.subscriber_id', '=', subscriberId)
      .orderBy('s.updated_at', 'desc')
      .orderBy('s.paper_id')
      .execute();
    return rows.map((r) => ({
      paperId: r.paper_id,
      signal: r.signal as Signal['signal'],
      source: r.source as Signal['source'],
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      title: r.paper_title ?? r.library_title ?? null,
      arxivId: r.paper_arxiv ?? r.library_arxiv ?? null,
    }));
  }

  async *iterateSignalReaders(frequency: Frequency): AsyncIterable<SignalReader> {
    let after = 0;
    for (;;) {
      const readers = await this.db
        .selectFrom('subscribers')
        .select(['id', 'topics', 'ranking'])
        .where('status', '=', 'active')
        .where('frequency', '=', frequency)
        .where('id', '>', after)
        .where((eb) => eb.exists(eb.selectFrom('signals').select('signals.paper_id').whereRef('signals.subscriber_id', '=', 'subscribers.id')))
        .orderBy('id')
        .limit(READER_PAGE)
        .execute();
      if (readers.length === 0) return;
      const ids = readers.map((r) => Number(r.id));
      const rows = await this.db
        .selectFrom('signals')
        .select(['subscriber_id', 'paper_id', 'signal'])
        .where('subscriber_id', '>=', ids[0]!)
        .where('subscriber_id', '<=', ids[ids.length - 1]!)
        .orderBy('subscriber_id')
        .orderBy('paper_id')
        .execute();
      const of = new Map<number, { likes: string[]; dislikes: string[] }>(ids.map((id) => [id, { likes: [], dislikes: [] }]));
      for (const r of rows) {
        const s = of.get(Number(r.subscriber_id));
        if (s) (r.signal === 'more' ? s.likes : s.dislikes).push(r.paper_id);
      }
      for (const r of readers) {
        yield { id: Number(r.id), topics: JSON.parse(r.topics) as string[], ranking: (r.ranking as RankingMode | null) ?? null, ...of.get(Number(r.id))! };
      }
      if (readers.length < READER_PAGE) return;
      after = ids[ids.length - 1]!;
    }
  }

  async signalPaperIds(frequency: Frequency): Promise<string[]> {
    const rows = await this.db
      .selectFrom('signals as s')
      .innerJoin('subscribers as r', 'r.id', 's.subscriber_id')
      .select('s.paper_id')
      .distinct()
      .where('r.status', '=', 'active')
      .where('r.frequency', '=', frequency)
      .orderBy('s.paper_id')
      .execute();
    return rows.map((r) => r.paper_id);
  }

  async putLibraryPapers(papers: LibraryPaper[], at: string): Promise<void> {
    for (const chunk of chunks(papers, BATCH)) {
      await this.db
        .insertInto('library_papers')
        .values(
          chunk.map((p) => ({
            id: p.id,
            arxiv_id: p.arxivId ?? null,
            title: p.title,
            abstract: p.abstract,
            authors: JSON.stringify(p.authors),
            keywords: JSON.stringify(p.keywords),
            added_at: at,
          })),
        )
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    }
  }

  async knownPaperIds(ids: string[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const chunk of chunks([...new Set(ids)], BATCH)) {
      for (const r of await this.db.selectFrom('papers').select('id').where('id', 'in', chunk).execute()) out.add(r.id);
      for (const r of await this.db.selectFrom('library_papers').select('id').where('id', 'in', chunk).execute()) out.add(r.id);
    }
    return out;
  }

  async rankingDocuments(): Promise<RankingDocument[]> {
    const papers = await this.db.selectFrom('papers').select(['id', 'title', 'abstract', 'authors', 'extra']).orderBy('seq').execute();
    const library = await this.db
      .selectFrom('library_papers')
      .select(['id', 'title', 'abstract', 'authors', 'keywords'])
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('papers').select('papers.id').whereRef('papers.id', '=', 'library_papers.id'))))
      .orderBy('id')
      .execute();
    const keywordsOf = (extra: string): string[] => {
      const e = JSON.parse(extra) as { keywords?: string[]; categories?: string[] };
      return [...(e.keywords ?? []), ...(e.categories ?? [])];
    };
    return [
      ...papers.map((p) => ({ id: p.id, title: p.title, abstract: p.abstract, authors: JSON.parse(p.authors) as string[], keywords: keywordsOf(p.extra) })),
      ...library.map((p) => ({
        id: p.id,
        title: p.title,
        abstract: p.abstract,
        authors: JSON.parse(p.authors) as string[],
        keywords: JSON.parse(p.keywords) as string[],
      })),
    ];
  }

  async rankingDocumentsKey(): Promise<string> {
    // Papers change in place when re-ingested (updated_at); library papers are never rewritten.
    const p = await this.db
      .selectFrom('papers')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('seq').as('seq'), eb.fn.max('updated_at').as('updated')])
      .executeTakeFirstOrThrow();
    const l = await this.db
      .selectFrom('library_papers')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('added_at').as('added')])
      .executeTakeFirstOrThrow();
    return `p${Number(p.n)}.${Number(p.seq ?? 0)}.${p.updated ?? '-'}:l${Number(l.n)}.${l.added ?? '-'}`;
  }

  async rankingModel(key: string): Promise<Uint8Array | undefined> {
    const row = await this.db.selectFrom('ranking_models').select('data').where('key', '=', key).executeTakeFirst();
    return row ? new Uint8Array(row.data) : undefined;
  }

  async putRankingModel(key: string, papers: number, data: Uint8Array, at: string): Promise<void> {
    await this.ctx.transaction(async (tx) => {
      await tx.db.deleteFrom('ranking_models').execute();
      await tx.db
        .insertInto('ranking_models')
        .values({ key, built_at: at, papers, data: Buffer.from(data) })
        .execute();
    });
  }

  async signalCounts(paperIds: string[], limit: number): Promise<{ liked: SignalCount[]; disliked: SignalCount[]; readers: number }> {
    const counts = async (signal: 'more' | 'less'): Promise<SignalCount[]> => {
      if (paperIds.length === 0) return [];
      const all: SignalCount[] = [];
      for (const chunk of chunks([...new Set(paperIds)], BATCH)) {
        const rows = await this.db
          .selectFrom('signals as s')
          .innerJoin('papers as p', 'p.id', 's.paper_id')
          .select(['s.paper_id', 'p.title', (eb) => eb.fn.countAll<number>().as('n')])
          .where('s.signal', '=', signal)
          .where('s.paper_id', 'in', chunk)
          .groupBy(['s.paper_id', 'p.title'])
          .execute();
        all.push(...rows.map((r) => ({ paperId: r.paper_id, title: r.title, n: Number(r.n) })));
      }
      return all.sort((a, b) => b.n - a.n || (a.paperId < b.paperId ? -1 : 1)).slice(0, limit);
    };
    const readers = await this.db
      .selectFrom('signals')
      .select(sql<number>`count(distinct subscriber_id)`.as('n'))
      .executeTakeFirstOrThrow();
    return { liked: await counts('more'), disliked: await counts('less'), readers: Number(readers.n) };
  }

  async setRankingMode(subscriberId: number, mode: RankingMode | null, at: string): Promise<void> {
    await this.db.updateTable('subscribers').set({ ranking: mode, updated_at: at }).where('id', '=', subscriberId).execute();
  }
}
