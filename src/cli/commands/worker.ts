/**
 * `paperboy worker`: a sender only (claims and sends due deliveries; reads the bounce mailbox), until stopped.
 * The start-up they share is in `../servers.ts`.
 */
import type { Command } from 'commander';
import type { CliIo } from '../io.js';
import { runServers } from '../servers.js';

/** Registers `paperboy worker`. */
export function registerWorker(program: Command, io: CliIo): void {
  program
    .command('worker')
    .description('run a sender: claim and send due deliveries (retries, interrupted runs) until stopped')
    .action(() => runServers(io, { http: false, schedule: false, worker: true }));
}
