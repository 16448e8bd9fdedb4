/**
 * One imported subscriber, from a CSV row or a JSON list entry: the same checks and the same
 * meaning for both, so that whatever `subscribers export` wrote (either format) imports back as
 * it was. A row that carries its state keeps it: an import never activates an unsubscribed,
 * pending or suppressed reader. A row without one (a plain list of addresses) is active, since
 * the operator vouches for consent.
 */
import { type Frequency, SUBSCRIBER_STATUSES, type SubscriberStatus } from '../domain.js';
import { AppError } from '../errors.js';
import type { NewSubscriber } from '../store/store.js';
import { emailKey, normalizeEmail } from '../lib/email.js';
import { parseFrequency, parseTimeZone, parseTopics } from './inputs.js';

/** A row's fields by column name (CSV: strings; JSON: whatever the entry holds). */
export type ImportRecord = Record<string, unknown>;

const bad = (message: string): never => {
  throw new AppError('INPUT_INVALID', message);
};

/** What a bad value looks like in a message: quoted, escaped, at most 40 characters. */
const shown = (v: string) => JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);

/** A string field; empty, null or absent: undefined. Anything else is an error naming the field. */
function stringField(rec: ImportRecord, key: string): string | undefined {
  const v = rec[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') return bad(`${key}: expected text`);
  return v.trim() === '' ? undefined : v;
}

/** `pending | active | unsubscribed | suppressed`, any case; absent or empty: active. */
export function parseStatus(input: string | undefined): SubscriberStatus {
  if (input === undefined) return 'active';
  const v = input.trim().toLowerCase() as SubscriberStatus;
  if (!SUBSCRIBER_STATUSES.includes(v)) bad(`invalid status ${shown(input)}: expected pending, active, unsubscribed or suppressed`);
  return v;
}

// What export writes (`2024-01-15T08:30:00.000Z`), a date alone, or a timestamp with an offset.
const ISO = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * A timestamp column as the store keeps it (`toISOString`, so that it sorts as text on both
 * stores); absent or empty: undefined.
 */
function timestampField(rec: ImportRecord, key: string): string | undefined {
  const v = stringField(rec, key);
  if (v === undefined) return undefined;
  const t = v.trim();
  const ms = ISO.test(t) ? Date.parse(t.length === 10 ? `${t}T00:00:00Z` : t) : Number.NaN;
  if (Number.isNaN(ms)) bad(`invalid ${key} ${shown(v)}: expected an ISO 8601 time such as 2024-01-15T08:30:00.000Z`);
  return new Date(ms).toISOString();
}

/** Topics as CSV writes them (`a;b`, `"a, b"`) or as JSON does (a list of strings). */
function topicsField(rec: ImportRecord): string[] {
  const v = rec.topics;
  if (v === undefined || v === null) return [];
  if (typeof v === 'string') return parseTopics(v);
  if (!Array.isArray(v) || v.some((t) => typeof t !== 'string')) return bad('topics: expected a list of topics');
  return parseTopics(v.join(','));
}

/**
 * The subscriber a record describes, checked; throws AppError saying what is wrong. Columns
 * other than these are ignored. `updated_at`, `confirmed_at` and `unsubscribed_at` (the JSON
 * export has them) are kept when given; otherwise the store fills them in as for any new row.
 */
export function subscriberFromRecord(rec: ImportRecord, defaultFrequency: Frequency): NewSubscriber {
  const email = stringField(rec, 'email');
  const status = parseStatus(stringField(rec, 'status'));
  const row: NewSubscriber = {
    email: normalizeEmail(email ?? ''),
    status,
    topics: topicsField(rec),
    frequency: parseFrequency(stringField(rec, 'frequency'), defaultFrequency),
    timezone: parseTimeZone(stringField(rec, 'timezone')),
    source: 'import',
  };
  const times = {
    createdAt: timestampField(rec, 'created_at'),
    updatedAt: timestampField(rec, 'updated_at'),
    confirmedAt: timestampField(rec, 'confirmed_at'),
    unsubscribedAt: timestampField(rec, 'unsubscribed_at'),
  };
  for (const [k, v] of Object.entries(times)) if (v !== undefined) Object.assign(row, { [k]: v });
  return row;
}

/** The outcome of reading an import file (CSV or JSON): rows to import and problems by line. */
export interface CsvImport {
  rows: NewSubscriber[];
  errors: { line: number; message: string }[];
  duplicates: number;
}

/**
 * Checks every record (with the line it starts on, for the report): the good ones become rows,
 * each bad one an error on its line, and a repeat of an address earlier in the file (any case)
 * is counted and left out.
 */
export function collectRows(records: Iterable<{ record: ImportRecord; line: number }>, defaultFrequency: Frequency): CsvImport {
  const out: CsvImport = { rows: [], errors: [], duplicates: 0 };
  const seen = new Set<string>();
  for (const { record, line } of records) {
    try {
      const row = subscriberFromRecord(record, defaultFrequency);
      const key = emailKey(row.email);
      if (seen.has(key)) {
        out.duplicates++;
        continue;
      }
      seen.add(key);
      out.rows.push(row);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      out.errors.push({ line, message: err.message });
    }
  }
  return out;
}
