/**
 * `paperboy schedule`: the scheduler only (ingest, then send, at every SCHEDULE tick), until stopped.
 * The start-up they share is in `../servers.ts`.
 */
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { runServers } from '../servers.js';

/** Registers `paperboy schedule`. */
export function registerSchedule(program: Command, io: CliIo): void {
  program
    .command('schedule')
    .description('run the scheduler only: ingest and send on SCHEDULE')
    .action(() => runServers(io, { http: false, schedule: true, worker: false }));
}
