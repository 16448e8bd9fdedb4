/**
 * How large a paper's fields may be, for every source (Paperboy JSON, Hugging Face, arXiv, the
 * trending-papers page), in one place. A field over its limit is no real paper: one 60 MB title
 * once made a 327 MB email, a 126 MB feed and a server blocked for 47 s. Each parser asks
 * {@link oversized} before it keeps a paper and skips it with the reason as a warning, so the
 * rest of the digest goes in; {@link withinLimits} cuts a paper that is already stored (from
 * before these limits, or written behind Paperboy's back) when the store reads it, so that no
 * page, feed or email built from it can grow without bound either.
 *
 * Each limit sits well above what real papers reach, so that none is ever skipped for being big.
 */
import type { Paper, PaperInput, PaperLinks } from '../domain.js';

/** The limits, in characters (UTF-16 code units, as JavaScript counts) or as counts. */
export const LIMITS = {
  /** arXiv's longest titles run to about 300 characters; a page's own titles (text.ts) stop at 300. */
  title: 1_000,
  /** arXiv caps an abstract at 1,920 characters; journals' longest structured abstracts stay under 5,000. */
  abstract: 10_000,
  /** Real names, even with every given name spelled out, stay under 100; a collaboration's name ("The ATLAS Collaboration") too. */
  authorName: 300,
  /**
   * The record on arXiv is the ATLAS and CMS Higgs mass paper (arXiv:1503.07589, 5,154 authors);
   * ATLAS's and CMS's own papers list about 3,000. Twice the record: no real paper is skipped.
   */
  authors: 10_000,
  /** All names together: 5,154 names take about 100,000 characters; this bounds a row to well under a megabyte. */
  authorsTotal: 300_000,
  /** Hugging Face's ai_keywords are short phrases ("cultural alignment"), a dozen or two per paper. */
  keyword: 100,
  keywords: 100,
  /** arXiv lists a handful of categories (plus MSC/ACM classes in the API); each is a short code. */
  category: 100,
  categories: 100,
  /** The de facto longest URL that browsers, servers and the sitemaps protocol all accept; real paper links are under 200. */
  url: 2_048,
  /** Hugging Face's ai_summary is one sentence, 150–300 characters. */
  tldr: 2_000,
  /** The longest university or lab names are about 150 characters. */
  organization: 300,
  /**
   * Upvotes and GitHub stars: the most upvoted Hugging Face papers have a few thousand, the most
   * starred repositories a few hundred thousand. PostgreSQL's `integer` column (2^31 − 1) would
   * refuse the whole ingest at 3 billion; this refuses the one paper, long before.
   */
  count: 10_000_000,
  /** `2025-08-20T12:34:56.123456789+05:30` is 35 characters. */
  date: 64,
} as const;

const n = (x: number) => x.toLocaleString('en-US');
const tooLong = (what: string, length: number, limit: number) => (length > limit ? `${what} is ${n(length)} characters, over the limit of ${n(limit)}` : undefined);
const tooMany = (what: string, count: number, limit: number) => (count > limit ? `${n(count)} ${what}, over the limit of ${n(limit)}` : undefined);
const outOfRange = (what: string, v: number | undefined) =>
  v !== undefined && v > LIMITS.count ? `${what} ${n(v)} is over the limit of ${n(LIMITS.count)}` : undefined;

/** The first item of `list` longer than `limit`, as a reason ("author 3 is 301 characters…"). */
function longItem(what: string, list: readonly string[] | undefined, limit: number): string | undefined {
  const i = (list ?? []).findIndex((s) => s.length > limit);
  return i < 0 ? undefined : tooLong(`${what} ${i + 1}`, list![i]!.length, limit);
}

/** Link names as the source's own fields, where they differ (Paperboy JSON's `url`, `code_url`…). */
export type LinkNames = Partial<Record<keyof PaperLinks, string>>;

/**
 * Why `p` is too large to keep ("title is 2,097,163 characters, over the limit of 1,000"), or
 * undefined. `linkNames` names each link as the source spells it.
 */
export function oversized(p: PaperInput, linkNames: LinkNames = {}): string | undefined {
  const authorsTotal = p.authors.reduce((sum, a) => sum + a.length, 0);
  const checks = [
    () => tooLong('title', p.title.length, LIMITS.title),
    () => tooLong('abstract', p.abstract.length, LIMITS.abstract),
    () => tooMany('authors', p.authors.length, LIMITS.authors),
    () => longItem('author', p.authors, LIMITS.authorName),
    () => tooLong('the authors together', authorsTotal, LIMITS.authorsTotal),
    ...(Object.entries(p.links) as [keyof PaperLinks, string][]).map(
      ([k, url]) =>
        () =>
          tooLong(linkNames[k] ?? k, url.length, LIMITS.url),
    ),
    () => tooLong('tldr', p.extra.tldr?.length ?? 0, LIMITS.tldr),
    () => tooMany('keywords', p.extra.keywords?.length ?? 0, LIMITS.keywords),
    () => longItem('keyword', p.extra.keywords, LIMITS.keyword),
    () => tooMany('categories', p.extra.categories?.length ?? 0, LIMITS.categories),
    () => longItem('category', p.extra.categories, LIMITS.category),
    () => tooLong('organization', p.extra.organization?.length ?? 0, LIMITS.organization),
    () => outOfRange('upvotes', p.upvotes),
    () => outOfRange('stars', p.extra.stars),
    () => tooLong('the publication date', p.publishedAt?.length ?? 0, LIMITS.date),
  ];
  for (const check of checks) {
    const reason = check();
    if (reason) return reason;
  }
  return undefined;
}

/** `s` cut to `max` characters with "…" when longer. */
export function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** The warning for a skipped paper: `WHERE: skipped "Title…": REASON`. */
export function skippedWarning(where: string, title: string, reason: string): string {
  return `${where}: skipped "${clip(title, 60)}": ${reason}`;
}

/**
 * A stored paper cut to the limits (the same object when it fits, as every paper ingested since
 * they exist does): longer text is cut, extra authors, keywords and categories left out, a
 * longer link dropped (the email falls back to the paper's arXiv page), a larger count capped.
 */
export function withinLimits(p: Paper): Paper {
  if (!oversized(p)) return p;
  const list = (items: string[] | undefined, count: number, each: number) => items?.slice(0, count).map((s) => clip(s, each));
  let total = 0;
  const authors = (list(p.authors, LIMITS.authors, LIMITS.authorName) ?? []).filter((a) => (total += a.length) <= LIMITS.authorsTotal);
  const links = Object.fromEntries(Object.entries(p.links).filter(([, url]) => url.length <= LIMITS.url)) as PaperLinks;
  const { tldr, keywords, categories, organization, stars } = p.extra;
  const extra = {
    ...p.extra,
    ...(tldr !== undefined ? { tldr: clip(tldr, LIMITS.tldr) } : {}),
    ...(keywords ? { keywords: list(keywords, LIMITS.keywords, LIMITS.keyword)! } : {}),
    ...(categories ? { categories: list(categories, LIMITS.categories, LIMITS.category)! } : {}),
    ...(organization !== undefined ? { organization: clip(organization, LIMITS.organization) } : {}),
    ...(stars !== undefined ? { stars: Math.min(stars, LIMITS.count) } : {}),
  };
  const { publishedAt, ...rest } = p;
  return {
    ...rest,
    title: clip(p.title, LIMITS.title),
    abstract: clip(p.abstract, LIMITS.abstract),
    authors,
    links,
    extra,
    ...(p.upvotes !== undefined ? { upvotes: Math.min(p.upvotes, LIMITS.count) } : {}),
    // A date cut short is no date: left out.
    ...(publishedAt !== undefined && publishedAt.length <= LIMITS.date ? { publishedAt } : {}),
  };
}
