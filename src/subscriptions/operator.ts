/**
 * Operator actions on the list: add (confirmed at once), remove, import. Validation happens
 * before any write, so a bad address or a bad file leaves the store as it was.
 */
import type { Frequency, Subscriber } from '../domain.js';
import { AppError } from '../errors.js';
import type { NewSubscriber, Store } from '../store/store.js';
import { canonicalTimeZone } from '../lib/time.js';
import { normalizeEmail } from '../lib/email.js';

/** What `subscribers add` did. */
export type AddOutcome = 'added' | 'already-active' | 'reactivated';

/**
 * Parses "rl, diffusion models" into topics: lower case, letters, digits, `.`, `-`, `_`, and
 * single spaces inside (a topic may be a phrase); at most 40 characters each.
 */
export function parseTopics(input: string | undefined): string[] {
  if (!input) return [];
  const topics = input
    .split(/[,;|]/)
    .map((t) => t.trim().replace(/ {2,}/g, ' ').toLowerCase())
    .filter(Boolean);
  for (const t of topics) {
    if (!/^[\p{L}\p{N}][\p{L}\p{N}._ -]{0,39}$/u.test(t)) {
      throw new AppError('INPUT_INVALID', `invalid topic ${JSON.stringify(t)}: use letters, digits, spaces, ".", "-" or "_" (at most 40)`);
    }
  }
  return [...new Set(topics)];
}

/** Parses a frequency, naming the accepted values when it is wrong. */
export function parseFrequency(input: string | undefined, fallback: Frequency): Frequency {
  if (input === undefined || input.trim() === '') return fallback;
  const v = input.trim().toLowerCase();
  if (v !== 'daily' && v !== 'weekly') throw new AppError('INPUT_INVALID', `invalid frequency ${JSON.stringify(input)}: expected daily or weekly`);
  return v;
}

/**
 * Parses an IANA time zone name ("Europe/Paris", any case) into its canonical spelling; empty
 * means none (null). Anything Intl does not know is an error naming an example.
 */
export function parseTimeZone(input: string | undefined): string | null {
  if (input === undefined || input.trim() === '') return null;
  const zone = canonicalTimeZone(input);
  if (!zone) {
    throw new AppError('INPUT_INVALID', `invalid time zone ${JSON.stringify(input.trim().slice(0, 64))}: use an IANA name such as Europe/Paris or America/New_York`);
  }
  return zone;
}

/** Adds a confirmed subscriber, or re-activates one who had unsubscribed. Suppressed addresses stay out. */
export async function addSubscriber(
  store: Store,
  input: { email: string; topics: string[]; frequency: Frequency; timezone?: string | null },
  now: Date,
  /** The keyed hash of the address (`Tokens.emailHash`): an erased, suppressed address stays out. */
  suppressionHash?: string,
): Promise<{ outcome: AddOutcome; subscriber: Subscriber }> {
  const email = normalizeEmail(input.email);
  return store.transaction(async (tx) => {
    if (suppressionHash && (await tx.isSuppressedHash(suppressionHash))) {
      throw new AppError('SUPPRESSED', `${email} is suppressed after a hard bounce or complaint; not added`);
    }
    const existing = await tx.findSubscriber(email);
    if (existing?.status === 'suppressed') {
      throw new AppError('SUPPRESSED', `${email} is suppressed after a hard bounce or complaint; not added`);
    }
    if (existing?.status === 'active') return { outcome: 'already-active' as const, subscriber: existing };
    if (existing) {
      await tx.setSubscriberStatus(existing.id, 'active', now.toISOString());
      return { outcome: 'reactivated' as const, subscriber: (await tx.getSubscriber(existing.id))! };
    }
    await tx.insertSubscribers([{ email, status: 'active', topics: input.topics, frequency: input.frequency, timezone: input.timezone ?? null, source: 'cli' }]);
    return { outcome: 'added' as const, subscriber: (await tx.findSubscriber(email))! };
  });
}

/** Unsubscribes an address (the row and its history stay; `forget` erases them). */
export async function removeSubscriber(store: Store, emailInput: string, now: Date): Promise<Subscriber> {
  const email = normalizeEmail(emailInput);
  return store.transaction(async (tx) => {
    const existing = await tx.findSubscriber(email);
    if (!existing) throw new AppError('NOT_FOUND', `${email} is not on the list`);
    if (existing.status !== 'unsubscribed' && existing.status !== 'suppressed') {
      await tx.setSubscriberStatus(existing.id, 'unsubscribed', now.toISOString());
    }
    return (await tx.getSubscriber(existing.id))!;
  });
}

/**
 * Writes already-validated import rows in one transaction; returns how many were new and how
 * many were left out because their address is kept as suppressed (`hashOf` gives its keyed hash).
 */
export async function importSubscribers(
  store: Store,
  rows: NewSubscriber[],
  hashOf?: (email: string) => string,
): Promise<{ added: number; suppressed: number }> {
  return store.transaction(async (tx) => {
    const kept = hashOf ? await tx.suppressionHashes() : new Set<string>();
    const allowed = kept.size && hashOf ? rows.filter((r) => !kept.has(hashOf(r.email))) : rows;
    return { added: await tx.insertSubscribers(allowed), suppressed: rows.length - allowed.length };
  });
}
