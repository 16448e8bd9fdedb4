/**
 * Ingest: parsed digests → the papers table, in one transaction.
 *
 * Idempotent: the same digest twice writes nothing. A paper seen again keeps its id, `seq` and
 * `first_seen_at` (so it is not "new" again) and takes the new metadata; fields the new source
 * lacks keep their old values. The same paper from two sources is one paper (arXiv id, else
 * normalised title).
 */
import type { Digest, Paper, PaperInput } from '../domain.js';
import { normalizeTitle, paperId, titleKey } from '../sources/normalize.js';
import type { NewPaper, Store } from '../store/store.js';

/** What an ingest did. */
export interface IngestReport {
  papers: number;
  added: number;
  updated: number;
  unchanged: number;
  warnings: string[];
}

interface Incoming extends PaperInput {
  source: string;
}

/** Writes the papers of `digests` (already validated) to the store. */
export async function ingestDigests(store: Store, digests: Digest[], now: Date): Promise<IngestReport> {
  const incoming = mergeDigests(digests);
  const at = now.toISOString();
  const report: IngestReport = { papers: incoming.length, added: 0, updated: 0, unchanged: 0, warnings: digests.flatMap((d) => d.warnings) };
  if (incoming.length === 0) return report;

  await store.transaction(async (tx) => {
    const ids = incoming.map((p) => paperId(p));
    const keys = incoming.map((p) => titleKey(p.title));
    const known = await tx.findPapers(ids, keys);
    const byId = new Map(known.map((p) => [p.id, p]));
    const byKey = new Map(known.map((p) => [p.titleKey, p]));

    const inserts: NewPaper[] = [];
    const updates: Paper[] = [];
    incoming.forEach((p, i) => {
      const existing = byId.get(ids[i]!) ?? byKey.get(keys[i]!);
      if (!existing) {
        inserts.push({ ...withoutSource(p), id: ids[i]!, titleKey: keys[i]!, firstSeenAt: at, updatedAt: at, source: p.source });
        return;
      }
      const merged = mergePaper(existing, p);
      if (sameContent(existing, merged)) {
        report.unchanged++;
      } else {
        updates.push({ ...merged, updatedAt: at });
      }
    });
    await tx.insertPapers(inserts);
    await tx.updatePapers(updates);
    report.added = inserts.length;
    report.updated = updates.length;
  });
  return report;
}

/** One list from several digests: the first digest's order, later digests fill in what is missing. */
export function mergeDigests(digests: Digest[]): Incoming[] {
  const out: Incoming[] = [];
  const index = new Map<string, number>();
  for (const d of digests) {
    for (const p of d.papers) {
      const keys = [p.arxivId && `a:${p.arxivId}`, `t:${normalizeTitle(p.title)}`].filter(Boolean) as string[];
      const at = keys.map((k) => index.get(k)).find((i) => i !== undefined);
      if (at === undefined) {
        keys.forEach((k) => index.set(k, out.length));
        out.push({ ...p, source: d.source });
      } else {
        const prev = out[at]!;
        out[at] = { ...fill(prev, p), source: prev.source };
        keys.forEach((k) => index.set(k, at));
      }
    }
  }
  return out;
}

/** `base` with every field `next` has, and `base`'s values for the rest. */
function fill<T extends PaperInput>(base: T, next: PaperInput): T {
  return {
    ...base,
    title: next.title || base.title,
    abstract: next.abstract || base.abstract,
    authors: next.authors.length > 0 ? next.authors : base.authors,
    links: { ...base.links, ...next.links },
    extra: { ...base.extra, ...next.extra },
    ...(next.arxivId ?? base.arxivId ? { arxivId: next.arxivId ?? base.arxivId } : {}),
    ...(next.upvotes ?? base.upvotes) !== undefined ? { upvotes: next.upvotes ?? base.upvotes } : {},
    ...(next.publishedAt ?? base.publishedAt ? { publishedAt: next.publishedAt ?? base.publishedAt } : {}),
  };
}

function mergePaper(existing: Paper, p: Incoming): Paper {
  return { ...fill(existing, p), source: p.source };
}

function sameContent(a: Paper, b: Paper): boolean {
  const pick = (p: Paper) =>
    JSON.stringify([p.title, p.abstract, p.authors, p.links, p.extra, p.arxivId, p.upvotes, p.publishedAt]);
  return pick(a) === pick(b);
}

function withoutSource(p: Incoming): PaperInput {
  const { source: _source, ...rest } = p;
  return rest;
}
