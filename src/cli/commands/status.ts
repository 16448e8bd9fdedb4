/**
 * `paperboy status [--json]`: papers, subscribers by state, the next issue of each cadence,
 * the last issues with their deliveries, and the last errors; the scheduler's last run (what each
 * source gave, the issue built or why not), the next run, each source's health and the open
 * alerts. Never prints a secret, nor the operator's address. The JSON shape is documented in the
 * README ("paperboy status --json") and only grows.
 */
import type { Command } from 'commander';
import type { App } from '../../app.js';
import type { Config } from '../../config.js';
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
        const { report, nextAt } = await readStatus(app);
        if (opts.json) printJson(io, report);
        else printStatus(io, app.config, report, nextAt);
      });
    });
}

/** What `status` shows, read once; `report` is the JSON (its keys in this order), `nextAt` the next scheduled run. */
async function readStatus(app: App) {
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
  const report = {
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
  };
  return { report, nextAt: at };
}

type StatusReport = Awaited<ReturnType<typeof readStatus>>['report'];

/** `status` for a person: one line per subject, the details indented under it. */
function printStatus(io: CliIo, config: Config, r: StatusReport, at: Date | null): void {
  const counts = (o: Record<string, number | undefined>) =>
    Object.entries(o)
      .filter(([, n]) => n)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ') || 'none';
  io.stdout(`Papers: ${r.papers.total}${r.papers.newestSeenAt ? ` (newest added ${r.papers.newestSeenAt})` : ''}\n`);
  io.stdout(`Subscribers: ${counts(r.subscribers)}\n`);
  io.stdout(`Next issue: ${r.next.map((n) => n.note).join('; ')}\n`);
  io.stdout(`Deliveries: ${counts(r.deliveries)}\n`);
  if (r.deferred.count) io.stdout(`  ${describeDeferred(r.deferred)}\n`);
  if (r.possibleDuplicates) io.stdout(`  ${r.possibleDuplicates} sent again after an interrupted run or a lost connection (possible duplicates)\n`);
  if (r.waitingForLocalTime.count) {
    io.stdout(`  ${r.waitingForLocalTime.count} waiting for their local time, the next at ${utcTime(r.waitingForLocalTime.next!)}\n`);
  }
  io.stdout(`Delivery: ${r.delivery}; schedule ${config.SCHEDULE} (${config.TZ})\n`);
  for (const i of r.lastIssues) {
    io.stdout(`  #${i.id} ${i.frequency} ${i.createdAt.slice(0, 16).replace('T', ' ')} ${i.status}: ${i.papers} papers; ${counts(i.deliveries)}\n`);
  }
  for (const e of r.lastErrors) io.stdout(`  error for ${e.email} in issue #${e.issueId}: ${e.error}\n`);
  for (const l of describeDeliverability(r.deliverability)) io.stdout(`${l}\n`);
  const { lastRun, lastScheduledRun } = r;
  const runLines = lastRun ? describeRun(lastRun) : ['Last run: none yet (the scheduler records each run: `paperboy start` or `paperboy schedule`)'];
  if (lastRun?.trigger === 'ingest' && lastScheduledRun) runLines.push(...describeRun(lastScheduledRun).map((l) => l.replace(/^Last run:/, 'Last scheduled run:')));
  for (const l of runLines) io.stdout(`${l}\n`);
  io.stdout(`Next run: ${at ? whenIn(at, config.TZ) : 'never'} (SCHEDULE "${config.SCHEDULE}")\n`);
  io.stdout('Sources:\n');
  for (const src of r.sources) io.stdout(`  ${src.source}: ${describeSourceHealth(src)}\n`);
  const how = config.OPERATOR_EMAIL ? 'emailed to OPERATOR_EMAIL' : 'log only: OPERATOR_EMAIL is unset';
  io.stdout(
    `Alerts: ${r.alerts.open.length ? `${r.alerts.open.length} open` : 'none open'} (${how}; a source alerts after ${config.ALERT_AFTER_FAILURES} failed runs in a row)\n`,
  );
  for (const a of r.alerts.open) io.stdout(`  ${describeAlert(a)}\n`);
}
