/**
 * `paperboy status [--json]`: papers, subscribers by state, the next issue of each cadence,
 * the last issues with their deliveries, and the last errors; the scheduler's last run (what each
 * source gave, the issue built or why not), the next run, each source's health and the open
 * alerts. Never prints a secret, nor the operator's address. The JSON shape is documented in the
 * README ("paperboy status --json") and only grows.
 */
import type { Command } from 'commander';
import { deliverability, describeDeliverability } from '../../bounces/rates.js';
import { FREQUENCIES } from '../../domain.js';
import { isNoIssue, planNextIssue } from '../../issue/builder.js';
import { mailTargetOf } from '../../send/mailer.js';
import { type CliIo, printJson, withApp } from '../io.js';
import { describeAlert, describeDeferred, describeNoIssue, describeRun } from '../../pipeline/describe-run.js';
import { configuredSourcesHealth, describeSourceHealth } from '../../pipeline/sources-health.js';
import { splitSources } from '../../sources/index.js';
import { nextRunOf } from '../../schedule/next-run.js';
import { localTime, utcTime, whenIn } from '../../lib/time.js';

/** Registers `paperboy status`. */
export function registerStatus(program: Command, io: CliIo): void {
  program
    .command('status')
    .description("papers, subscribers, next and last issues, deliveries; the last scheduler run and why nothing went out; sources' health")
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      await withApp(io, async (app) => {
        const now = app.now();
        const s = await app.store.status(5);
        const next = [];
        for (const frequency of FREQUENCIES) {
          const planned = await planNextIssue(app.store, app.buildOptions(frequency, now));
          next.push(
            isNoIssue(planned)
              ? { frequency, papers: 0, recipients: 0, note: describeNoIssue(frequency, planned) }
              : {
                  frequency,
                  papers: planned.variants.get(0)!.length,
                  recipients: planned.recipients,
                  note: `${frequency}: ${planned.variants.get(0)!.length} papers for ${planned.recipients} recipient${planned.recipients === 1 ? '' : 's'}`,
                },
          );
        }
        const delivery = mailTargetOf(app.config);
        const { config } = app;
        const runs = await app.store.recentRuns(20);
        const lastRun = runs[0] ?? null;
        // An "ingest now" from /admin must not hide what the last scheduler run sent, or why not.
        const lastScheduledRun = runs.find((r) => r.trigger !== 'ingest') ?? null;
        const at = nextRunOf(config.SCHEDULE, config.TZ, now);
        const nextRun = at ? { at: at.toISOString(), local: localTime(at, config.TZ), timezone: config.TZ } : null;
        const sources = await configuredSourcesHealth(app.store, splitSources(config.DIGEST_SOURCE));
        const alerts = { email: Boolean(config.OPERATOR_EMAIL), afterFailures: config.ALERT_AFTER_FAILURES, open: await app.store.openAlerts() };
        const rates = await deliverability(app.store, now);
        if (opts.json) {
          printJson(io, {
            ...s,
            next,
            delivery,
            schedule: config.SCHEDULE,
            timezone: config.TZ,
            lastRun,
            lastScheduledRun,
            nextRun,
            sources,
            alerts,
            deliverability: rates,
          });
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
        io.stdout(`Deliveries: ${counts(s.deliveries)}\n`);
        if (s.deferred.count) io.stdout(`  ${describeDeferred(s.deferred)}\n`);
        if (s.possibleDuplicates) io.stdout(`  ${s.possibleDuplicates} sent again after an interrupted run or a lost connection (possible duplicates)\n`);
        if (s.waitingForLocalTime.count) {
          io.stdout(`  ${s.waitingForLocalTime.count} waiting for their local time, the next at ${utcTime(s.waitingForLocalTime.next!)}\n`);
        }
        io.stdout(`Delivery: ${delivery}; schedule ${app.config.SCHEDULE} (${app.config.TZ})\n`);
        for (const i of s.lastIssues) {
          io.stdout(`  #${i.id} ${i.frequency} ${i.createdAt.slice(0, 16).replace('T', ' ')} ${i.status}: ${i.papers} papers; ${counts(i.deliveries)}\n`);
        }
        for (const e of s.lastErrors) io.stdout(`  error for ${e.email} in issue #${e.issueId}: ${e.error}\n`);
        for (const l of describeDeliverability(rates)) io.stdout(`${l}\n`);
        const runLines = lastRun ? describeRun(lastRun) : ['Last run: none yet (the scheduler records each run: `paperboy start` or `paperboy schedule`)'];
        if (lastRun?.trigger === 'ingest' && lastScheduledRun)
          runLines.push(...describeRun(lastScheduledRun).map((l) => l.replace(/^Last run:/, 'Last scheduled run:')));
        for (const l of runLines) io.stdout(`${l}\n`);
        io.stdout(`Next run: ${at ? whenIn(at, config.TZ) : 'never'} (SCHEDULE "${config.SCHEDULE}")\n`);
        io.stdout('Sources:\n');
        for (const src of sources) io.stdout(`  ${src.source}: ${describeSourceHealth(src)}\n`);
        const how = config.OPERATOR_EMAIL ? 'emailed to OPERATOR_EMAIL' : 'log only: OPERATOR_EMAIL is unset';
        io.stdout(
          `Alerts: ${alerts.open.length ? `${alerts.open.length} open` : 'none open'} (${how}; a source alerts after ${config.ALERT_AFTER_FAILURES} failed runs in a row)\n`,
        );
        for (const a of alerts.open) io.stdout(`  ${describeAlert(a)}\n`);
      });
    });
}
