/**
 * The scheduler (node-cron): at every SCHEDULE tick, ingest DIGEST_SOURCE, then send the next
 * issue of each due cadence. Ticks never overlap; a failing tick is logged and the next one runs.
 * Several schedulers may share a store: the issue lock and the tick each build is recorded under
 * make one issue per cadence and tick; a tick missed while none ran is caught up at start-up.
 */
import cron from 'node-cron';
import type { App } from '../app.js';
import { FREQUENCIES } from '../domain.js';
import { toAppError } from '../errors.js';
import { utcTime } from '../lib/time.js';
import { WORKER } from '../lib/worker-id.js';
import { describeOutcomes } from '../pipeline/describe-run.js';
import { sendNext } from '../pipeline/send-job.js';
import type { Stop } from '../pipeline/stop.js';
import { Lock } from '../pipeline/worker.js';
import { ingestSources } from './ingest.js';
import { previousRun } from './previous-run.js';
import { TickRecord } from './record.js';

/** The lock row that remembers the last SCHEDULE tick that ran (catch-up at start-up). */
export const SCHEDULE_TICK = 'schedule';

/** How a tick runs. */
export interface TickOptions {
  /** At start-up: ingest and finish interrupted issues, build no new issue. */
  resumeOnly?: boolean;
  /**
   * The SCHEDULE time the tick stands for (node-cron's slot, or the missed time caught up at
   * start-up): whoever runs it, at most one issue per cadence is built for it.
   */
  tick?: Date;
  /** SIGTERM: skip what has not started, let messages in flight finish. */
  stop?: Stop;
}

/**
 * One tick: ingest, then send. Returns without throwing; problems are logged, and the run is
 * recorded in the store (what each source gave, the issue built or why not: `paperboy status`). With
 * `resumeOnly` (at start-up) it ingests and finishes interrupted issues but starts no new one:
 * new issues go out at SCHEDULE times only.
 */
export async function runTick(app: App, opts: TickOptions = {}): Promise<void> {
  const { log } = app;
  const record = await TickRecord.start(app, opts.resumeOnly ? 'start-up' : 'schedule');
  // Each source on its own: a dead feed does not keep the others out.
  await ingestSources(app, record, opts.stop ? { stop: opts.stop } : {});
  const mailer = app.mailer();
  try {
    const deps = { ...app.sendDeps(mailer), ...(opts.stop ? { stop: opts.stop } : {}) };
    const outcomes = await sendNext(deps, undefined, { resumeOnly: opts.resumeOnly, tick: opts.tick, role: 'scheduler' });
    record.sent(outcomes, mailer.description);
    const { lines, incomplete } = describeOutcomes(outcomes, mailer.description);
    for (const l of lines) log.info(l);
    if (incomplete) log.warn(incomplete);
  } catch (err) {
    log.error(`send failed: ${toAppError(err).message}`);
    record.sendFailed(err);
  } finally {
    await mailer.close();
  }
  // The run, each source's health and the operator's alerts (never throws).
  await record.finish();
}

/**
 * Starts the cron task; `stop()` ends it and waits for a running tick. Each tick records its
 * SCHEDULE time in the store (what start-up compares with to catch up a missed tick), then runs
 * with that time, so that two schedulers on one store build one issue per cadence and tick.
 */
export function startScheduler(app: App, lock = new Lock(), opts: { stop?: Stop } = {}): { nextRun: () => Date | null; stop: () => Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const task = cron.schedule(
    app.config.SCHEDULE,
    ({ date }) => {
      running = lock.run(async () => {
        if (opts.stop?.requested) return;
        try {
          await app.store.claimTick(SCHEDULE_TICK, date.toISOString(), `${WORKER} (scheduler)`);
        } catch (err) {
          app.log.error(`recording the tick failed: ${toAppError(err).message}`);
        }
        await runTick(app, { tick: date, ...(opts.stop ? { stop: opts.stop } : {}) });
      });
      return running;
    },
    { timezone: app.config.TZ, noOverlap: true, name: 'paperboy-digest' },
  );
  return {
    nextRun: () => task.getNextRun(),
    stop: async () => {
      await task.stop();
      await task.destroy();
      await running;
    },
  };
}

/**
 * At start-up: when the last SCHEDULE time (in TZ) passed while no scheduler ran (the tick the
 * store recorded last is older), claims it and returns it, for one tick to run now. Claiming is
 * one atomic statement: of several schedulers starting at once exactly one catches up. A store
 * that never recorded a tick counts from its last issue (an older Paperboy), or from now (a new
 * store owes nothing yet). The recorded runs play no part: an `ingest` run (the admin's "ingest
 * now") is no tick, and a start-up run that caught nothing up claims no tick either.
 */
export async function claimMissedTick(app: App, now: Date = app.now()): Promise<Date | undefined> {
  const { config, store, log } = app;
  const previous = previousRun(config.SCHEDULE, config.TZ, now);
  if (!previous) return undefined;
  const issues = await Promise.all(FREQUENCIES.map((f) => store.lastIssue(f)));
  const baseline = issues.map((i) => i?.createdAt ?? '').reduce((a, b) => (a > b ? a : b), '') || now.toISOString();
  await store.initTick(SCHEDULE_TICK, baseline, `${WORKER} (scheduler)`);
  const before = await store.getLock(SCHEDULE_TICK);
  const at = previous.toISOString();
  // Marked as a catch-up, so that a scheduler starting at the same moment can say who took it.
  if (await store.claimTick(SCHEDULE_TICK, at, `${WORKER} ${CATCH_UP}`)) {
    log.info(`catching up the SCHEDULE tick of ${utc(at)}, missed while no scheduler ran (the last ran at ${utc(before?.tick?.at ?? baseline)})`);
    return previous;
  }
  const last = (await store.getLock(SCHEDULE_TICK))?.tick;
  if (last?.at === at && last.by?.endsWith(` ${CATCH_UP}`))
    log.info(`the missed SCHEDULE tick of ${utc(at)} is caught up by ${last.by.slice(0, -CATCH_UP.length - 1)}`);
  return undefined;
}

const CATCH_UP = '(catch-up)';
const utc = (iso: string) => utcTime(iso, { seconds: true });
