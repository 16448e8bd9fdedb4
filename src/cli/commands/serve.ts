/**
 * `paperboy serve` (HTTP only), `paperboy schedule` (scheduler only), and `paperboy start`
 * (both; what `npm start` runs). Each runs until SIGINT/SIGTERM, then closes cleanly.
 */
import type { Command } from 'commander';
import type { App } from '../../app.js';
import { serveHttp } from '../../http/server.js';
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

async function runServers(io: CliIo, opts: { http: boolean; schedule: boolean }): Promise<void> {
  await withApp(io, async (app) => {
    const server = opts.http ? await serveHttp(app) : undefined;
    if (server) io.stdout(`HTTP: listening on ${server.url} (links in emails use ${app.config.PUBLIC_URL})\n`);
    let scheduler: ReturnType<typeof startScheduler> | undefined;
    if (opts.schedule) {
      await runTick(app, { resumeOnly: true });
      scheduler = startScheduler(app);
      await describe(app, io, scheduler.nextRun());
    }
    io.stdout('Press Ctrl+C to stop.\n');
    await (io.stopped ?? new Promise<void>(() => {}));
    await scheduler?.stop();
    await server?.close();
    io.stdout('Stopped.\n');
  });
}

export function registerServe(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('run the HTTP server only (unsubscribe endpoint, health check)')
    .action(() => runServers(io, { http: true, schedule: false }));
  program
    .command('schedule')
    .description('run the scheduler only: ingest and send on SCHEDULE')
    .action(() => runServers(io, { http: false, schedule: true }));
  program
    .command('start')
    .description('run the HTTP server and the scheduler (what `npm start` runs)')
    .action(() => runServers(io, { http: true, schedule: true }));
}
