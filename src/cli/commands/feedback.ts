/**
 * `paperboy feedback EMAIL --more ID,… --less ID,…`: a reader's signals, as if clicked in the
 * email (any stored or library paper, sent to them or not); `paperboy feedback list EMAIL
 * [--json]`: what they have taught so far.
 */
import type { Command } from 'commander';
import { AppError } from '../../errors.js';
import { giveFeedback, readerSignals } from '../../subscriptions/feedback.js';
import { type CliIo, withApp } from '../io.js';

const ids = (list: string | undefined): string[] =>
  (list ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Registers `paperboy feedback` and `paperboy feedback list`. */
export function registerFeedback(program: Command, io: CliIo): void {
  const feedback = program.command('feedback').description("a reader's ranking signals: more or less like these papers; `feedback list EMAIL` shows them");
  feedback
    .command('give', { isDefault: true, hidden: true })
    .argument('<email>')
    .option('--more <ids>', 'comma-separated arXiv ids (or Paperboy ids) of papers the reader wants more of')
    .option('--less <ids>', 'comma-separated ids of papers the reader wants less of')
    .action(async (email: string, opts: { more?: string; less?: string }) => {
      const more = ids(opts.more);
      const less = ids(opts.less);
      if (more.length + less.length === 0) throw new AppError('USAGE', 'give at least one paper with --more or --less');
      const r = await withApp(io, (app) => giveFeedback(app.store, email, { more, less }, 'cli', app.now()));
      io.stdout(`Recorded for ${r.subscriber.email}: ${r.more} more like this, ${r.less} less like this (their next issue is ordered by them)\n`);
    });
  feedback
    .command('list')
    .description("a reader's signals, newest first")
    .argument('<email>')
    .option('--json', 'print JSON: [{paper_id, arxiv_id, title, signal, source, updated_at}]')
    .action(async (email: string, opts: { json?: boolean }) => {
      const { subscriber, signals } = await withApp(io, (app) => readerSignals(app.store, email));
      if (opts.json) {
        const rows = signals.map((s) => ({ paper_id: s.paperId, arxiv_id: s.arxivId, title: s.title, signal: s.signal, source: s.source, updated_at: s.updatedAt }));
        io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      if (signals.length === 0) {
        io.stdout(`${subscriber.email} has given no signals yet: their issue is in today's order\n`);
        return;
      }
      io.stdout(`${subscriber.email}: ${signals.length} signal${signals.length === 1 ? '' : 's'}, newest first\n`);
      for (const s of signals)
        io.stdout(
          `  ${s.signal === 'more' ? 'more' : 'less'}  ${s.arxivId ?? s.paperId}  ${s.title ?? '(unknown paper)'}  (${s.source}, ${s.updatedAt.slice(0, 10)})\n`,
        );
    });
}
