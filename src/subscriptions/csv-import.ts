/**
 * Importing a parsed subscriber CSV, and the report of it: `paperboy subscribers import` and the
 * admin's import page both call these, so that the two count and word the outcome alike. Rows are
 * added confirmed (the operator vouches for consent). An address already on the list is left as
 * it is, whatever its state (an unsubscribed, suppressed or pending subscriber is not
 * re-activated), and an erased address kept suppressed as a keyed hash is left out.
 */
import type { Store } from '../store/store.js';
import type { CsvImport } from './csv.js';
import { emailKey } from './email.js';
import { importSubscribers } from './service.js';
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
