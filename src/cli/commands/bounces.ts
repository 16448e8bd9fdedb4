/**
 * `paperboy bounces poll`: read the bounce mailbox (BOUNCE_IMAP_URL) once, as the worker does
 * every BOUNCE_POLL_SECONDS. `paperboy bounces import FILE.eml…`: the same for mail saved to files
 * (or piped in with `-`, e.g. from an MTA alias), for operators without an IMAP mailbox. Either way
 * each report goes through the bounce policy once: re-runs change nothing. A message that cannot
 * be processed (unreadable, or refused by the store) is named with its reason on stderr and the
 * rest go on; only a store outage stops the import (exit 74), and running it again is safe.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { pollBounceMailbox } from '../../bounces/imap.js';
import { bounceHandler, handleBounce } from '../../bounces/mailbox.js';
import { redactUrl } from '../../config.js';
import { AppError } from '../../errors.js';
import { type CliIo, withApp } from '../io.js';

/** Registers `paperboy bounces` (poll the bounce mailbox, import a report from a file). */
export function registerBounces(program: Command, io: CliIo): void {
  const bounces = program.command('bounces').description('process bounces and complaints (DSNs, ARF reports) into the events table');
  bounces
    .command('poll')
    .description('read the bounce mailbox at BOUNCE_IMAP_URL once: reports are recorded, then moved to Paperboy/Processed or Paperboy/Unreadable')
    .action(async () => {
      await withApp(io, async (app) => {
        const url = app.config.BOUNCE_IMAP_URL;
        if (!url) throw new AppError('CONFIG_INVALID', 'config: BOUNCE_IMAP_URL is not set (imap://user:pass@host:143/INBOX)');
        const r = await pollBounceMailbox({ url, log: app.log, handle: bounceHandler(app.bounces, app.config.BOUNCE_DOMAIN) });
        io.stdout(
          `Bounce mailbox ${redactUrl(url)}: ${r.processed} processed, ${r.unreadable} set aside as unreadable, ${r.failed} left for the next poll${r.stopped ? ` (stopped: ${r.stopped})` : ''}\n`,
        );
        if (r.stopped) throw new AppError('STORE', `bounces: ${r.stopped}`);
      });
    });
  bounces
    .command('import')
    .description('process bounce and complaint messages saved as .eml files (- reads one from stdin)')
    .argument('<files...>', '.eml files, or - for stdin')
    .action(async (files: string[]) => {
      // Read everything first: a missing file changes nothing.
      const mails = await Promise.all(
        files.map(async (f) => {
          try {
            return { name: f, raw: f === '-' ? await readStdin() : await readFile(f) };
          } catch {
            throw new AppError('FILE_NOT_FOUND', `cannot read ${f}`);
          }
        }),
      );
      await withApp(io, async (app) => {
        const counts = { processed: 0, unreadable: 0 };
        for (const m of mails) {
          const { verdict, reason } = await handleBounce(app.bounces, app.config.BOUNCE_DOMAIN, m.raw, app.bounces.now());
          counts[verdict]++;
          if (reason) io.stderr(`bounces import: ${m.name === '-' ? 'stdin' : m.name}: set aside: ${reason}\n`);
        }
        io.stdout(`Bounces: ${counts.processed} processed, ${counts.unreadable} unreadable${counts.unreadable ? ' (named above, with why)' : ''}\n`);
      });
    });
}

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}
