/**
 * Ingest: parsed digests → the papers table, in one transaction.
 *
 * Idempotent: the same digest twice writes nothing. A paper seen again keeps its id, `seq` and
 * `first_seen_at` (so it is not "new" again) and takes the new metadata; fields the new source
 * lacks keep their old values. The same paper from two sources is one paper (arXiv id, else
 * normalised title).
 */
import type { Digest, Paper, PaperInput } from '../domain.js';
import { normalizeTitle, paperId, titleKey } from '../lib/paper-ids.js';
import type { NewPaper, Store } from '../store/store.js';
import type { DigestReader } from './ports.js';

/** What an ingest did. */
export interface IngestReport {
  papers: number;
  added: number;
  updated: number;
  unchanged: number;
  /** Revisions (arXiv "replace") of papers already sent: left alone. */
  skipped: number;
  /** URLs that answered 304 Not Modified. */
  notModified: string[];
  warnings: string[];
}

interface Incoming extends PaperInput {
  source: string;
}

/** Writes the papers of `digests` (already validated) to the store. */
export async function ingestDigests(store: Store, digests: Digest[], now: Date): Promise<IngestReport> {
  const incoming = mergeDigests(digests);
  const at = now.toISOString();
  const report: IngestReport = {
    papers: incoming.length,
    added: 0,
    updated: 0,
    unchanged: 0,
    skipped: 0,
    notModified: digests.filter((d) => d.fetched?.notModified).map((d) => d.source),
    warnings: digests.flatMap((d) => d.warnings),
  };

  await store.transaction(async (tx) => {
    await rememberValidators(tx, digests, at);
    if (incoming.length === 0) return;
    const ids = incoming.map((p) => paperId(p));
    const keys = incoming.map((p) => titleKey(p.title));
    const known = await tx.findPapers(ids, keys);
    const byId = new Map(known.map((p) => [p.id, p]));
    const byKey = new Map(known.map((p) => [p.titleKey, p]));
    const revised = incoming.flatMap((p, i) => {
      const existing = p.revision ? (byId.get(ids[i]!) ?? byKey.get(keys[i]!)) : undefined;
      return existing ? [existing.id] : [];
    });
    const sent = await tx.sentPaperIds(revised);

    const inserts: NewPaper[] = [];
    const updates: Paper[] = [];
    incoming.forEach((p, i) => {
      const existing = byId.get(ids[i]!) ?? byKey.get(keys[i]!);
      if (existing && p.revision && sent.has(existing.id)) {
        report.skipped++;
        return;
      }
      if (!existing) {
        const { revision: _r, ...fields } = withoutSource(p);
        inserts.push({ ...fields, id: ids[i]!, titleKey: keys[i]!, firstSeenAt: at, updatedAt: at, source: p.source });
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

/**
 * Reads every source through `reader` (sending each URL the validators it answered last time),
 * then ingests them together, as seen at `now`. Any source that fails fails the whole call,
 * before anything is written.
 */
export async function loadAndIngest(store: Store, sources: string[], reader: DigestReader, now: Date): Promise<IngestReport> {
  const digests: Digest[] = [];
  for (const source of sources) {
    const url = reader.urlOf(source);
    const validators = url ? await store.getValidators(url) : undefined;
    digests.push(await reader.read(source, validators));
  }
  return ingestDigests(store, digests, now);
}

/** Stores what each URL answered, only when it changed: an unchanged source writes nothing. */
async function rememberValidators(tx: Store, digests: Digest[], at: string): Promise<void> {
  for (const d of digests) {
    if (!d.fetched || d.fetched.notModified) continue;
    const v = { ...(d.fetched.etag ? { etag: d.fetched.etag } : {}), ...(d.fetched.lastModified ? { lastModified: d.fetched.lastModified } : {}) };
    const before = await tx.getValidators(d.source);
    if (JSON.stringify(before ?? {}) !== JSON.stringify(v)) await tx.setValidators(d.source, v, at);
  }
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
    ...((next.arxivId ?? base.arxivId) ? { arxivId: next.arxivId ?? base.arxivId } : {}),
    ...((next.upvotes ?? base.upvotes) !== undefined ? { upvotes: next.upvotes ?? base.upvotes } : {}),
    ...((next.publishedAt ?? base.publishedAt) ? { publishedAt: next.publishedAt ?? base.publishedAt } : {}),
    // A paper is a revision only if every source says so.
    ...(base.revision && next.revision ? { revision: true } : { revision: undefined }),
  };
}

function mergePaper(existing: Paper, p: Incoming): Paper {
  const { revision: _r, ...merged } = fill(existing, p);
  return { ...merged, source: p.source };
}

function sameContent(a: Paper, b: Paper): boolean {
  const pick = (p: Paper) => JSON.stringify([p.title, p.abstract, p.authors, p.links, p.extra, p.arxivId, p.upvotes, p.publishedAt]);
  return pick(a) === pick(b);
}

function withoutSource(p: Incoming): PaperInput {
  const { source: _source, ...rest } = p;
  return rest;
}
