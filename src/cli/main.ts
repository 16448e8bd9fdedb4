#!/usr/bin/env node
/**
 * The `paperboy` executable: runs the CLI with the real process around it.
 *
 * Signals: the first SIGINT/SIGTERM asks a long-running command (`send`, `schedule`, `worker`,
 * `start`, `serve`) to stop gracefully (no new claims, messages in flight finish, exit 0). A
 * second one exits at once (130 for SIGINT, 143 for SIGTERM): rows still `sending` are taken
 * back by the next run and sent again, flagged as possible duplicates. Other commands exit at
 * the first signal (each writes in one transaction, so nothing half-done stays; a dry run writes
 * files only).
 */
import './production.js';
import { runCli } from './program.js';

const command = process.argv[2] ?? '';
const graceful = ['serve', 'schedule', 'start', 'worker'].includes(command) || (command === 'send' && !process.argv.includes('--dry-run'));

let signals = 0;
const stopped = new Promise<void>((resolve) => {
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1 && graceful) return resolve();
    if (graceful) {
      process.stderr.write('paperboy: stopped at once; messages still in flight are sent again (flagged) by the next run\n');
    }
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, onSignal);
});

const code = await runCli(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  stopped,
  isTTY: Boolean(process.stderr.isTTY),
});
process.exitCode = code;
// Nothing may keep us alive: not a message abandoned in flight after a stop, not an idle socket.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
