/**
 * `paperboy serve`: the HTTP server only (the readers' pages, the webhooks, /admin), until stopped.
 * The start-up they share is in `../servers.ts`.
 */
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { runServers } from '../servers.js';

/** Registers `paperboy serve`. */
export function registerServe(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('run the HTTP server only (unsubscribe, preferences, archive, health check)')
    .action(() => runServers(io, { http: true, schedule: false, worker: false }));
}
