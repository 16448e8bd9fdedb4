/**
 * Hugging Face daily papers (`GET https://huggingface.co/api/daily_papers?date=YYYY-MM-DD`):
 * a JSON list of items, each with a `paper` object. Real data varies, so only the shape the
 * email needs is required; optional fields come and go, upvotes live in `paper.upvotes`, text
 * has hard line breaks, hidden authors are left out, and the API may answer with an error object.
 */
import { z } from 'zod';
import type { Digest, PaperInput } from '../domain.js';
import { AppError } from '../errors.js';
import { jsonPath } from './json.js';
import { oversized, skippedWarning } from './limits.js';
import { normalizeArxivId, normalizeTitle } from '../lib/paper-ids.js';
import { cleanText, detex, isoDate, maybe, safeUrl } from './normalize.js';

/** Each link by the item's field it comes from (how a warning names it). */
const LINK_FIELDS = { code: 'paper.githubRepo', project: 'paper.projectPage', thumbnail: 'thumbnail' } as const;

const HF = 'https://huggingface.co';

const optionalText = z.string().nullish();
const optionalCount = z.number().int().nonnegative().nullish().catch(undefined);
const hfAuthor = z.object({ name: z.string().nullish(), hidden: z.boolean().nullish() }).passthrough();
const hfOrganization = z.union([z.string(), z.object({ fullname: optionalText, name: optionalText }).passthrough()]).nullish();

const hfPaper = z
  .object({
    id: z.string(),
    title: optionalText,
    summary: optionalText,
    publishedAt: optionalText,
    upvotes: optionalCount,
    authors: z.array(hfAuthor).nullish(),
    ai_summary: optionalText,
    ai_keywords: z.array(z.string()).nullish().catch(undefined),
    githubRepo: optionalText,
    githubStars: optionalCount,
    projectPage: optionalText,
    organization: hfOrganization,
  })
  .passthrough();

const hfItem = z
  .object({
    title: optionalText,
    summary: optionalText,
    publishedAt: optionalText,
    thumbnail: optionalText,
    numComments: optionalCount,
    organization: hfOrganization,
    paper: hfPaper,
  })
  .passthrough();

/** True when `data` is what the daily papers API returns: a list of items with a `paper`, or its error object. */
export function looksLikeHf(data: unknown): boolean {
  if (Array.isArray(data)) return data.length === 0 || (typeof data[0] === 'object' && data[0] !== null && 'paper' in data[0]);
  return typeof data === 'object' && data !== null && 'error' in data && !('papers' in data);
}

/** Parses the API's answer. An error object or a list of the wrong shape is rejected whole. */
export function parseHfDailyPapers(data: unknown, source: string): Digest {
  if (!Array.isArray(data)) {
    const message = typeof data === 'object' && data !== null && 'error' in data ? String((data as { error: unknown }).error) : 'expected a list';
    throw new AppError('INPUT_INVALID', `${source}: the Hugging Face API answered with an error: ${cleanText(message).slice(0, 200)}`);
  }
  const items = z.array(hfItem).safeParse(data);
  if (!items.success) {
    const issue = items.error.issues[0]!;
    throw new AppError('INPUT_INVALID', `${source}: ${jsonPath(issue.path)}: ${issue.message}`);
  }

  const papers: PaperInput[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  items.data.forEach((item, i) => {
    const where = `${source}: [${i}]`;
    const p = item.paper;
    const title = cleanText(detex(p.title ?? item.title ?? ''));
    if (!title) {
      warnings.push(`${where}: skipped, no title`);
      return;
    }
    const arxivId = normalizeArxivId(p.id);
    const key = arxivId ?? normalizeTitle(title);
    if (seen.has(key)) {
      warnings.push(`${where}: "${title.slice(0, 60)}" appears twice; kept the first`);
      return;
    }
    const link = (field: string, value: string | null | undefined, base?: string) => {
      if (!value) return undefined;
      const url = safeUrl(value, base);
      if (!url) warnings.push(`${where}.${field}: dropped, not an http(s) URL`);
      return url;
    };
    const page = arxivId ? `${HF}/papers/${arxivId}` : undefined;
    const links = {
      ...(page ? { page } : {}),
      ...(arxivId ? { pdf: `https://arxiv.org/pdf/${arxivId}` } : {}),
      ...maybe('code', link(LINK_FIELDS.code, p.githubRepo)),
      ...maybe('project', link(LINK_FIELDS.project, p.projectPage)),
      ...maybe('thumbnail', link(LINK_FIELDS.thumbnail, item.thumbnail, HF)),
    };
    const organization = orgName(p.organization ?? item.organization);
    const tldr = cleanText(p.ai_summary ?? '');
    const keywords = (p.ai_keywords ?? []).map(cleanText).filter(Boolean);
    const paper: PaperInput = {
      title,
      abstract: cleanText(p.summary ?? item.summary ?? ''),
      authors: (p.authors ?? []).filter((a) => !a.hidden && a.name).map((a) => cleanText(detex(a.name!))),
      links,
      extra: {
        ...(tldr ? { tldr } : {}),
        ...(keywords.length ? { keywords } : {}),
        ...(p.githubStars != null ? { stars: p.githubStars } : {}),
        ...(organization ? { organization } : {}),
      },
      ...(arxivId ? { arxivId } : {}),
      ...(p.upvotes != null ? { upvotes: p.upvotes } : {}),
      ...maybe('publishedAt', isoDate(p.publishedAt ?? item.publishedAt)),
    };
    const tooBig = oversized(paper, LINK_FIELDS);
    if (tooBig) {
      warnings.push(skippedWarning(where, title, tooBig));
      return;
    }
    seen.add(key);
    papers.push(paper);
    if (!paper.abstract) warnings.push(`${where}: "${title.slice(0, 60)}" has no abstract`);
  });
  return { source, papers, warnings };
}

function orgName(org: z.infer<typeof hfOrganization>): string | undefined {
  if (!org) return undefined;
  if (typeof org === 'string') return cleanText(org) || undefined;
  return cleanText(org.fullname ?? org.name ?? '') || undefined;
}
