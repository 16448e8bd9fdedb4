/**
 * Reading a digest: from a path or an http(s) URL, in a given or detected format, into a
 * `Digest`. Every parser validates the whole document before anything is written.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Digest } from '../domain.js';
import { hasControl } from '../lib/controls.js';
import { AppError } from '../errors.js';
import { looksLikeFeed, parseArxivFeed } from './arxiv.js';
import { type FetchOptions, type Validators, fetchDigest } from './fetch.js';
import { looksLikeHf, parseHfDailyPapers } from './hf.js';
import { parseJsonText, parsePaperboyData } from './json.js';
import { looksLikeTrendingText, parseTrendingText } from './text.js';

/** Formats `paperboy ingest --format` accepts. */
export const SOURCE_FORMATS = ['auto', 'text', 'json', 'hf', 'arxiv'] as const;
/** One of SOURCE_FORMATS: how to read a digest (`auto` detects it). */
export type SourceFormat = (typeof SOURCE_FORMATS)[number];

/** Digest files larger than this are refused rather than read into memory. */
export const MAX_DIGEST_BYTES = 64 * 1024 * 1024;

/** Options for {@link loadDigest}. */
export interface LoadOptions {
  format?: SourceFormat;
  /** Today's date (YYYY-MM-DD) in the configured time zone: dates without a year, `{date}` in URLs. */
  today: string;
  /** Directory that relative paths resolve against. */
  cwd?: string;
  /** Take arXiv cross-lists (ARXIV_INCLUDE_CROSS). */
  includeCross?: boolean;
  /** For URLs: what the previous fetch returned, and fetch knobs. */
  validators?: Validators;
  fetch?: FetchOptions;
}

/** Splits `DIGEST_SOURCE`-style lists: comma-separated, blanks ignored. */
export function splitSources(list: string): string[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** True for http(s) sources. */
export function isUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/** `https://…/daily_papers?date={date}` → today's date filled in. */
export function expandSource(source: string, today: string): string {
  return source.replaceAll('{date}', today);
}

/**
 * Reads and parses one digest. Throws AppError with a one-line reason that names the file or URL
 * and the cause; never writes.
 */
export async function loadDigest(source: string, opts: LoadOptions): Promise<Digest> {
  const where = expandSource(source, opts.today);
  try {
    return await readDigest(where, opts);
  } catch (err) {
    if (err instanceof AppError) throw err;
    // A parser or the file system failed in a way nobody foresaw: still say where, and what.
    const e = err as NodeJS.ErrnoException;
    if (typeof e.code === 'string' && e.syscall) throw new AppError('FILE_NOT_FOUND', `${where}: cannot read it (${e.code})`, { cause: err });
    throw new AppError('INPUT_INVALID', `${where}: cannot read it as a digest (${String(e.message ?? err).slice(0, 300)})`, { cause: err });
  }
}

async function readDigest(where: string, opts: LoadOptions): Promise<Digest> {
  // The source is recorded on every paper and named in every message: no control character in it.
  if (hasControl(where)) throw new AppError('INPUT_INVALID', `${JSON.stringify(where)}: a path or URL with a control character in it`);
  if (isUrl(where)) {
    const res = await fetchDigest(where, { ...opts.fetch, ...(opts.validators ? { validators: opts.validators } : {}) });
    if (res.status === 'not-modified') return { source: where, papers: [], warnings: [], fetched: { ...opts.validators, notModified: true } };
    const digest = parseDigest(decodeUtf8(res.body, where), where, opts.format ?? 'auto', opts);
    return { ...digest, fetched: { ...res.validators, notModified: false } };
  }
  const file = path.resolve(opts.cwd ?? process.cwd(), where);
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new AppError('FILE_NOT_FOUND', `${where}: not a file`);
    size = st.size;
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('FILE_NOT_FOUND', `${where}: no such file`);
  }
  if (size > MAX_DIGEST_BYTES) {
    throw new AppError('INPUT_INVALID', `${where}: ${size} bytes is over the ${MAX_DIGEST_BYTES}-byte limit for a digest`);
  }
  return parseDigest(decodeUtf8(await readFile(file), where), where, opts.format ?? 'auto', opts);
}

/** Parses a document already in memory. */
export function parseDigest(raw: string, source: string, format: SourceFormat, opts: Pick<LoadOptions, 'today' | 'includeCross'>): Digest {
  const text = raw.replace(/^\uFEFF/, '');
  const kind = format === 'auto' ? detectFormat(text, source) : format;
  switch (kind) {
    case 'text':
      return parseTrendingText(text, source, opts.today);
    case 'arxiv':
      return parseArxivFeed(text, source, { includeCross: opts.includeCross ?? false });
    case 'hf':
      return parseHfDailyPapers(parseJsonText(text, source), source);
    case 'json': {
      const data = parseJsonText(text, source);
      return format === 'auto' && looksLikeHf(data) ? parseHfDailyPapers(data, source) : parsePaperboyData(data, source);
    }
  }
}

/**
 * Tells the formats apart by their first bytes: JSON (Paperboy or Hugging Face, told apart by
 * shape once parsed), an Atom or RSS feed, or the trending-papers page. Anything else is an error
 * that says what was expected.
 */
export function detectFormat(raw: string, source: string): Exclude<SourceFormat, 'auto' | 'hf'> {
  const head = raw.trimStart().slice(0, 4000);
  const expected = 'expected a trending-papers page (with a date line such as "Mar 17"), Paperboy JSON, Hugging Face daily papers JSON, or an arXiv Atom/RSS feed';
  if (head === '') throw new AppError('INPUT_INVALID', `${source}: empty file; ${expected}`);
  if (head.startsWith('{') || head.startsWith('[')) return 'json';
  if (looksLikeFeed(head)) return 'arxiv';
  if (/^<(!doctype html|html)/i.test(head)) throw new AppError('INPUT_INVALID', `${source}: an HTML page, not a digest; ${expected}`);
  if (head.startsWith('<')) throw new AppError('INPUT_INVALID', `${source}: XML that is not an Atom or RSS feed; ${expected}`);
  if (looksLikeTrendingText(head)) return 'text';
  throw new AppError('INPUT_INVALID', `${source}: unknown format; ${expected}`);
}

function decodeUtf8(buf: Buffer, source: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw new AppError('INPUT_INVALID', `${source}: not UTF-8 text`);
  }
}
