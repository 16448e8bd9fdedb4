/**
 * Paper ids: stable ids and matching keys for a paper, the same whichever source describes it
 * (an arXiv id, else the normalised title). Pure string work on the ground floor: the sources
 * compute them when they parse, ingest when it matches papers already stored.
 */
import { createHash } from 'node:crypto';

const ARXIV_NEW = /^(\d{4}\.\d{4,5})(v\d+)?$/;
const ARXIV_OLD = /^([a-z-]+(?:\.[A-Z]{2})?\/\d{7})(v\d+)?$/;

/** An arXiv id without its version (`2508.13426v2` → `2508.13426`), or undefined if it is not one. */
export function normalizeArxivId(raw: string | undefined | null): string | undefined {
  if (!raw) return undefined;
  const s = raw
    .trim()
    .replace(/^(?:arxiv:|https?:\/\/arxiv\.org\/(?:abs|pdf)\/)/i, '')
    .replace(/\.pdf$/, '');
  const m = ARXIV_NEW.exec(s) ?? ARXIV_OLD.exec(s);
  return m ? m[1] : undefined;
}

/** Lower-case, accent- and punctuation-free title: the key that matches a paper across sources. */
export function normalizeTitle(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** A short hash of the normalised title. */
export function titleKey(title: string): string {
  return createHash('sha256').update(normalizeTitle(title)).digest('hex').slice(0, 20);
}

/** The stable id: `arxiv:ID` when the arXiv id is known, else `title:HASH`. */
export function paperId(p: { title: string; arxivId?: string | undefined }): string {
  return p.arxivId ? `arxiv:${p.arxivId}` : `title:${titleKey(p.title)}`;
}
