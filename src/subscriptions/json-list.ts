/**
 * Subscriber lists as JSON: what `subscribers export --format json` (and `list --json`) writes, a
 * list of `{email, status, topics, frequency, timezone, created_at, …}`, read back for `import`.
 * Each entry is checked like a CSV row (`rows.ts`) and a bad one is reported by the line it
 * starts on, so that a person can find it in the file.
 */
import type { Frequency } from '../domain.js';
import { AppError } from '../errors.js';
import { type CsvImport, type ImportRecord, collectRows } from './rows.js';

/** True when `text` (or its file name) says JSON: a `.json` name, or a first character `[` or `{`. */
export function looksLikeJsonList(text: string, source: string): boolean {
  return /\.json$/i.test(source) || /^\uFEFF?\s*[[{]/.test(text);
}

/**
 * The line on which each element of the top-level array starts. `text` is valid JSON (it was
 * parsed), so a scan that knows strings and nesting is enough.
 */
export function elementLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let expectElement = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') line++;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\uFEFF') continue;
    if (depth === 1 && expectElement && c !== ']') {
      lines.push(line);
      expectElement = false;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      depth++;
      if (depth === 1) expectElement = true;
    } else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 1) expectElement = true;
  }
  return lines;
}

/** Parses a JSON subscriber list. Throws AppError only when the file as a whole is unreadable. */
export function parseSubscriberJson(text: string, source: string, defaultFrequency: Frequency): CsvImport {
  const body = text.replace(/^\uFEFF/, '');
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch (err) {
    const msg = (err as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const before = pos ? body.slice(0, Number(pos[1])) : undefined;
    const where = before === undefined ? '' : `:${before.split('\n').length}:${before.length - before.lastIndexOf('\n')}`;
    throw new AppError('INPUT_INVALID', `${source}${where}: not valid JSON (${msg.replace(/ in JSON at position \d+.*$/, '')})`);
  }
  if (!Array.isArray(data)) {
    throw new AppError('INPUT_INVALID', `${source}: expected a JSON list of subscribers, as \`subscribers export --format json\` writes`);
  }
  const lines = elementLines(body);
  const entries: { record: ImportRecord; line: number }[] = [];
  const notObjects: CsvImport['errors'] = [];
  data.forEach((entry: unknown, i) => {
    const line = lines[i] ?? 1;
    if (typeof entry === 'object' && entry !== null && !Array.isArray(entry)) entries.push({ record: entry as ImportRecord, line });
    else notObjects.push({ line, message: 'expected an object with an "email"' });
  });
  const out = collectRows(entries, defaultFrequency);
  if (notObjects.length) out.errors = [...out.errors, ...notObjects].sort((a, b) => a.line - b.line);
  return out;
}
