/**
 * Paperboy's own JSON digest format (documented in the README), validated with zod.
 * A document of the wrong shape is rejected whole with the JSON path of the first problem;
 * an unsafe optional link is dropped with a warning.
 */
import { z } from 'zod';
import type { Digest, PaperInput, PaperLinks } from '../domain.js';
import { AppError } from '../errors.js';
import { oversized, skippedWarning } from './limits.js';
import { normalizeArxivId, normalizeTitle } from '../lib/paper-ids.js';
import { cleanText, safeUrl } from './normalize.js';

/** Each link by its field in the JSON (also how a warning names it). */
const LINK_FIELDS = { page: 'url', pdf: 'pdf_url', code: 'code_url', project: 'project_url', thumbnail: 'thumbnail_url' } as const;

const text = z.string().transform(cleanText);
const requiredText = text.pipe(z.string().min(1, 'must not be empty'));
const isoDate = z
  .string()
  .refine(
    (s) => /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(s) && !Number.isNaN(Date.parse(s)),
    'must be an ISO date (YYYY-MM-DD or full timestamp)',
  );

const jsonPaper = z.object({
  title: requiredText,
  abstract: requiredText,
  authors: z.array(text).default([]),
  arxiv_id: z.string().optional(),
  url: z.string().optional(),
  pdf_url: z.string().optional(),
  code_url: z.string().optional(),
  project_url: z.string().optional(),
  thumbnail_url: z.string().optional(),
  upvotes: z.number().int().min(0).optional(),
  published_at: isoDate.optional(),
  tldr: text.optional(),
  keywords: z.array(text).optional(),
  stars: z.number().int().min(0).optional(),
  organization: text.optional(),
});

/** The top-level shape: `{ "byline"?, "date"?, "papers": [...] }`. */
export const paperboyJsonSchema = z.object({
  version: z.literal(1).optional(),
  byline: text.optional(),
  date: isoDate.optional(),
  papers: z.array(jsonPaper).min(1, 'must hold at least one paper'),
});

/** Parses `text` as JSON, pointing at line and column when it is broken. */
export function parseJsonText(raw: string, source: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (err) {
    const msg = (err as Error).message;
    const pos = /position (\d+)/.exec(msg);
    let where = '';
    if (pos) {
      const before = raw.slice(0, Number(pos[1]));
      const line = before.split('\n').length;
      where = `:${line}:${before.length - before.lastIndexOf('\n')}`;
    }
    throw new AppError('INPUT_INVALID', `${source}${where}: not valid JSON (${msg.replace(/ in JSON at position \d+.*$/, '')})`);
  }
}

/** Formats a zod issue path as `papers[3].title`. */
export function jsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${String(k)}` : String(k)), '') || '(root)';
}

/** Parses a Paperboy JSON digest. */
export function parsePaperboyJson(raw: string, source: string): Digest {
  return parsePaperboyData(parseJsonText(raw, source), source);
}

/** Validates already-parsed JSON as a Paperboy digest. */
export function parsePaperboyData(data: unknown, source: string): Digest {
  const result = paperboyJsonSchema.safeParse(data);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new AppError('INPUT_INVALID', `${source}: ${jsonPath(issue.path)}: ${issue.message}`);
  }
  const warnings: string[] = [];
  const papers: PaperInput[] = [];
  const seen = new Set<string>();
  result.data.papers.forEach((p, i) => {
    const where = `${source}: papers[${i}]`;
    const link = (field: string, value: string | undefined): string | undefined => {
      if (value === undefined) return undefined;
      const url = safeUrl(value);
      if (!url) warnings.push(`${where}.${field}: dropped, not an http(s) URL`);
      return url;
    };
    const arxivId = normalizeArxivId(p.arxiv_id);
    if (p.arxiv_id !== undefined && !arxivId) warnings.push(`${where}.arxiv_id: dropped, not an arXiv id`);
    const key = arxivId ?? normalizeTitle(p.title);
    if (seen.has(key)) {
      warnings.push(`${where}: "${p.title.slice(0, 60)}" appears twice; kept the first`);
      return;
    }
    const links: PaperLinks = {};
    for (const [k, field] of Object.entries(LINK_FIELDS) as [keyof PaperLinks, keyof typeof p][]) {
      const url = link(field, p[field] as string | undefined);
      if (url) links[k] = url;
    }
    const paper: PaperInput = {
      title: p.title,
      abstract: p.abstract,
      authors: p.authors.filter(Boolean),
      links,
      extra: {
        ...(p.tldr ? { tldr: p.tldr } : {}),
        ...(p.keywords?.length ? { keywords: p.keywords } : {}),
        ...(p.stars !== undefined ? { stars: p.stars } : {}),
        ...(p.organization ? { organization: p.organization } : {}),
      },
      ...(arxivId ? { arxivId } : {}),
      ...(p.upvotes !== undefined ? { upvotes: p.upvotes } : {}),
      ...(p.published_at ? { publishedAt: p.published_at } : {}),
    };
    const tooBig = oversized(paper, LINK_FIELDS);
    if (tooBig) {
      // Not marked as seen: a later copy of the paper that fits is taken.
      warnings.push(skippedWarning(where, p.title, tooBig));
      return;
    }
    seen.add(key);
    papers.push(paper);
  });
  const { byline, date } = result.data;
  return { source, papers, warnings, ...(byline ? { byline } : {}), ...(date ? { date: date.slice(0, 10) } : {}) };
}
