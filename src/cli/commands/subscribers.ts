/**
 * `paperboy subscribers add|remove|list|import|export`.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { Subscriber } from '../../domain.js';
import { AppError } from '../../errors.js';
import { importParsedCsv, importSummary, parseSubscriberFile } from '../../subscriptions/csv-import.js';
import { subscriberCsvHeader, subscriberCsvLine } from '../../subscriptions/csv.js';
import { emailKey, normalizeEmail } from '../../lib/email.js';
import { parseFrequency, parseTimeZone, parseTopics } from '../../subscriptions/inputs.js';
import { addSubscriber, forgetSubscriber, removeSubscriber } from '../../subscriptions/operator.js';
import { type CliIo, configOf, logOf, withApp } from '../io.js';

/** The JSON shape of a subscriber in `list --json` and `export --format json`. */
function toJson(s: Subscriber) {
  return {
    email: s.email,
    status: s.status,
    topics: s.topics,
    frequency: s.frequency,
    timezone: s.timezone,
    created_at: s.createdAt,
    updated_at: s.updatedAt,
    confirmed_at: s.confirmedAt,
    unsubscribed_at: s.unsubscribedAt,
  };
}

/** Registers `paperboy subscribers` and its subcommands. */
export function registerSubscribers(program: Command, io: CliIo): void {
  const subs = program.command('subscribers').description('manage the subscriber list');
  registerAdd(subs, io);
  registerRemove(subs, io);
  registerForget(subs, io);
  registerList(subs, io);
  registerImport(subs, io);
  registerExport(subs, io);
}

/** `subscribers add EMAIL`: an operator add, confirmed at once. */
function registerAdd(subs: Command, io: CliIo): void {
  subs
    .command('add')
    .description('add a subscriber, confirmed at once (the operator vouches for consent)')
    .argument('<email>')
    .option('--topics <list>', 'comma-separated topics')
    .option('--frequency <daily|weekly>', 'how often they get the digest')
    .option('--timezone <zone>', 'their IANA time zone (Europe/Paris): with DELIVER_AT, the issue arrives at that time there')
    .action(async (email: string, opts: { topics?: string; frequency?: string; timezone?: string }) => {
      const config = configOf(io);
      const input = {
        email: normalizeEmail(email),
        topics: parseTopics(opts.topics),
        frequency: parseFrequency(opts.frequency, config.DEFAULT_FREQUENCY),
        timezone: parseTimeZone(opts.timezone),
      };
      const { outcome, subscriber } = await withApp(io, (app) => addSubscriber(app.store, input, app.now(), app.tokens.emailHash(emailKey(input.email))), config);
      const said = { added: 'Added', 'already-active': 'Already subscribed:', reactivated: 'Re-activated' }[outcome];
      io.stdout(`${said} ${subscriber.email} (${subscriber.frequency}${subscriber.timezone ? `, ${subscriber.timezone}` : ''})\n`);
    });
}

/** `subscribers remove EMAIL`: unsubscribes the address. */
function registerRemove(subs: Command, io: CliIo): void {
  subs
    .command('remove')
    .description('unsubscribe an address')
    .argument('<email>')
    .action(async (email: string) => {
      const address = normalizeEmail(email);
      const s = await withApp(io, (app) => removeSubscriber(app.store, address, app.now()));
      io.stdout(`Removed ${s.email} (now ${s.status})\n`);
    });
}

/** `subscribers forget EMAIL`: erases a person; a suppressed address stays suppressed as a keyed hash. */
function registerForget(subs: Command, io: CliIo): void {
  subs
    .command('forget')
    .description("erase a person's data (row, topics, ranking signals, ledger rows); a suppressed address stays suppressed as a keyed hash")
    .argument('<email>')
    .action(async (email: string) => {
      const address = normalizeEmail(email);
      const r = await withApp(io, (app) => forgetSubscriber(app, address, app.now()));
      const topics = r.topics.length ? `topics ${r.topics.join(', ')}` : 'no topics';
      io.stdout(
        `Forgot ${r.email}: erased the subscriber row (${r.status}, ${topics}), ${r.deliveries} ledger row${r.deliveries === 1 ? '' : 's'} and ` +
          `${r.signals} ranking signal${r.signals === 1 ? '' : 's'}` +
          `${r.keptHash ? '; kept a keyed hash so that the address stays suppressed' : '; nothing about the address is kept'}\n`,
      );
    });
}

/** `subscribers list [--json]`. */
function registerList(subs: Command, io: CliIo): void {
  subs
    .command('list')
    .description('list subscribers')
    .option('--json', 'print JSON: [{email, status, topics, frequency, timezone, created_at, …}]')
    .action(async (opts: { json?: boolean }) => {
      await withApp(io, async (app) => {
        const all: Subscriber[] = [];
        for await (const s of app.store.iterateSubscribers()) all.push(s);
        if (opts.json) {
          io.stdout(`${JSON.stringify(all.map(toJson), null, 2)}\n`);
          return;
        }
        for (const s of all) {
          io.stdout(`${s.email}\t${s.status}\t${s.frequency}\t${s.topics.join(',') || '-'}\t${s.createdAt}\n`);
        }
        io.stdout(`${all.length} subscriber${all.length === 1 ? '' : 's'}\n`);
      });
    });
}

/** `subscribers import FILE`: a CSV or a JSON export; bad rows reported by line. */
function registerImport(subs: Command, io: CliIo): void {
  subs
    .command('import')
    .description(
      'import a CSV with an "email" column (and optional status, topics, frequency, timezone, created_at), or a JSON export; bad rows are reported by line',
    )
    .argument('<file>')
    .action(async (file: string) => {
      const config = configOf(io);
      let text: string;
      try {
        text = await readFile(path.resolve(config.cwd, file), 'utf8');
      } catch {
        throw new AppError('FILE_NOT_FOUND', `${file}: no such file`);
      }
      const parsed = parseSubscriberFile(text, file, config.DEFAULT_FREQUENCY);
      const log = logOf(io);
      for (const e of parsed.errors) log.warn(`${file}:${e.line}: ${e.message}`);
      const report = await withApp(io, (app) => importParsedCsv(app, parsed), config);
      io.stdout(`Imported ${file}: ${importSummary(report)}\n`);
    });
}

/** `subscribers export [--format csv|json]`. */
function registerExport(subs: Command, io: CliIo): void {
  subs
    .command('export')
    .description('print every subscriber as CSV or JSON')
    .option('--format <csv|json>', 'output format', 'csv')
    .action(async (opts: { format: string }) => {
      if (opts.format !== 'csv' && opts.format !== 'json') {
        throw new AppError('USAGE', `invalid --format ${JSON.stringify(opts.format)}: expected csv or json`);
      }
      await withApp(io, async (app) => {
        if (opts.format === 'csv') io.stdout(subscriberCsvHeader());
        else io.stdout('[');
        let first = true;
        for await (const s of app.store.iterateSubscribers()) {
          if (opts.format === 'csv') io.stdout(subscriberCsvLine(s));
          else {
            io.stdout(`${first ? '\n' : ',\n'}  ${JSON.stringify(toJson(s))}`);
            first = false;
          }
        }
        if (opts.format === 'json') io.stdout(first ? ']\n' : '\n]\n');
      });
    });
}
