/**
 * Operator actions on the list: add (confirmed at once), remove, import, and forget (erase a
 * person). Validation happens before any write, so a bad address or a bad file leaves the store
 * as it was.
 */
import type { Frequency, Subscriber } from '../domain.js';
import { AppError } from '../errors.js';
import { emailKey, normalizeEmail } from '../lib/email.js';
import type { NewSubscriber, Store } from '../store/store.js';
import type { Tokens } from './tokens.js';

/** What `subscribers add` did. */
export type AddOutcome = 'added' | 'already-active' | 'reactivated';

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
export async function importSubscribers(store: Store, rows: NewSubscriber[], hashOf?: (email: string) => string): Promise<{ added: number; suppressed: number }> {
  return store.transaction(async (tx) => {
    const kept = hashOf ? await tx.suppressionHashes() : new Set<string>();
    const allowed = kept.size && hashOf ? rows.filter((r) => !kept.has(hashOf(r.email))) : rows;
    return { added: await tx.insertSubscribers(allowed), suppressed: rows.length - allowed.length };
  });
}

/** What `subscribers forget` erased. */
export interface ForgetReport {
  email: string;
  status: Subscriber['status'];
  topics: string[];
  deliveries: number;
  /** The reader's ranking signals (more or less like this) that went with them. */
  signals: number;
  /** A keyed hash was kept so that the address stays suppressed. */
  keptHash: boolean;
}

/**
 * Erases a person: their row, topics, ranking signals, and every ledger row that names them. When the address was
 * suppressed (bounced, complained) only a keyed hash of it is kept, so that it stays suppressed.
 */
export async function forgetSubscriber(deps: { store: Store; tokens: Tokens }, emailInput: string, now: Date): Promise<ForgetReport> {
  const email = normalizeEmail(emailInput);
  return deps.store.transaction(async (tx) => {
    const s = await tx.findSubscriber(email);
    if (!s) throw new AppError('NOT_FOUND', `${email} is not on the list`);
    const keptHash = s.status === 'suppressed';
    if (keptHash) await tx.addSuppression(deps.tokens.emailHash(emailKey(s.email)), 'suppressed', now.toISOString());
    const { deliveries, signals } = await tx.eraseSubscriber(s.id);
    return { email: s.email, status: s.status, topics: s.topics, deliveries, signals, keptHash };
  });
}
