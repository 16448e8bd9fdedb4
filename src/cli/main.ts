#!/usr/bin/env node
/**
 * The `paperboy` executable: runs the CLI with the real process around it.
 */
import './production.js';
import { runCli } from './program.js';

const stopped = new Promise<void>((resolve) => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve());
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
// Long-running commands resolve after a signal; short ones end here. Nothing may keep us alive.
if (code !== 0 || !['serve', 'schedule', 'start', 'worker'].includes(process.argv[2] ?? '')) {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}
