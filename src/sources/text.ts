/**
 * The plain-text trending-papers page (the seed's format): a few header lines, a byline
 * ("by… and the research community"), a date line ("Mar 17"), then for each paper its
 * title on one line, a blank line, and its abstract. Errors name the line they found.
 */
import type { Digest, PaperInput } from '../domain.js';
import { AppError } from '../errors.js';
import { oversized, skippedWarning } from './limits.js';
import { normalizeTitle } from '../lib/paper-ids.js';
import { cleanText } from './normalize.js';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
/**
 * Titles longer than this are abstracts in the wrong place: the page is misaligned, and every
 * paper after it would be read wrong, so the whole page is refused (not one paper skipped).
 */
const MAX_TITLE = 300;

interface Block {
  line: number;
  lines: string[];
}

/**
 * Parses the page. `today` (YYYY-MM-DD) resolves a date without a year to its most recent
 * occurrence. Throws AppError('INPUT_INVALID') with `source:line: what is wrong`.
 */
export function parseTrendingText(text: string, source: string, today: string): Digest {
  const fail = (line: number, msg: string): never => {
    throw new AppError('INPUT_INVALID', `${source}:${line}: ${msg}`);
  };
  if (text.includes('\u0000')) fail(1, 'not a text file (contains NUL bytes)');
  const blocks = toBlocks(text.replace(/^\uFEFF/, ''));
  if (blocks.length === 0) fail(1, 'empty digest: expected a header, a date line and papers');

  const dateAt = blocks.findIndex((b) => b.lines.length === 1 && parseDate(b.lines[0]!, today) !== undefined);
  if (dateAt < 0) {
    fail(blocks[0]!.line, 'no date line (such as "Mar 17") before the papers');
  }
  const header = blocks.slice(0, dateAt);
  const bylineBlock = header.find((b) => /^by\s?\S/i.test(b.lines[0]!));
  const date = parseDate(blocks[dateAt]!.lines[0]!, today)!;

  const body = blocks.slice(dateAt + 1);
  if (body.length === 0) fail(blocks[dateAt]!.line, 'no papers after the date line');

  const papers: PaperInput[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < body.length; i += 2) {
    const titleBlock = body[i]!;
    const abstractBlock = body[i + 1];
    if (titleBlock.lines.length > 1) {
      fail(titleBlock.line + 1, 'expected a blank line between the title and the abstract');
    }
    const title = cleanText(titleBlock.lines[0]!);
    if (title.length > MAX_TITLE) {
      fail(titleBlock.line, `expected a paper title, found a ${title.length}-character paragraph (is a title or an abstract missing above?)`);
    }
    if (!abstractBlock) fail(titleBlock.line, `paper "${clip(title)}" has no abstract`);
    const abstract = cleanText(abstractBlock!.lines.join(' '));
    const key = normalizeTitle(title);
    if (key === '') fail(titleBlock.line, 'a paper title has no letters or digits');
    if (seen.has(key)) {
      warnings.push(`${source}:${titleBlock.line}: "${clip(title)}" appears twice; kept the first`);
      continue;
    }
    const paper: PaperInput = { title, abstract, authors: [], links: {}, extra: {} };
    const tooBig = oversized(paper);
    if (tooBig) {
      warnings.push(skippedWarning(`${source}:${titleBlock.line}`, title, tooBig));
      continue;
    }
    seen.add(key);
    papers.push(paper);
  }
  const byline = bylineBlock ? tidyByline(bylineBlock.lines.join(' ')) : undefined;
  return { source, date, papers, warnings, ...(byline ? { byline } : {}) };
}

/** True when the text looks like this format: a date line within the first blocks, then prose. */
export function looksLikeTrendingText(text: string): boolean {
  const head = toBlocks(text.slice(0, 4000)).slice(0, 8);
  return head.some((b) => b.lines.length === 1 && parseDate(b.lines[0]!, '2000-01-01') !== undefined);
}

function toBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  let current: Block | null = null;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') {
      current = null;
      return;
    }
    if (!current) {
      current = { line: i + 1, lines: [] };
      blocks.push(current);
    }
    current.lines.push(line);
  });
  return blocks;
}

/** "Mar 17", "March 17", "Mar 17, 2025", "17 Mar 2025" or "2025-03-17" → YYYY-MM-DD. */
export function parseDate(line: string, today: string): string | undefined {
  const s = line.trim();
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (m) return validDate(+m[1]!, +m[2]!, +m[3]!);
  m = /^([A-Za-z]{3,9})\.? (\d{1,2})(?:,? (\d{4}))?$/.exec(s);
  let month: number, day: number, year: number | undefined;
  if (m) {
    month = monthIndex(m[1]!);
    day = +m[2]!;
    year = m[3] ? +m[3] : undefined;
  } else {
    m = /^(\d{1,2}) ([A-Za-z]{3,9})\.?(?:,? (\d{4}))?$/.exec(s);
    if (!m) return undefined;
    month = monthIndex(m[2]!);
    day = +m[1]!;
    year = m[3] ? +m[3] : undefined;
  }
  if (month < 1) return undefined;
  if (year !== undefined) return validDate(year, month, day);
  const [ty, tm, td] = today.split('-').map(Number) as [number, number, number];
  const thisYear = month < tm || (month === tm && day <= td) ? ty : ty - 1;
  return validDate(thisYear, month, day);
}

function monthIndex(name: string): number {
  const lower = name.toLowerCase();
  const i = MONTHS.indexOf(lower.slice(0, 3));
  if (i < 0) return -1;
  const full = new Date(Date.UTC(2000, i, 1)).toLocaleString('en-US', { month: 'long', timeZone: 'UTC' }).toLowerCase();
  return lower.length === 3 || full.startsWith(lower) || lower === 'sept' ? i + 1 : -1;
}

function validDate(y: number, m: number, d: number): string | undefined {
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return undefined;
  return date.toISOString().slice(0, 10);
}

/** "byAK and the research community" → "by AK and the research community". */
function tidyByline(s: string): string {
  return cleanText(s).replace(/^by(?=[A-Z])/, 'by ');
}

function clip(s: string, n = 60): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
