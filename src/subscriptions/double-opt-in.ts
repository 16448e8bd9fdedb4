/**
 * Readers subscribe themselves: the double opt-in, with confirmation links that expire and work
 * once. The HTTP pages call these; they never import hono or nodemailer: mail goes through the
 * `SubscriptionMail` port. (Erasing a person, `forgetSubscriber`, is an operator action:
 * `operator.ts`.)
 *
 * Every request for an address answers the same, whatever the address's state, so that the form
 * tells nobody who is on the list. A new or pending address (or one that unsubscribed and comes
 * back) gets a confirmation email, at most one a day; an active or suppressed address gets
 * nothing. A confirm link is valid for 7 days, only for the latest confirmation email, and once.
 */
import type { Frequency, Subscriber } from '../domain.js';
import * as urls from '../lib/urls.js';
import type { Log } from '../log.js';
import type { Store } from '../store/store.js';
import { emailKey, normalizeEmail } from '../lib/email.js';
import type { Tokens } from './tokens.js';

/** How long a confirm link works. */
export const CONFIRM_TTL_MS = 7 * 24 * 3600_000;
/** At most one confirmation email per address in this time. */
export const CONFIRM_RESEND_MS = 24 * 3600_000;

/** The emails around a subscription; adapters render and send them. */
export interface SubscriptionMail {
  confirmation(s: Subscriber, confirmUrl: string, expiresInHours: number): Promise<void>;
  welcome(s: Subscriber): Promise<void>;
}

/** What the flow needs. */
export interface FlowDeps {
  store: Store;
  tokens: Tokens;
  mail: SubscriptionMail;
  publicUrl: string;
  now: () => Date;
  log: Log;
  /** The global cap on confirmation emails per hour. */
  confirmationsPerHour: number;
  /** Runs mail after the answer went out (and lets `close()` wait for it). */
  background: (work: Promise<unknown>) => void;
}

/** What a reader asked for on the form. */
export interface SubscribeRequest {
  email: string;
  topics: string[];
  frequency: Frequency;
  /** IANA time zone name (validated), or null/absent for none. */
  timezone?: string | null;
}

/**
 * Handles the subscribe form. Resolves to 'accepted' (the same answer for every address) or
 * 'busy' when the hourly cap on confirmation emails is reached (nothing stored, nothing sent).
 * Throws AppError('EMAIL_INVALID') for a malformed address, before anything is written.
 *
 * Every address costs the same work before the answer (one keyed hash, one transaction of the
 * same four statements); the email, when one is due, is rendered and sent after it.
 */
export async function requestSubscription(deps: FlowDeps, req: SubscribeRequest): Promise<'accepted' | 'busy'> {
  const email = normalizeEmail(req.email);
  const emailHash = deps.tokens.emailHash(emailKey(email));
  const now = deps.now();
  const request = {
    email,
    emailHash,
    topics: req.topics,
    frequency: req.frequency,
    timezone: req.timezone ?? null,
    at: now.toISOString(),
    notAfter: new Date(now.getTime() - CONFIRM_RESEND_MS).toISOString(),
  };
  // The cap is counted in the transaction that claims: transactions are serialised on both
  // stores, so of any number of requests at once exactly the cap's worth claim an email.
  const claim = await deps.store.transaction(async (tx) => ((await capReached(tx, deps, now)) ? 'busy' : tx.requestConfirmation(request)));
  if (claim === 'busy') return busy(deps);
  if (claim) sendConfirmation(deps, claim.subscriber, claim.previous);
  return 'accepted';
}

/** Where a confirm link stands. */
export type ConfirmState =
  | { kind: 'invalid' }
  /** MAC and purpose are right but it is too old, or a newer confirmation email replaced it. */
  | { kind: 'expired' }
  /** A valid link whose reader is already active (a second click within its 7 days). */
  | { kind: 'used'; subscriber: Subscriber }
  | { kind: 'ready'; subscriber: Subscriber };

/**
 * Reads a confirm token without changing anything (the GET page). A link answers by its own
 * validity first, whatever the reader's state: replaced by a newer confirmation email or past its
 * 7 days, it is 'expired' even when the reader is active, so that an old email leads nowhere
 * (in particular not to the reader's preferences).
 */
export async function confirmState(deps: FlowDeps, token: string): Promise<ConfirmState> {
  let t: { id: number; expiresAt?: Date };
  try {
    t = deps.tokens.inspect('confirm', token);
  } catch {
    return { kind: 'invalid' };
  }
  const s = await deps.store.getSubscriber(t.id);
  if (!s || s.status === 'suppressed' || !t.expiresAt) return { kind: 'invalid' };
  if (!s.confirmSentAt || expirySecond(s.confirmSentAt) !== t.expiresAt.getTime() / 1000) return { kind: 'expired' };
  if (t.expiresAt.getTime() < deps.now().getTime()) return { kind: 'expired' };
  if (s.status === 'active') return { kind: 'used', subscriber: s };
  // Used once already, and the reader has left since: coming back takes a new confirmation.
  if (s.confirmedAt && s.confirmedAt >= s.confirmSentAt) return { kind: 'expired' };
  return { kind: 'ready', subscriber: s };
}

/**
 * Confirms (the POST): activates the subscriber and sends the welcome email. Returns the state
 * the link was in; only 'ready' changed anything. Two clicks at once activate once.
 */
export async function confirmSubscription(deps: FlowDeps, token: string): Promise<ConfirmState> {
  const state = await confirmState(deps, token);
  if (state.kind !== 'ready') return state;
  const at = deps.now().toISOString();
  if (!(await deps.store.activateSubscriber(state.subscriber.id, at))) {
    const s = await deps.store.getSubscriber(state.subscriber.id);
    return s ? { kind: 'used', subscriber: s } : { kind: 'invalid' };
  }
  const subscriber = (await deps.store.getSubscriber(state.subscriber.id))!;
  deps.log.info(`subscriber #${subscriber.id} confirmed (${subscriber.frequency})`);
  deps.background(
    afterAnswer()
      .then(() => deps.mail.welcome(subscriber))
      .catch((err) => deps.log.error(`welcome email to subscriber #${subscriber.id} failed: ${(err as Error).message}`)),
  );
  return { kind: 'used', subscriber };
}

/**
 * Sends a new confirmation email for an expired link (the "send me a new link" button): the
 * token's MAC must be right; the address must still be waiting for confirmation. Same answer
 * whether or not anything was sent; 'busy' past the hourly cap.
 */
export async function resendConfirmation(deps: FlowDeps, token: string): Promise<'accepted' | 'busy' | 'invalid'> {
  let id: number;
  try {
    id = deps.tokens.inspect('confirm', token).id;
  } catch {
    return 'invalid';
  }
  const now = deps.now();
  const at = now.toISOString();
  // Counted and claimed in one serialised transaction, as for the subscribe form.
  const result = await deps.store.transaction(async (tx) => {
    if (await capReached(tx, deps, now)) return 'busy';
    const s = await tx.getSubscriber(id);
    if (!s) return 'invalid';
    if (s.status !== 'pending' && s.status !== 'unsubscribed') return undefined;
    const previous = await tx.claimConfirmation(s.id, at, new Date(now.getTime() - CONFIRM_RESEND_MS).toISOString());
    return previous === false ? undefined : { subscriber: { ...s, confirmSentAt: at }, previous };
  });
  if (result === 'busy') return busy(deps);
  if (result === 'invalid') return 'invalid';
  if (result) sendConfirmation(deps, result.subscriber, result.previous);
  return 'accepted';
}

/** The confirm link of the confirmation email sent at `sentAt`. */
export function confirmUrl(deps: Pick<FlowDeps, 'tokens' | 'publicUrl'>, subscriberId: number, sentAt: string): string {
  const token = deps.tokens.sign('confirm', subscriberId, new Date(expirySecond(sentAt) * 1000));
  return urls.confirmUrl(deps.publicUrl, token);
}

/**
 * A turn of the event loop later: the HTTP answer, already built, is written first. Rendering an
 * email takes milliseconds of this one thread; begun before the answer went out, it would make
 * the answer slower for an address that gets an email than for one that does not.
 */
const afterAnswer = () => new Promise<void>((resolve) => setImmediate(resolve));

function sendConfirmation(deps: FlowDeps, s: Subscriber, previous: string | null): void {
  const sentAt = s.confirmSentAt!;
  const work = afterAnswer()
    .then(() => deps.mail.confirmation(s, confirmUrl(deps, s.id, sentAt), CONFIRM_TTL_MS / 3600_000))
    .then(() => deps.log.info(`confirmation email sent to subscriber #${s.id}`))
    .catch(async (err) => {
      // Not sent: the reader may ask again at once instead of waiting a day.
      deps.log.error(`confirmation email to subscriber #${s.id} failed: ${(err as Error).message}`);
      await deps.store.restoreConfirmation(s.id, sentAt, previous).catch(() => {});
    });
  deps.background(work);
}

/** True when the confirmation emails of the last hour reached the cap; `store` is the claiming transaction. */
async function capReached(store: Store, deps: FlowDeps, now: Date): Promise<boolean> {
  return (await store.countConfirmationsSince(new Date(now.getTime() - 3600_000).toISOString())) >= deps.confirmationsPerHour;
}

function busy(deps: FlowDeps): 'busy' {
  deps.log.warn(`subscribe: the cap of ${deps.confirmationsPerHour} confirmation emails an hour is reached; refusing sign-ups for now`);
  return 'busy';
}

/** The whole second a confirm link sent at `sentAt` expires at (tokens hold seconds). */
function expirySecond(sentAt: string): number {
  return Math.floor((Date.parse(sentAt) + CONFIRM_TTL_MS) / 1000);
}
