/**
 * Subscriber CSV files: a header row with an `email` column, and optionally `status`, `topics`
 * (separated by `;` or `|`, or by commas inside quotes), `frequency`, `timezone` (IANA) and
 * `created_at`. Bad rows are reported by line number and left out; the good ones are imported.
 * Export writes these columns; a cell a spreadsheet would take for a formula gets a `'` in
 * front, which import takes off again, so that an export imports back as it was.
 */
import { parse } from 'csv-parse/sync';
import type { Frequency, Subscriber } from '../domain.js';
import { AppError } from '../errors.js';
import { type CsvImport, collectRows } from './rows.js';

export type { CsvImport } from './rows.js';

/**
 * A leading `=`, `+`, `-`, `@`, tab or CR makes a spreadsheet read a cell as a formula (OWASP's
 * "CSV injection"); export puts a `'` before it. Cells that already begin with quotes and then
 * one of those get one more, so that import can always take exactly one off: `'=x` was `=x`,
 * and `''=x` was `'=x`.
 */
const FORMULA = /^'*[=+\-@\t\r]/;

/** A cell as export writes it: formula-protected (see FORMULA), then quoted where needed. */
function csvField(v: string): string {
  const safe = FORMULA.test(v) ? `'${v}` : v;
  return /[",\n\r]/.test(safe) || safe !== v ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** A cell as it was before export protected it: one `'` fewer before a formula character. */
function unprotectCell(v: string): string {
  return v.startsWith("'") && FORMULA.test(v) ? v.slice(1) : v;
}

/** `record` with every cell unprotected; the same object when no cell begins with a quote (most). */
function unprotectRecord(record: Record<string, string>): Record<string, string> {
  let out = record;
  for (const [k, v] of Object.entries(record)) {
    if (typeof v !== 'string' || !v.startsWith("'")) continue;
    if (out === record) out = { ...record };
    out[k] = unprotectCell(v);
  }
  return out;
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
  return collectRows(
    // Not csv-parse's `cast`: it costs a context object per cell (3× the parse on 100,000 rows).
    records.map(({ record, info }) => ({ record: unprotectRecord(record), line: info.lines })),
    defaultFrequency,
  );
}

/** One CSV line per subscriber, with a header. */
export function subscriberCsvHeader(): string {
  return 'email,status,topics,frequency,created_at,timezone\n';
}

/** A subscriber as a CSV line (fields quoted where needed). */
export function subscriberCsvLine(s: Subscriber): string {
  return `${[s.email, s.status, s.topics.join(';'), s.frequency, s.createdAt, s.timezone ?? ''].map(csvField).join(',')}\n`;
}
