/**
 * The start-up shared by the long-running commands: `paperboy serve` (HTTP only), `paperboy
 * schedule` (scheduler only), `paperboy worker` (a sender only) and `paperboy start` (all three;
 * what `npm start` runs), one file each in `commands/`. Each runs until SIGINT/SIGTERM, then
 * closes cleanly. In one process the scheduler's tick and the worker take turns, so they never
 * send the same issue over two pools.
 */
import path from 'node:path';
import type { App } from '../app.js';
import type { Config } from '../config.js';
import { startBouncePoller } from '../bounces/mailbox.js';
import { redactUrl } from '../config.js';
import { serveHttp } from '../http/server.js';
import { Lock, runWorker } from '../pipeline/worker.js';
import { claimMissedTick, runTick, startScheduler } from '../schedule/scheduler.js';
import { whenIn } from '../lib/time.js';
import { homeUrl } from '../lib/urls.js';
import { type CliIo, stopOf, withApp } from './io.js';

/**
 * The start-up lines, short and stable (tests read them): when the next digest is due (in TZ and
 * UTC), where mail goes, where the subscribe page is, and how to add a first subscriber.
 */
async function describe(app: App, io: CliIo, nextRun: Date | null, served?: string): Promise<void> {
  const { config } = app;
  const active = (await app.store.countActive('daily')) + (await app.store.countActive('weekly'));
  const page = subscribePage(config, served);
  io.stdout(
    `Scheduler: next digest ${nextRun ? whenIn(nextRun, config.TZ) : 'never'} (SCHEDULE "${config.SCHEDULE}"); ${active} active subscriber${active === 1 ? '' : 's'}\n`,
  );
  io.stdout(`Mail goes to: ${mailTarget(config)}\n`);
  io.stdout(`Subscribe page: ${page}\n`);
  if (active === 0) io.stdout(`Add a subscriber: open ${page} or run npx paperboy subscribers add you@example.org\n`);
  const publicUrl = new URL(config.PUBLIC_URL);
  if (served && LOCAL_HOSTS.includes(publicUrl.hostname) && !page.startsWith(homeUrl(config.PUBLIC_URL))) {
    app.log.warn(`PUBLIC_URL ${config.PUBLIC_URL} is not this server: links in emails will not reach it (set PUBLIC_URL=${page.slice(0, -1)})`);
  }
}

const LOCAL_HOSTS = ['localhost', '127.0.0.1', '[::1]'];

/** The page readers subscribe on: PUBLIC_URL, or this server's own address for a local run. */
function subscribePage(config: Config, served: string | undefined): string {
  if (!served || !LOCAL_HOSTS.includes(new URL(config.PUBLIC_URL).hostname)) return homeUrl(config.PUBLIC_URL);
  // Listening on every interface: the browser's address is localhost.
  return `${served.replace(/^http:\/\/(0\.0\.0\.0|::|\[::\]):/, 'http://localhost:')}/`;
}

/** "outbox/ (.eml files; …)" relative to the working directory when inside it, or "SMTP host:port" (no credentials). */
function mailTarget(config: Config): string {
  if (config.SMTP_URL) {
    const u = new URL(config.SMTP_URL);
    return `SMTP ${u.hostname}:${u.port || (u.protocol === 'smtps:' ? 465 : 587)}`;
  }
  const rel = path.relative(config.cwd, config.OUTBOX_DIR);
  const dir = rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : config.OUTBOX_DIR;
  return `${dir}${path.sep} (.eml files; set SMTP_URL to send for real)`;
}

/** Which parts a long-running command runs. */
export interface ServerParts {
  http: boolean;
  schedule: boolean;
  worker: boolean;
}

/** Runs the given parts until the process is asked to stop, then closes them in order. */
export async function runServers(io: CliIo, opts: ServerParts): Promise<void> {
  await withApp(io, async (app) => {
    // SIGTERM/SIGINT: nothing new starts, messages in flight finish (bounded) and are recorded.
    const stop = stopOf(io);
    const stopped = stop.whenRequested;
    const lock = new Lock();
    const server = opts.http ? await serveHttp(app) : undefined;
    if (server) io.stdout(`HTTP: listening on ${server.url} (links in emails use ${app.config.PUBLIC_URL})\n`);
    let scheduler: ReturnType<typeof startScheduler> | undefined;
    if (opts.schedule) {
      // A SCHEDULE time that passed while no scheduler ran is caught up now, once (whoever
      // claims it); otherwise the start-up tick ingests and resumes interrupted issues only.
      const missed = await claimMissedTick(app);
      await lock.run(() => runTick(app, missed ? { tick: missed, stop } : { resumeOnly: true, stop }));
      scheduler = startScheduler(app, lock, { stop });
      await describe(app, io, scheduler.nextRun(), server?.url);
    }
    let worker: Promise<void> | undefined;
    let bounces: { stop(): Promise<void> } | undefined;
    if (opts.worker) {
      const mailer = app.mailer();
      io.stdout(`Worker: sending due deliveries via ${mailer.description}\n`);
      worker = runWorker(
        { ...app.sendDeps(mailer), stop },
        {
          stopped,
          lock,
          onReport: (r) => {
            if (r.sent + r.failed + r.deferred > 0) app.log.info(`issue #${r.issueId}: ${r.sent} sent, ${r.failed} failed, ${r.deferred} deferred`);
          },
        },
      ).finally(() => mailer.close());
      bounces = startBouncePoller(app.config, app.bounces, app.log, stop.signal);
      if (bounces) io.stdout(`Bounces: reading ${redactUrl(app.config.BOUNCE_IMAP_URL)} every ${app.config.BOUNCE_POLL_SECONDS} s\n`);
    }
    io.stdout('Press Ctrl+C to stop.\n');
    await stopped;
    await scheduler?.stop();
    await worker;
    await bounces?.stop();
    await server?.close();
    io.stdout('Stopped.\n');
  });
}
