/**
 * `paperboy serve` (HTTP only), `paperboy schedule` (scheduler only), `paperboy worker` (a
 * sender only) and `paperboy start` (all three; what `npm start` runs). Each runs until
 * SIGINT/SIGTERM, then closes cleanly. In one process the scheduler's tick and the worker take
 * turns, so they never send the same issue over two pools.
 */
import type { Command } from 'commander';
import type { App } from '../../app.js';
import { serveHttp } from '../../http/server.js';
import { Lock, runWorker } from '../../pipeline/worker.js';
import { runTick, startScheduler } from '../../schedule/scheduler.js';
import { type CliIo, withApp } from '../io.js';

async function describe(app: App, io: CliIo, nextRun: Date | null): Promise<void> {
  const active = (await app.store.countActive('daily')) + (await app.store.countActive('weekly'));
  const delivery = app.config.SMTP_URL ? 'SMTP' : `the outbox folder ${app.config.OUTBOX_DIR}`;
  io.stdout(
    `Scheduler: next digest ${nextRun ? nextRun.toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : 'never'} ` +
      `(SCHEDULE "${app.config.SCHEDULE}", ${app.config.TZ}); ${active} active subscribers; mail goes to ${delivery}\n`,
  );
  if (active === 0) io.stdout('Add a subscriber with: npx paperboy subscribers add you@example.org\n');
}

async function runServers(io: CliIo, opts: { http: boolean; schedule: boolean; worker: boolean }): Promise<void> {
  await withApp(io, async (app) => {
    const stopped = io.stopped ?? new Promise<void>(() => {});
    const lock = new Lock();
    const server = opts.http ? await serveHttp(app) : undefined;
    if (server) io.stdout(`HTTP: listening on ${server.url} (links in emails use ${app.config.PUBLIC_URL})\n`);
    let scheduler: ReturnType<typeof startScheduler> | undefined;
    if (opts.schedule) {
      await lock.run(() => runTick(app, { resumeOnly: true }));
      scheduler = startScheduler(app, lock);
      await describe(app, io, scheduler.nextRun());
    }
    let worker: Promise<void> | undefined;
    if (opts.worker) {
      const mailer = app.mailer();
      io.stdout(`Worker: sending due deliveries via ${mailer.description}\n`);
      worker = runWorker(app.sendDeps(mailer), {
        stopped,
        lock,
        onReport: (r) => {
          if (r.sent + r.failed + r.deferred > 0) app.log.info(`issue #${r.issueId}: ${r.sent} sent, ${r.failed} failed, ${r.deferred} deferred`);
        },
      }).finally(() => mailer.close());
    }
    io.stdout('Press Ctrl+C to stop.\n');
    await stopped;
    await scheduler?.stop();
    await worker;
    await server?.close();
    io.stdout('Stopped.\n');
  });
}

export function registerServe(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('run the HTTP server only (unsubscribe, preferences, archive, health check)')
    .action(() => runServers(io, { http: true, schedule: false, worker: false }));
  program
    .command('schedule')
    .description('run the scheduler only: ingest and send on SCHEDULE')
    .action(() => runServers(io, { http: false, schedule: true, worker: false }));
  program
    .command('worker')
    .description('run a sender: claim and send due deliveries (retries, interrupted runs) until stopped')
    .action(() => runServers(io, { http: false, schedule: false, worker: true }));
  program
    .command('start')
    .description('run the HTTP server, the scheduler and a worker (what `npm start` runs)')
    .action(() => runServers(io, { http: true, schedule: true, worker: true }));
}
