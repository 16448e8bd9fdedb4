/**
 * Ingesting DIGEST_SOURCE as a run does it: each source on its own (a dead feed does not keep the
 * others out), what each gave recorded in the run. The scheduler's tick and the admin's "ingest
 * now" share it; "ingest now" is an `ingest` run of its own: recorded (each source's health and
 * the alerts follow it), but nothing is built or sent, and it is no SCHEDULE tick (catch-up at
 * start-up reads the tick lock and the issues, never the runs).
 */
import type { App } from '../app.js';
import { toAppError } from '../errors.js';
import { loadAndIngest } from '../pipeline/ingest.js';
import type { Stop } from '../pipeline/stop.js';
import { fetchOptions } from '../sources/fetch.js';
import { splitSources } from '../sources/index.js';
import { digestReader } from '../sources/reader.js';
import { TickRecord } from './record.js';

/** How `ingestSources` runs. */
export interface IngestSourcesOptions {
  /** SIGTERM: the sources not started yet are skipped. */
  stop?: Stop;
  /** The time papers are stored as seen at (default: the app's clock). */
  now?: () => Date;
}

/** Ingests each configured source on its own, logging and recording what each gave. Never throws. */
export async function ingestSources(app: App, record: TickRecord, opts: IngestSourcesOptions = {}): Promise<void> {
  const { config, log } = app;
  for (const source of splitSources(config.DIGEST_SOURCE)) {
    if (opts.stop?.requested) break;
    try {
      const r = await loadAndIngest(
        app.store,
        [source],
        digestReader({
          today: app.today(),
          cwd: config.cwd,
          includeCross: config.ARXIV_INCLUDE_CROSS,
          fetch: fetchOptions(config),
        }),
        (opts.now ?? app.now)(),
      );
      for (const w of r.warnings) log.warn(w);
      const state = r.notModified.length ? 'not modified' : `${r.added} new, ${r.updated} updated, ${r.unchanged} unchanged`;
      log.info(`ingested ${source}: ${state}`);
      record.ingested(source, r);
    } catch (err) {
      log.error(`ingest of ${source} failed: ${toAppError(err).message}`);
      record.failed(source, err);
    }
  }
}

/**
 * "Ingest now": every configured source ingested as a tick does, recorded as an `ingest` run
 * (times from `now`, default the app's clock), nothing built or sent. Never throws.
 */
export async function runIngest(app: App, now: () => Date = app.now): Promise<void> {
  const record = await TickRecord.start(app, 'ingest', now);
  await ingestSources(app, record, { now });
  await record.finish();
}
