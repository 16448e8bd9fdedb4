/**
 * `paperboy status [--json]`: papers, subscribers by state, the next issue of each cadence,
 * the last issues with their deliveries, and the last errors. Never prints a secret.
 */
import type { Command } from 'commander';
import { redactUrl } from '../../config.js';
import { FREQUENCIES } from '../../domain.js';
import { isNoIssue, planNextIssue } from '../../issue/builder.js';
import { type CliIo, printJson, withApp } from '../io.js';
import { describeNoIssue } from '../../pipeline/report.js';

export function registerStatus(program: Command, io: CliIo): void {
  program
    .command('status')
    .description('papers, subscribers by state, next and last issues, deliveries by state')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      await withApp(io, async (app) => {
        const now = io.now?.() ?? new Date();
        const s = await app.store.status(5);
        const next = [];
        for (const frequency of FREQUENCIES) {
          const planned = await planNextIssue(app.store, app.buildOptions(frequency, now));
          next.push(
            isNoIssue(planned)
              ? { frequency, papers: 0, recipients: 0, note: describeNoIssue(frequency, planned) }
              : { frequency, papers: planned.variants.get(0)!.length, recipients: planned.recipients, note: `${frequency}: ${planned.variants.get(0)!.length} papers for ${planned.recipients} recipients` },
          );
        }
        const delivery = app.config.SMTP_URL ? redactUrl(app.config.SMTP_URL)! : `outbox ${app.config.OUTBOX_DIR}`;
        if (opts.json) {
          printJson(io, { ...s, next, delivery, schedule: app.config.SCHEDULE, timezone: app.config.TZ });
          return;
        }
        const counts = (o: Record<string, number | undefined>) =>
          Object.entries(o)
            .filter(([, n]) => n)
            .map(([k, n]) => `${n} ${k}`)
            .join(', ') || 'none';
        io.stdout(`Papers: ${s.papers.total}${s.papers.newestSeenAt ? ` (newest added ${s.papers.newestSeenAt})` : ''}\n`);
        io.stdout(`Subscribers: ${counts(s.subscribers)}\n`);
        io.stdout(`Next issue: ${next.map((n) => n.note).join('; ')}\n`);
        io.stdout(`Deliveries: ${counts(s.deliveries)}${s.possibleDuplicates ? `; ${s.possibleDuplicates} sent again after an interrupted run (possible duplicates)` : ''}\n`);
        io.stdout(`Delivery: ${delivery}; schedule ${app.config.SCHEDULE} (${app.config.TZ})\n`);
        for (const i of s.lastIssues) {
          io.stdout(`  #${i.id} ${i.frequency} ${i.createdAt.slice(0, 16).replace('T', ' ')} ${i.status}: ${i.papers} papers; ${counts(i.deliveries)}\n`);
        }
        for (const e of s.lastErrors) io.stdout(`  error for ${e.email} in issue #${e.issueId}: ${e.error}\n`);
      });
    });
}
