/**
 * `paperboy ingest [SOURCE] [--format …]`: parse every source first, then write in one
 * transaction, so a broken file writes nothing.
 */
import type { Command } from 'commander';
import { dateIn } from '../../app.js';
import type { Digest } from '../../domain.js';
import { AppError } from '../../errors.js';
import { ingestDigests } from '../../pipeline/ingest.js';
import { SOURCE_FORMATS, type SourceFormat, loadDigest, splitSources } from '../../sources/index.js';
import { type CliIo, configOf, logOf, withApp } from '../io.js';

export function registerIngest(program: Command, io: CliIo): void {
  program
    .command('ingest')
    .description('read a digest (file path; comma-separated for several) and add its new papers')
    .argument('[source]', 'digest file; default DIGEST_SOURCE')
    .option('--format <format>', `one of ${SOURCE_FORMATS.join('|')}`, 'auto')
    .action(async (source: string | undefined, opts: { format: string }) => {
      if (!(SOURCE_FORMATS as readonly string[]).includes(opts.format)) {
        throw new AppError('USAGE', `invalid --format ${JSON.stringify(opts.format)}: expected ${SOURCE_FORMATS.join(', ')}`);
      }
      const config = configOf(io);
      const sources = splitSources(source ?? config.DIGEST_SOURCE);
      if (sources.length === 0) throw new AppError('USAGE', 'no source given');
      const today = dateIn(io.now?.() ?? new Date(), config.TZ);
      const digests: Digest[] = [];
      for (const s of sources) {
        digests.push(await loadDigest(s, { format: opts.format as SourceFormat, today, cwd: config.cwd }));
      }
      const log = logOf(io);
      for (const w of digests.flatMap((d) => d.warnings)) log.warn(w);
      const report = await withApp(io, (app) => ingestDigests(app.store, digests, io.now?.() ?? new Date()), config);
      io.stdout(
        `Ingested ${sources.join(', ')}: ${report.papers} papers (${report.added} new, ${report.updated} updated, ${report.unchanged} unchanged)\n`,
      );
    });
}
