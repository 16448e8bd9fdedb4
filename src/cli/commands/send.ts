/**
 * `paperboy send [--dry-run] [--outbox DIR]`: resume any unfinished issue, then build and
 * deliver the next issue of every due cadence from the newly added papers. Exits 75 and changes
 * nothing while another process holds an issue lock; a SIGTERM stops it gracefully (exit 0).
 */
import path from 'node:path';
import type { Command } from 'commander';
import { FREQUENCIES } from '../../domain.js';
import { AppError } from '../../errors.js';
import { isNoIssue } from '../../issue/builder.js';
import { describeNoIssue, describeOutcomes } from '../../pipeline/describe-run.js';
import { dryRun, sendNext } from '../../pipeline/send-job.js';
import { OutboxMailer } from '../../send/outbox.js';
import { parseFrequency } from '../../subscriptions/inputs.js';
import { type CliIo, stopOf, withApp } from '../io.js';
import { progressReporter } from '../progress.js';

/** Registers `paperboy send`. */
export function registerSend(program: Command, io: CliIo): void {
  program
    .command('send')
    .description('build the next issue from newly added papers and deliver it')
    .option('--dry-run', 'write the messages as .eml files and leave the ledger alone')
    .option('--outbox <dir>', 'deliver to .eml files in this folder instead of SMTP')
    .option('--frequency <daily|weekly>', 'only this cadence (and send it even if not due)')
    .action(async (opts: { dryRun?: boolean; outbox?: string; frequency?: string }) => {
      const only = opts.frequency === undefined ? undefined : parseFrequency(opts.frequency, 'daily');
      await withApp(io, async (app) => {
        const outboxDir = opts.outbox ? path.resolve(app.config.cwd, opts.outbox) : undefined;
        if (opts.dryRun) {
          const dir = outboxDir ?? path.join(app.config.OUTBOX_DIR, 'dry-run');
          const outbox = new OutboxMailer(dir);
          for (const frequency of only ? [only] : FREQUENCIES) {
            const { planned, written } = await dryRun(app.sendDeps(outbox), outbox, frequency);
            if (isNoIssue(planned)) io.stdout(`${describeNoIssue(frequency, planned)}; nothing to write\n`);
            else
              io.stdout(
                `Dry run ${frequency}: "${planned.plan.subject}": wrote ${written} messages to ${path.relative(app.config.cwd, dir) || dir} (ledger unchanged)\n`,
              );
          }
          return;
        }
        const mailer = app.mailer(outboxDir);
        const progress = progressReporter(io.stderr, io.isTTY ?? false);
        // SIGTERM/SIGINT: no new claims, messages in flight finish and are recorded, exit 0.
        const stop = stopOf(io);
        try {
          const outcomes = await sendNext({ ...app.sendDeps(mailer), onProgress: progress.onProgress, stop }, only).finally(progress.done);
          const { lines, incomplete } = describeOutcomes(outcomes, mailer.description);
          for (const l of lines) io.stdout(`${l}\n`);
          if (incomplete) throw new AppError('SEND_PAUSED', incomplete);
        } finally {
          await mailer.close();
        }
      });
    });
}
