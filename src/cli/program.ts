/**
 * The `paperboy` command line: builds the commander program and runs one invocation,
 * returning its exit code. Every failure becomes one line on stderr and a non-zero code.
 */
import { Command, CommanderError } from 'commander';
import { AppError, ERROR_CODES, toAppError } from '../errors.js';
import { registerAdmin } from './commands/admin.js';
import { registerDoctor } from './commands/doctor.js';
import { registerFeedback } from './commands/feedback.js';
import { registerBounces } from './commands/bounces.js';
import { registerIngest } from './commands/ingest.js';
import { registerPreview } from './commands/preview.js';
import { registerSend } from './commands/send.js';
import { registerSchedule } from './commands/schedule.js';
import { registerServe } from './commands/serve.js';
import { registerStart } from './commands/start.js';
import { registerStatus } from './commands/status.js';
import { registerSubscribers } from './commands/subscribers.js';
import { registerWorker } from './commands/worker.js';
import type { CliIo } from './io.js';

/** The program, with output routed to `io`. */
export function buildProgram(io: CliIo): Command {
  const program = new Command('paperboy')
    .description('Turns a digest of research papers into a periodic email newsletter.')
    .version('0.1.0')
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: () => {} });
  registerIngest(program, io);
  registerSubscribers(program, io);
  registerPreview(program, io);
  registerFeedback(program, io);
  registerSend(program, io);
  registerStatus(program, io);
  registerServe(program, io);
  registerSchedule(program, io);
  registerWorker(program, io);
  registerStart(program, io);
  registerBounces(program, io);
  registerDoctor(program, io);
  registerAdmin(program, io);
  for (const cmd of program.commands) {
    cmd.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: () => {} });
    for (const sub of cmd.commands) sub.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: () => {} });
  }
  return program;
}

/** Runs `paperboy ARGS…`; resolves to the exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return 0;
      io.stderr(`paperboy: ${err.message.replace(/^error: /, 'error: ').split('\n')[0]}\n`);
      return ERROR_CODES.USAGE.exit;
    }
    const e = toAppError(err);
    io.stderr(`paperboy: error: ${e.message}\n`);
    if (!(err instanceof AppError) && io.env.PAPERBOY_DEBUG) io.stderr(`${(err as Error).stack}\n`);
    return e.exitCode;
  }
}
