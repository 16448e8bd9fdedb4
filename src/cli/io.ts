/**
 * What a CLI command touches outside itself, passed in so that tests run commands in-process.
 */
import { type App, type AppOptions, createApp } from '../app.js';
import { type Config, configWarnings, loadConfig } from '../config.js';
import { type Log, createLog } from '../log.js';
import { Stop } from '../pipeline/stop.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';

/** Streams, environment and clock for one CLI invocation. */
export interface CliIo {
  env: Record<string, string | undefined>;
  cwd: string;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** Resolves when the process is asked to stop (SIGINT/SIGTERM); long-running commands await it. */
  stopped?: Promise<void>;
  now?: () => Date;
  /** Whether stderr is a terminal (progress bar) or a log (a line every few seconds). */
  isTTY?: boolean;
}

/** The config for this invocation (throws AppError('CONFIG_INVALID') with one line). */
export function configOf(io: CliIo): Config {
  return loadConfig(io.env, io.cwd);
}

/** A logger writing to the invocation's stderr. */
export function logOf(io: CliIo): Log {
  return createLog((line) => io.stderr(line));
}

/** Opens the app, runs `fn`, and always closes the store. */
export async function withApp<T>(io: CliIo, fn: (app: App) => Promise<T>, config = configOf(io)): Promise<T> {
  const log = logOf(io);
  for (const w of configWarnings(config)) log.warn(w);
  const opts: AppOptions = io.now ? { now: io.now } : {};
  const app = await createApp(config, log, opts);
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

/**
 * Opens the store alone, runs `fn`, and always closes it: for a command that needs no mailer, DKIM
 * signer or tokens (`ingest`), so that it neither reads the DKIM keys nor makes a secret key.
 */
export async function withStore<T>(io: CliIo, fn: (store: Store) => Promise<T>, config = configOf(io)): Promise<T> {
  const log = logOf(io);
  for (const w of configWarnings(config)) log.warn(w);
  const store = await openStore(config.DATABASE_URL, config.cwd);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/**
 * A Stop for this invocation, requested on the first SIGINT/SIGTERM (`io.stopped`), with one
 * line saying what the stop waits for. (A second signal exits at once: see `main.ts`.)
 */
export function stopOf(io: CliIo): Stop {
  const stop = new Stop();
  void io.stopped?.then(() => {
    const n = stop.inFlight;
    io.stderr(n > 0 ? `stopping: letting ${n} message${n === 1 ? '' : 's'} in flight finish (at most ${stop.graceMs / 1000} s)…\n` : 'stopping…\n');
    stop.request();
  });
  return stop;
}

/** Prints a value as indented JSON. */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}
