/**
 * `paperboy start`: the HTTP server, the scheduler and a worker in one process (what `npm start` runs).
 * The start-up they share is in `../servers.ts`.
 */
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { runServers } from '../servers.js';

/** Registers `paperboy start`. */
export function registerStart(program: Command, io: CliIo): void {
  program
    .command('start')
    .description('run the HTTP server, the scheduler and a worker (what `npm start` runs)')
    .action(() => runServers(io, { http: true, schedule: true, worker: true }));
}
