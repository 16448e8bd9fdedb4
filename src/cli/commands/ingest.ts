/**
 * `paperboy ingest [SOURCE] [--format …]`: parse every source first, then write in one
 * transaction, so a broken file writes nothing. It opens the store alone (no mailer, DKIM signer
 * or tokens: the whole app is not needed).
 */
import type { Command } from 'commander';
import { dateIn } from '../../lib/time.js';
import { AppError } from '../../errors.js';
import { loadAndIngest } from '../../pipeline/ingest.js';
import { fetchOptions } from '../../sources/fetch.js';
import { SOURCE_FORMATS, type SourceFormat, splitSources } from '../../sources/index.js';
import { digestReader } from '../../sources/reader.js';
import { type CliIo, configOf, logOf, withStore } from '../io.js';

/** Registers `paperboy ingest`. */
export function registerIngest(program: Command, io: CliIo): void {
  program
    .command('ingest')
    .description('read a digest (file path or http(s) URL; comma-separated for several) and add its new papers')
    .argument('[source]', 'digest file or URL; default DIGEST_SOURCE')
    .option('--format <format>', `one of ${SOURCE_FORMATS.join('|')}`, 'auto')
    .action(async (source: string | undefined, opts: { format: string }) => {
      if (!(SOURCE_FORMATS as readonly string[]).includes(opts.format)) {
        throw new AppError('USAGE', `invalid --format ${JSON.stringify(opts.format)}: expected ${SOURCE_FORMATS.join(', ')}`);
      }
      const config = configOf(io);
      const sources = splitSources(source ?? config.DIGEST_SOURCE);
      if (sources.length === 0) throw new AppError('USAGE', 'no source given');
      const now = io.now?.() ?? new Date();
      const report = await withStore(
        io,
        (store) =>
          loadAndIngest(
            store,
            sources,
            digestReader({
              format: opts.format as SourceFormat,
              today: dateIn(now, config.TZ),
              cwd: config.cwd,
              includeCross: config.ARXIV_INCLUDE_CROSS,
              fetch: fetchOptions(config),
            }),
            now,
          ),
        config,
      );
      const log = logOf(io);
      for (const w of report.warnings) log.warn(w);
      const parts = [`${report.added} new`, `${report.updated} updated`, `${report.unchanged} unchanged`];
      if (report.skipped) parts.push(`${report.skipped} revisions of papers already sent skipped`);
      if (report.notModified.length) parts.push(`${report.notModified.length} not modified since the last fetch`);
      io.stdout(`Ingested ${sources.join(', ')}: ${report.papers} papers (${parts.join(', ')})\n`);
    });
}
