/**
 * Reading a digest: from a path, in a given or detected format, into a `Digest`.
 * Every parser validates the whole document before anything is written.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Digest } from '../domain.js';
import { AppError } from '../errors.js';
import { parsePaperboyJson } from './json.js';
import { looksLikeTrendingText, parseTrendingText } from './text.js';

/** Formats `paperboy ingest --format` accepts. */
export const SOURCE_FORMATS = ['auto', 'text', 'json'] as const;
export type SourceFormat = (typeof SOURCE_FORMATS)[number];

/** Digest files larger than this are refused rather than read into memory. */
export const MAX_DIGEST_BYTES = 64 * 1024 * 1024;

/** Options for {@link loadDigest}. */
export interface LoadOptions {
  format?: SourceFormat;
  /** Today's date (YYYY-MM-DD) in the configured time zone, for dates without a year. */
  today: string;
  /** Directory that relative paths resolve against. */
  cwd?: string;
}

/** Splits `DIGEST_SOURCE`-style lists: comma-separated, blanks ignored. */
export function splitSources(list: string): string[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Reads and parses one digest. Throws AppError with a one-line reason; never writes. */
export async function loadDigest(source: string, opts: LoadOptions): Promise<Digest> {
  const file = path.resolve(opts.cwd ?? process.cwd(), source);
  let size: number;
  try {
    const st = await stat(file);
    if (!st.isFile()) throw new AppError('FILE_NOT_FOUND', `${source}: not a file`);
    size = st.size;
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('FILE_NOT_FOUND', `${source}: no such file`);
  }
  if (size > MAX_DIGEST_BYTES) {
    throw new AppError('INPUT_INVALID', `${source}: ${size} bytes is over the ${MAX_DIGEST_BYTES}-byte limit for a digest`);
  }
  const buf = await readFile(file);
  const raw = decodeUtf8(buf, source);
  return parseDigest(raw, source, opts.format ?? 'auto', opts.today);
}

/** Parses a document already in memory. */
export function parseDigest(raw: string, source: string, format: SourceFormat, today: string): Digest {
  const kind = format === 'auto' ? detectFormat(raw, source) : format;
  return kind === 'json' ? parsePaperboyJson(raw, source) : parseTrendingText(raw, source, today);
}

/** Tells the formats apart by their first bytes; an unknown format says what was expected. */
export function detectFormat(raw: string, source: string): Exclude<SourceFormat, 'auto'> {
  const head = raw.replace(/^\uFEFF/, '').trimStart();
  if (head.startsWith('{') || head.startsWith('[')) return 'json';
  if (looksLikeTrendingText(head)) return 'text';
  if (head === '') throw new AppError('INPUT_INVALID', `${source}: empty file; expected a trending-papers page or Paperboy JSON`);
  throw new AppError('INPUT_INVALID', `${source}: unknown format; expected a trending-papers page (with a date line such as "Mar 17") or Paperboy JSON`);
}

function decodeUtf8(buf: Buffer, source: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw new AppError('INPUT_INVALID', `${source}: not UTF-8 text`);
  }
}
