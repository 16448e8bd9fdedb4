/**
 * Normalisation shared by every source: stable paper ids, clean text, safe links.
 * Two sources that describe the same paper must produce the same id.
 */
import { createHash } from 'node:crypto';

const ARXIV_NEW = /^(\d{4}\.\d{4,5})(v\d+)?$/;
const ARXIV_OLD = /^([a-z-]+(?:\.[A-Z]{2})?\/\d{7})(v\d+)?$/;

/** An arXiv id without its version (`2508.13426v2` → `2508.13426`), or undefined if it is not one. */
export function normalizeArxivId(raw: string | undefined | null): string | undefined {
  if (!raw) return undefined;
  const s = raw.trim().replace(/^(?:arxiv:|https?:\/\/arxiv\.org\/(?:abs|pdf)\/)/i, '').replace(/\.pdf$/, '');
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

/**
 * Collapses whitespace (hard line breaks, tabs, the Unicode line separators included) and strips
 * every other control character, C1 ones too (U+009B, a terminal's CSI): every text field of every
 * source goes through here before the store sees it.
 */
export function cleanText(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * An http(s) URL, or undefined. Anything else (`javascript:`, `data:`, relative paths
 * without a base) is refused, and the caller reports it as a warning.
 */
export function safeUrl(raw: unknown, base?: string): string | undefined {
  if (typeof raw !== 'string' || raw.trim() === '') return undefined;
  try {
    const u = new URL(raw.trim(), base);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    return u.toString();
  } catch {
    return undefined;
  }
}

/** A link to the paper when the source gives none: arXiv's abstract page, or an arXiv title search. */
export function fallbackPaperUrl(p: { title: string; arxivId?: string | undefined }): string {
  if (p.arxivId) return `https://arxiv.org/abs/${p.arxivId}`;
  const q = new URLSearchParams({ query: p.title, searchtype: 'title' });
  return `https://arxiv.org/search/?${q.toString()}`;
}

/** An ISO-8601 timestamp for any date string `Date.parse` reads, else undefined. */
export function isoDate(s: string | null | undefined): string | undefined {
  return s && !Number.isNaN(Date.parse(s)) ? new Date(s).toISOString() : undefined;
}

/** `{ key: value }`, or `{}` when value is undefined: for optional fields under exactOptionalPropertyTypes. */
export function maybe<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

const TEX_ACCENTS: Record<string, string> = { "'": '\u0301', '`': '\u0300', '^': '\u0302', '"': '\u0308', '~': '\u0303', '=': '\u0304', '.': '\u0307', c: '\u0327', v: '\u030C', u: '\u0306', H: '\u030B' };

/**
 * TeX accents as arXiv metadata writes them (`Andr\'e`, `{\"o}`, `\c{c}`) → Unicode (`André`, `ö`, `ç`).
 * Anything else is left as it is.
 */
export function detex(s: string): string {
  return s
    .replace(/\{?\\(['`^"~=.]|[cvuH](?=[{\s]))\s*\{?([A-Za-z])\}?\}?/g, (all, accent: string, letter: string) => {
      const mark = TEX_ACCENTS[accent];
      return mark ? `${letter}${mark}`.normalize('NFC') : all;
    })
    .replace(/\{?\\ss\}?/g, 'ß');
}
