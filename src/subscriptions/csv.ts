/**
 * Subscriber CSV files: a header row with an `email` column, and optionally `topics`
 * (separated by `;` or `|`, or by commas inside quotes), `frequency` and `timezone` (IANA). Bad
 * rows are reported by line number and left out; the good ones are imported. Export writes the
 * same columns (and status, created_at).
 */
import { parse } from 'csv-parse/sync';
import type { Frequency, Subscriber } from '../domain.js';
import { AppError } from '../errors.js';
import type { NewSubscriber } from '../store/store.js';
import { emailKey, normalizeEmail } from './email.js';
import { parseFrequency, parseTimeZone, parseTopics } from './service.js';

/** The outcome of reading a CSV: rows to import and problems by line. */
export interface CsvImport {
  rows: NewSubscriber[];
  errors: { line: number; message: string }[];
  duplicates: number;
}

/** Parses a subscriber CSV. Throws AppError only when the file as a whole is unreadable. */
export function parseSubscriberCsv(text: string, source: string, defaultFrequency: Frequency): CsvImport {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text.replace(/^\uFEFF/, ''), {
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      skip_empty_lines: true,
      trim: true,
      info: true,
      relax_column_count: true,
    });
  } catch (err) {
    const e = err as Error & { lines?: number };
    throw new AppError('INPUT_INVALID', `${source}${e.lines ? `:${e.lines}` : ''}: not a readable CSV file (${e.message.replace(/\s+/g, ' ')})`);
  }
  if (records.length === 0) {
    if (!/^\s*email\b/i.test(text.replace(/^\uFEFF/, ''))) throw new AppError('INPUT_INVALID', `${source}: expected a header row with an "email" column`);
    return { rows: [], errors: [], duplicates: 0 };
  }
  if (!('email' in records[0]!.record)) {
    throw new AppError('INPUT_INVALID', `${source}:1: expected a header row with an "email" column`);
  }

  const out: CsvImport = { rows: [], errors: [], duplicates: 0 };
  const seen = new Set<string>();
  for (const { record, info } of records) {
    try {
      const email = normalizeEmail(record.email ?? '');
      const key = emailKey(email);
      if (seen.has(key)) {
        out.duplicates++;
        continue;
      }
      seen.add(key);
      out.rows.push({
        email,
        status: 'active',
        topics: parseTopics(record.topics),
        frequency: parseFrequency(record.frequency, defaultFrequency),
        timezone: parseTimeZone(record.timezone),
        source: 'import',
      });
    } catch (err) {
      out.errors.push({ line: info.lines, message: (err as Error).message });
    }
  }
  return out;
}

/** One CSV line per subscriber, with a header. */
export function subscriberCsvHeader(): string {
  return 'email,status,topics,frequency,created_at,timezone\n';
}

/** A subscriber as a CSV line (fields quoted where needed). */
export function subscriberCsvLine(s: Subscriber): string {
  return `${[s.email, s.status, s.topics.join(';'), s.frequency, s.createdAt, s.timezone ?? ''].map(csvField).join(',')}\n`;
}

function csvField(v: string): string {
  // A leading = + - @ would be a formula in a spreadsheet: quote it and prefix with '.
  const safe = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\n\r]/.test(safe) || safe !== v ? `"${safe.replace(/"/g, '""')}"` : safe;
}
