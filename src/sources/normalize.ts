/**
 * Normalisation shared by every source: clean text, safe links, dates. The stable paper ids
 * (two sources that describe the same paper must produce the same id) are `lib/paper-ids.ts`.
 */

/** Control characters other than tab, line feed and carriage return (which `\s` collapses): C0, DEL, C1. */
// eslint-disable-next-line no-control-regex -- source text loses its control characters: matching them is the point
const CONTROLS_BUT_WHITESPACE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;

/**
 * Collapses whitespace (hard line breaks, tabs, the Unicode line separators included) and strips
 * every other control character, C1 ones too (U+009B, a terminal's CSI): every text field of every
 * source goes through here before the store sees it.
 */
export function cleanText(s: string): string {
  return s.replace(CONTROLS_BUT_WHITESPACE, '').replace(/\s+/g, ' ').trim();
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

const TEX_ACCENTS: Record<string, string> = {
  "'": '\u0301',
  '`': '\u0300',
  '^': '\u0302',
  '"': '\u0308',
  '~': '\u0303',
  '=': '\u0304',
  '.': '\u0307',
  c: '\u0327',
  v: '\u030C',
  u: '\u0306',
  H: '\u030B',
};

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
