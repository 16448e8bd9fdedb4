/**
 * Importing a subscriber file (CSV, or the JSON export), and the report of it: `paperboy
 * subscribers import` and the admin's import page both call these, so that the two read, count
 * and word the outcome alike. A row keeps the state it carries (an export's `status`): an
 * import never activates an unsubscribed, pending or suppressed reader; a row without one is
 * added confirmed (the operator vouches for consent). An address already on the list is left as
 * it is, whatever its state, and an erased address kept suppressed as a keyed hash is left out.
 */
import type { Frequency } from '../domain.js';
import type { Store } from '../store/store.js';
import { type CsvImport, parseSubscriberCsv } from './csv.js';
import { emailKey } from '../lib/email.js';
import { looksLikeJsonList, parseSubscriberJson } from './json-list.js';
import { importSubscribers } from './operator.js';
import type { Tokens } from './tokens.js';

/** What an import did. */
export interface CsvImportReport {
  /** Data rows read (the header not counted): good, bad and duplicate ones. */
  read: number;
  added: number;
  /** Already on the list in some state: left unchanged. */
  existing: number;
  /** Erased addresses kept suppressed: left out. */
  suppressed: number;
  /** Repeats of an address earlier in the file: left out. */
  duplicates: number;
  /** The bad rows, by the CSV's line number (skipped; the good rows are imported anyway). */
  errors: CsvImport['errors'];
}

/**
 * Reads an import file as JSON (a `.json` name, or text that begins with `[` or `{`: what
 * `export --format json` writes) or else as CSV. Throws AppError when the file as a whole is
 * unreadable; bad rows are in the result, by line.
 */
export function parseSubscriberFile(text: string, source: string, defaultFrequency: Frequency): CsvImport {
  return looksLikeJsonList(text, source) ? parseSubscriberJson(text, source, defaultFrequency) : parseSubscriberCsv(text, source, defaultFrequency);
}

/** Imports the good rows of `parsed` (one transaction) and says what happened to every row. */
export async function importParsedCsv(deps: { store: Store; tokens: Pick<Tokens, 'emailHash'> }, parsed: CsvImport): Promise<CsvImportReport> {
  const { added, suppressed } = await importSubscribers(deps.store, parsed.rows, (email) => deps.tokens.emailHash(emailKey(email)));
  return {
    read: parsed.rows.length + parsed.errors.length + parsed.duplicates,
    added,
    existing: parsed.rows.length - added - suppressed,
    suppressed,
    duplicates: parsed.duplicates,
    errors: parsed.errors,
  };
}

/** The one-line summary: "2 added, 1 already on the list, 3 bad rows skipped, 1 duplicates in the file". */
export function importSummary(r: CsvImportReport): string {
  return (
    `${r.added} added, ${r.existing} already on the list, ${r.errors.length} bad rows skipped` +
    `${r.duplicates ? `, ${r.duplicates} duplicates in the file` : ''}` +
    `${r.suppressed ? `, ${r.suppressed} suppressed addresses left out` : ''}`
  );
}
