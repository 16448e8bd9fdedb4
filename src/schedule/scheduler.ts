/**
 * The scheduler (node-cron): at every SCHEDULE tick, ingest DIGEST_SOURCE, then send the next
 * issue of each due cadence. Ticks never overlap; a failing tick is logged and the next one runs.
 */
import cron from 'node-cron';
import { type App, fetchOptions } from '../app.js';
import { toAppError } from '../errors.js';
import { loadAndIngest } from '../pipeline/ingest.js';
import { describeOutcomes } from '../pipeline/report.js';
import { sendNext } from '../pipeline/run.js';
import { Lock } from '../pipeline/worker.js';
import { splitSources } from '../sources/index.js';

/**
 * One tick: ingest, then send. Returns without throwing; problems are logged. With
 * `resumeOnly` (at start-up) it ingests and finishes interrupted issues but starts no new one:
 * new issues go out at SCHEDULE times only.
 */
export async function runTick(app: App, opts: { resumeOnly?: boolean } = {}): Promise<void> {
  const { config, log } = app;
  // Each source on its own: a dead feed does not keep the others out.
  for (const source of splitSources(config.DIGEST_SOURCE)) {
    try {
      const r = await loadAndIngest(app.store, [source], {
        today: app.today(),
        cwd: config.cwd,
        includeCross: config.ARXIV_INCLUDE_CROSS,
        fetch: fetchOptions(config),
        now: new Date(),
      });
      for (const w of r.warnings) log.warn(w);
      const state = r.notModified.length ? 'not modified' : `${r.added} new, ${r.updated} updated, ${r.unchanged} unchanged`;
      log.info(`ingested ${source}: ${state}`);
    } catch (err) {
      log.error(`ingest of ${source} failed: ${toAppError(err).message}`);
    }
  }
  const mailer = app.mailer();
  try {
    const outcomes = await sendNext(app.sendDeps(mailer), undefined, opts);
    const { lines, incomplete } = describeOutcomes(outcomes, mailer.description);
    for (const l of lines) log.info(l);
    if (incomplete) log.warn(incomplete);
  } catch (err) {
    log.error(`send failed: ${toAppError(err).message}`);
  } finally {
    await mailer.close();
  }
}

/** Starts the cron task; `stop()` ends it and waits for a running tick. */
export function startScheduler(app: App, lock = new Lock()): { nextRun: () => Date | null; stop: () => Promise<void> } {
  let running: Promise<void> = Promise.resolve();
  const task = cron.schedule(
    app.config.SCHEDULE,
    () => {
      running = lock.run(() => runTick(app));
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
