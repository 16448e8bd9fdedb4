/**
 * A reader's signals from the operator's command line (`paperboy feedback`) or any other edge
 * that names papers by id: each id is resolved to a stored or library paper first, and nothing is
 * stored unless every one is known.
 */
import type { Subscriber } from '../domain.js';
import { AppError } from '../errors.js';
import { normalizeEmail } from '../lib/email.js';
import { normalizeArxivId } from '../lib/paper-ids.js';
import type { NewSignal, Signal, SignalSource } from '../store/signals.js';
import type { Store } from '../store/store.js';

/** A paper id as a person gives it: an arXiv id (`2301.01234`, `arXiv:2301.01234v2`, an arxiv.org URL) or Paperboy's own (`arxiv:…`, `title:…`). */
export function paperIdOf(input: string): string | undefined {
  const s = input.trim();
  if (/^title:[0-9a-f]{20}$/.test(s)) return s;
  const arxiv = normalizeArxivId(s);
  return arxiv ? `arxiv:${arxiv}` : undefined;
}

/** What `giveFeedback` stored. */
export interface FeedbackOutcome {
  subscriber: Subscriber;
  more: number;
  less: number;
}

/**
 * Stores a reader's "more like this" and "less like this" on the given papers (any stored or
 * library paper, sent to them or not); the latest signal on a paper wins. AppError('NOT_FOUND')
 * for an address not on the list, AppError('INPUT_INVALID') for an id that is not one, names
 * no known paper, or is given as both more and less: then nothing is stored.
 */
export async function giveFeedback(
  store: Store,
  emailInput: string,
  ids: { more: string[]; less: string[] },
  source: SignalSource,
  now: Date,
): Promise<FeedbackOutcome> {
  const email = normalizeEmail(emailInput);
  const resolve = (list: string[]) =>
    list.map((raw) => {
      const id = paperIdOf(raw);
      if (!id)
        throw new AppError(
          'INPUT_INVALID',
          `not a paper id: ${JSON.stringify(raw.slice(0, 80))} (an arXiv id such as 2301.01234, or Paperboy's arxiv:… / title:… id)`,
        );
      return id;
    });
  const more = [...new Set(resolve(ids.more))];
  const less = [...new Set(resolve(ids.less))];
  const both = more.filter((id) => less.includes(id));
  if (both.length) throw new AppError('INPUT_INVALID', `${both[0]} is given as both more and less like this`);
  return store.transaction(async (tx) => {
    const subscriber = await tx.findSubscriber(email);
    if (!subscriber) throw new AppError('NOT_FOUND', `${email} is not on the list`);
    const known = await tx.knownPaperIds([...more, ...less]);
    const unknown = [...more, ...less].filter((id) => !known.has(id));
    if (unknown.length) {
      throw new AppError('INPUT_INVALID', `no stored paper ${unknown[0]}${unknown.length > 1 ? ` (and ${unknown.length - 1} more unknown)` : ''}: nothing stored`);
    }
    const signals: NewSignal[] = [
      ...more.map((paperId) => ({ paperId, signal: 'more' as const, source })),
      ...less.map((paperId) => ({ paperId, signal: 'less' as const, source })),
    ];
    await tx.setSignals(subscriber.id, signals, now.toISOString());
    return { subscriber, more: more.length, less: less.length };
  });
}

/** A reader's signals, newest first. AppError('NOT_FOUND') for an address not on the list. */
export async function readerSignals(store: Store, emailInput: string): Promise<{ subscriber: Subscriber; signals: Signal[] }> {
  const email = normalizeEmail(emailInput);
  const subscriber = await store.findSubscriber(email);
  if (!subscriber) throw new AppError('NOT_FOUND', `${email} is not on the list`);
  return { subscriber, signals: await store.signalsOf(subscriber.id) };
}
