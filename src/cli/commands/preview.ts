/**
 * `paperboy preview [--out FILE.html] [--text]`: the next issue, rendered as it would be sent.
 * Reads the store, writes nothing to it.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { AppError } from '../../errors.js';
import { isNoIssue, planNextIssue } from '../../issue/builder.js';
import { mainPapers } from '../../pipeline/send-job.js';
import { parseFrequency } from '../../subscriptions/inputs.js';
import { type CliIo, withApp } from '../io.js';
import { describeNoIssue } from '../../pipeline/describe-run.js';
import { previewFor } from './preview-for.js';

/** Registers `paperboy preview`. */
export function registerPreview(program: Command, io: CliIo): void {
  program
    .command('preview')
    .description('render the next issue without sending it or changing anything')
    .option('--out <file>', 'write the HTML here (default OUTBOX_DIR/preview.html; "-" for stdout)')
    .option('--text', 'print the plain-text part instead')
    .option('--frequency <daily|weekly>', 'which cadence to preview', 'daily')
    .option('--for <email>', "one reader's next issue, in their own order, with why each paper is there")
    .option('--json', 'with --for: print {"papers":[{arxiv_id, id, title, score, why}]}')
    .action(async (opts: { out?: string; text?: boolean; frequency: string; for?: string; json?: boolean }) => {
      if (opts.for !== undefined) return previewFor(io, opts.for, opts.json === true);
      if (opts.json) throw new AppError('USAGE', '--json goes with --for EMAIL');
      const frequency = parseFrequency(opts.frequency, 'daily');
      await withApp(io, async (app) => {
        const now = app.now();
        const planned = await planNextIssue(app.store, app.buildOptions(frequency, now));
        if (isNoIssue(planned)) {
          io.stdout(`${describeNoIssue(frequency, planned)}; nothing to preview\n`);
          return;
        }
        const papers = mainPapers(planned);
        const rendered = await app.digest.preview(frequency, planned);
        if (opts.text) {
          io.stdout(rendered.text);
          return;
        }
        if (opts.out === '-') {
          io.stdout(rendered.html);
          return;
        }
        const file = path.resolve(app.config.cwd, opts.out ?? path.join(app.config.OUTBOX_DIR, 'preview.html'));
        try {
          await mkdir(path.dirname(file), { recursive: true });
          await writeFile(file, rendered.html);
        } catch (err) {
          throw new AppError('FILE_NOT_FOUND', `cannot write ${file}: ${(err as Error).message}`);
        }
        io.stdout(
          `Preview of the next ${frequency} issue: "${planned.plan.subject}", ${papers.length} papers, ` +
            `${planned.recipients} recipients, ${(Buffer.byteLength(rendered.html) / 1024).toFixed(1)} KB HTML\n` +
            `Wrote ${path.relative(app.config.cwd, file) || file}\n`,
        );
      });
    });
}
