/**
 * `/admin/subscribers/import`: CSV (or JSON export) import in the browser with a per-line error
 * report. A file or pasted lines go through the same `parseSubscriberFile` and `importParsedCsv` as
 * `paperboy subscribers import`, so that the page and the CLI cannot drift apart: the same rows
 * are kept, the same line numbers reported. A file unreadable as a whole stores nothing; a bad row
 * never stops the good ones. The gate in `routes.ts` has already checked the session and the CSRF
 * token (it parsed the body; hono keeps the parsed form for the route).
 */
import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import type { App } from '../../app.js';
import { AppError, statusOf } from '../../errors.js';
import { type CsvImportReport, importParsedCsv, parseSubscriberFile } from '../../subscriptions/csv-import.js';
import { MAX_IMPORT_BYTES } from '../security.js';
import { type AdminDeps, adminPage } from './pages.js';

/** The import page's path (its POST gets the larger body limit in `security.ts`). */
export const IMPORT_PATH = '/admin/subscribers/import';
/** Bad lines listed on the result page (the count says how many more). */
export const MAX_LISTED_ERRORS = 1000;

const MAX_MB = MAX_IMPORT_BYTES / 1024 / 1024;
/** The longest file name shown on the result page. */
const MAX_SOURCE_NAME = 200;
const csrfInput = (csrf: string) => html`<input type="hidden" name="csrf" value="${csrf}">`;

/** GET (and a refused POST): the form, with `error` beside it. */
export function importPage(name: string, csrf: string, opts: { error?: string; pasted?: string } = {}) {
  return adminPage(
    name,
    csrf,
    'subscribers',
    html`<h1>Import subscribers</h1>
${opts.error ? html`<p class="notice warn" role="alert">${opts.error}</p>` : ''}
<form class="card" method="post" action="${IMPORT_PATH}" enctype="multipart/form-data">
${csrfInput(csrf)}
<p>A CSV file with a header row. The <code>email</code> column is required; <code>status</code> (pending, active, unsubscribed or suppressed), <code>topics</code> (separated by <code>;</code> or <code>|</code>, or by commas inside quotes), <code>frequency</code> (daily or weekly; the default otherwise), <code>timezone</code> (IANA, such as Europe/Paris) and <code>created_at</code> are optional. An export from this page, or the JSON of <code>paperboy subscribers export --format json</code>, imports back as it was.</p>
<p class="notice">Each row keeps the state its <code>status</code> column gives: an import never activates an unsubscribed, pending or suppressed reader. Rows without a status are confirmed at once: you vouch for their consent. An address already on the list is left as it is, whatever its state: an unsubscribed, suppressed or pending subscriber is not re-activated, and an erased address that was suppressed stays out. Bad lines are skipped and listed; the good ones are imported.</p>
<p><label for="file">CSV or JSON file (at most ${MAX_MB} MB)</label><input id="file" name="file" type="file" accept=".csv,text/csv,.json,application/json"></p>
<p><label for="csv">Or paste the CSV here</label><textarea id="csv" name="csv" rows="10" spellcheck="false" placeholder="email,topics,frequency,timezone">${opts.pasted ?? ''}</textarea></p>
<button type="submit">Import</button> <a href="/admin/subscribers">Cancel</a></form>`,
    { title: 'Import subscribers' },
  );
}

/** The report: counts, then every bad line by its line number in the CSV. */
export function importResultPage(name: string, csrf: string, source: string, r: CsvImportReport) {
  const listed = r.errors.slice(0, MAX_LISTED_ERRORS);
  const stat = (label: string, n: number) => html`<div><dt>${label}</dt><dd>${n}</dd></div>`;
  return adminPage(
    name,
    csrf,
    'subscribers',
    html`<h1>Import done</h1>
<section class="card" aria-labelledby="summary"><h2 id="summary">${source}</h2>
<dl class="stats">${stat('Rows read', r.read)}${stat('Added', r.added)}${stat('Already on the list (unchanged)', r.existing)}${stat('Bad lines skipped', r.errors.length)}${stat('Duplicates in the file', r.duplicates)}${stat('Suppressed, left out', r.suppressed)}</dl>
${r.errors.length ? '' : html`<p class="notice">No bad lines.</p>`}</section>
${
  r.errors.length
    ? html`<section class="card" aria-labelledby="bad"><h2 id="bad">Bad lines (skipped)</h2>
<p class="notice warn">${r.errors.length} line${r.errors.length === 1 ? ' was' : 's were'} not imported; the other rows were. Fix ${r.errors.length === 1 ? 'it' : 'them'} and import again: addresses already imported are left as they are.</p>
<ul class="errors">${listed.map((e) => html`<li>line ${e.line}: ${e.message}</li>`)}</ul>
${r.errors.length > listed.length ? html`<p class="meta">…and ${r.errors.length - listed.length} more.</p>` : ''}</section>`
    : ''
}
<p><a href="/admin/subscribers">Back to the subscribers</a> · <a href="${IMPORT_PATH}">Import another file</a></p>`,
    { title: 'Import done' },
  );
}

const isBlob = (v: unknown): v is File => typeof Blob !== 'undefined' && v instanceof Blob;

/** The CSV of the form and what to call it; an error message when there is none or too much. */
async function csvOf(body: Record<string, unknown>): Promise<{ text: string; source: string } | { error: string; pasted?: string }> {
  const file = isBlob(body.file) && body.file.size > 0 ? body.file : undefined;
  const pasted = typeof body.csv === 'string' ? body.csv : '';
  const hasPasted = pasted.trim().length > 0;
  const keep = pasted.length <= 64 * 1024 ? pasted : undefined;
  if (file && hasPasted) return { error: 'Choose a file or paste CSV, not both.', pasted: keep };
  if (!file && !hasPasted) return { error: 'Choose a CSV file or paste its lines: nothing was imported.', pasted: keep };
  const size = file ? file.size : Buffer.byteLength(pasted);
  if (size > MAX_IMPORT_BYTES) return { error: `That CSV is too large: an import takes at most ${MAX_MB} MB. Nothing was imported.` };
  if (!file) return { text: pasted, source: 'pasted CSV' };
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (bytes.includes(0))
    return { error: `${file.name || 'The file'} is not a CSV text file (it holds NUL bytes: binary data, or UTF-16 text; save it as UTF-8). Nothing was imported.` };
  return { text: new TextDecoder('utf-8').decode(bytes), source: (file.name || 'uploaded file').slice(0, MAX_SOURCE_NAME) };
}

/** What the import touches: the store, the default frequency, the tokens' address hash, the log. */
export type ImportApp = Pick<App, 'store' | 'config' | 'tokens' | 'log'>;

/** Installs the routes; call after the admin gate is in place. */
export function importRoutes(http: Hono, app: ImportApp, deps: AdminDeps): void {
  const { name, csrfOf } = deps;
  const refuse = (c: Context, error: string, pasted?: string) => c.html(importPage(name, csrfOf(c), { error, pasted }), statusOf('INPUT_INVALID'));

  http.get(IMPORT_PATH, (c) => c.html(importPage(name, csrfOf(c))));

  http.post(IMPORT_PATH, async (c) => {
    // The gate parsed this already (for its CSRF check): hono hands back the same form.
    const body = await c.req.parseBody();
    const csv = await csvOf(body);
    if ('error' in csv) return refuse(c, csv.error, csv.pasted);
    let parsed: ReturnType<typeof parseSubscriberFile>;
    try {
      parsed = parseSubscriberFile(csv.text, csv.source, app.config.DEFAULT_FREQUENCY);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      return refuse(c, `${err.message}. Nothing was imported.`, csv.source === 'pasted CSV' && csv.text.length <= 64 * 1024 ? csv.text : undefined);
    }
    const report = await importParsedCsv(app, parsed);
    app.log.info(
      `admin: subscribers import: ${report.read} rows, ${report.added} added, ${report.existing} already on the list, ` +
        `${report.errors.length} bad, ${report.duplicates} duplicates, ${report.suppressed} suppressed`,
    );
    return c.html(importResultPage(name, csrfOf(c), csv.source, report));
  });
}
