/**
 * arXiv feeds, parsed with fast-xml-parser:
 * - the announcement feeds (`https://rss.arxiv.org/atom/cs.AI+cs.CL`, and `/rss/` for RSS 2.0):
 *   each entry's summary starts `arXiv:ID Announce Type: TYPE` then `Abstract:`; authors are one
 *   comma-separated `dc:creator`; `arxiv:announce_type` is new, cross, replace or replace-cross;
 * - the arXiv API's Atom (`export.arxiv.org/api/query`): one `<author><name>` per author and an
 *   `arxiv:primary_category`.
 * New papers are taken; cross-lists when configured; replacements are marked as revisions so
 * that ingest skips those already sent.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Digest, PaperInput } from '../domain.js';
import { AppError } from '../errors.js';
import { oversized, skippedWarning } from './limits.js';
import { normalizeArxivId, normalizeTitle } from '../lib/paper-ids.js';
import { cleanText, detex, isoDate, maybe, safeUrl } from './normalize.js';

/** How to read a feed. */
export interface ArxivOptions {
  /** Also take cross-lists (ARXIV_INCLUDE_CROSS). */
  includeCross: boolean;
}

type Node = Record<string, unknown>;

/**
 * How deep a feed's elements may nest. arXiv's Atom and RSS go 4 levels deep (an author's name:
 * feed, entry, author, name), XHTML content in a generic Atom feed a few more; fast-xml-parser
 * stops at 100 with a bare Error, which `parseArxivFeed` turns into a message naming the file.
 */
export const MAX_XML_DEPTH = 100;

const parser = new XMLParser({
  maxNestedTags: MAX_XML_DEPTH,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  textNodeName: '#text',
  isArray: (name) => ['entry', 'item', 'author', 'category', 'link'].includes(name),
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
});

/** True when the document is an Atom feed or an RSS channel. */
export function looksLikeFeed(head: string): boolean {
  return head.startsWith('<') && /<(feed|rss)[\s>]/.test(head);
}

/** Parses an announcement feed (Atom or RSS) or an API answer; rejects broken XML with its line. */
export function parseArxivFeed(raw: string, source: string, opts: ArxivOptions): Digest {
  if (/<!ENTITY/i.test(raw)) throw new AppError('INPUT_INVALID', `${source}: XML entity declarations are not accepted in a feed`);
  const valid = XMLValidator.validate(raw);
  if (valid !== true) {
    // At the end of a cut-off document the validator lists the tags left open.
    const open = /^Invalid '\[([^\]]*)\]' found/.exec(valid.err.msg.replace(/\s+/g, ' '));
    if (open) {
      const tags = open[1]!
        .match(/"[^"]+"/g)
        ?.map((t) => `<${t.slice(1, -1)}>`)
        .join(', ');
      throw new AppError('INPUT_INVALID', `${source}:${raw.split('\n').length}: not valid XML: the document ends inside ${tags} (cut off?)`);
    }
    throw new AppError('INPUT_INVALID', `${source}:${valid.err.line}:${valid.err.col}: not valid XML (${valid.err.msg})`);
  }
  let doc: Node;
  try {
    doc = parser.parse(raw) as Node;
  } catch (err) {
    const msg = (err as Error).message;
    if (/nested tags/i.test(msg)) throw new AppError('INPUT_INVALID', `${source}: XML nested deeper than ${MAX_XML_DEPTH} levels`);
    throw new AppError('INPUT_INVALID', `${source}: not readable XML (${msg})`, { cause: err });
  }
  const feed = doc.feed as Node | undefined;
  const channel = (doc.rss as Node | undefined)?.channel as Node | undefined;
  if (!feed && !channel) throw new AppError('INPUT_INVALID', `${source}: expected an Atom <feed> or an RSS <channel>`);
  const entries = ((feed ? feed.entry : channel!.item) ?? []) as Node[];

  const papers: PaperInput[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  entries.forEach((entry, i) => {
    const where = `${source}: entry ${i + 1}`;
    const e = feed ? readAtomEntry(entry) : readRssItem(entry);
    if (e.apiError) throw new AppError('INPUT_INVALID', `${source}: the arXiv API answered with an error: ${e.abstract.slice(0, 200)}`);
    if (!e.title) {
      warnings.push(`${where}: skipped, no title`);
      return;
    }
    if (e.announceType === 'cross' && !opts.includeCross) return;
    if (e.announceType === 'replace-cross' && !opts.includeCross) return;
    const key = e.arxivId ?? normalizeTitle(e.title);
    if (seen.has(key)) return;
    const page = safeUrl(e.link) ?? (e.arxivId ? `https://arxiv.org/abs/${e.arxivId}` : undefined);
    const paper: PaperInput = {
      title: e.title,
      abstract: e.abstract,
      authors: e.authors,
      links: {
        ...(page ? { page } : {}),
        ...(e.arxivId ? { pdf: `https://arxiv.org/pdf/${e.arxivId}` } : {}),
      },
      extra: e.categories.length ? { categories: e.categories } : {},
      ...(e.arxivId ? { arxivId: e.arxivId } : {}),
      ...(e.publishedAt ? { publishedAt: e.publishedAt } : {}),
      ...(e.announceType?.startsWith('replace') ? { revision: true } : {}),
    };
    const tooBig = oversized(paper, { page: 'link' });
    if (tooBig) {
      warnings.push(skippedWarning(where, e.title, tooBig));
      return;
    }
    seen.add(key);
    papers.push(paper);
    if (!e.arxivId) warnings.push(`${where}: "${e.title.slice(0, 60)}" has no arXiv id`);
  });
  return { source, papers, warnings };
}

interface Entry {
  title: string;
  abstract: string;
  authors: string[];
  arxivId?: string;
  link?: string;
  categories: string[];
  publishedAt?: string;
  announceType?: string;
  apiError?: boolean;
}

function readAtomEntry(e: Node): Entry {
  const id = text(e.id);
  const summary = text(e.summary);
  const announced = parseAnnouncement(summary);
  const authorNodes = (e.author ?? []) as Node[];
  const authors = authorNodes.length ? authorNodes.map((a) => cleanText(detex(text(a.name)))).filter(Boolean) : splitCreators(text(e['dc:creator']));
  const links = (e.link ?? []) as Node[];
  const alternate = links.find((l) => l['@rel'] === 'alternate' || l['@rel'] === undefined);
  const primary = (e['arxiv:primary_category'] as Node | undefined)?.['@term'];
  const categories = ((e.category ?? []) as Node[]).map((c) => cleanText(String(c['@term'] ?? ''))).filter(Boolean);
  return {
    title: cleanText(detex(text(e.title))),
    abstract: announced.abstract,
    authors,
    ...maybe('arxivId', announced.arxivId ?? arxivIdFrom(id)),
    ...maybe('link', alternate ? String(alternate['@href']) : undefined),
    categories: unique([...(primary ? [cleanText(String(primary))] : []), ...categories].filter(Boolean)),
    ...maybe('publishedAt', isoDate(text(e.published) || text(e.updated))),
    ...maybe('announceType', text(e['arxiv:announce_type']) || announced.announceType),
    apiError: /\/api\/errors/.test(id),
  };
}

function readRssItem(e: Node): Entry {
  const announced = parseAnnouncement(text(e.description));
  const categories = ((e.category ?? []) as unknown[]).map((c) => cleanText(text(c))).filter(Boolean);
  return {
    title: cleanText(detex(text(e.title))),
    abstract: announced.abstract,
    authors: splitCreators(text(e['dc:creator'])),
    ...maybe('arxivId', announced.arxivId ?? arxivIdFrom(text(e.guid))),
    ...maybe('link', text(e.link) || undefined),
    categories: unique(categories),
    ...maybe('publishedAt', isoDate(text(e.pubDate))),
    ...maybe('announceType', text(e['arxiv:announce_type']) || announced.announceType),
  };
}

/** "arXiv:2508.13426v1 Announce Type: cross \nAbstract: …" → id, type, abstract. Plain abstracts pass through. */
function parseAnnouncement(summary: string): { arxivId?: string; announceType?: string; abstract: string } {
  const m = /^\s*arXiv:(\S+)\s+Announce Type:\s*(\S+)\s*(?:Abstract:)?([\s\S]*)$/i.exec(summary);
  if (!m) return { abstract: cleanText(summary) };
  return { ...maybe('arxivId', normalizeArxivId(m[1])), announceType: m[2]!.toLowerCase(), abstract: cleanText(m[3]!) };
}

/** `oai:arXiv.org:2508.13426v1` or `http://arxiv.org/abs/2508.13426v1` → `2508.13426`. */
function arxivIdFrom(id: string): string | undefined {
  const m = /(?:oai:arXiv\.org:|arxiv\.org\/abs\/)(.+)$/i.exec(id);
  return m ? normalizeArxivId(m[1]) : undefined;
}

function splitCreators(s: string): string[] {
  return detex(s)
    .split(/,|\band\b/)
    .map(cleanText)
    .filter(Boolean);
}

function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') return text((v as Node)['#text']);
  return String(v);
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}
