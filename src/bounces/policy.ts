/**
 * What a bounce or complaint does to a reader, in one place. A report acts only when it proves
 * that it is about our delivery to that reader:
 *
 * - the VERP token of the return path it was mailed to (an HMAC of the ledger row), or the
 *   Message-ID of our digest it returns (an HMAC of issue and reader): anyone may mail the bounce
 *   address, but only we can write these;
 * - or its source vouches for it: our own SMTP session, or a provider's webhook whose signature
 *   (or credentials) the route verified before anything was read. Then the address it names is
 *   the provider's word about mail we sent through it.
 *
 * Anything else (a bare address, a made-up token, a guessed Message-ID) is stored as an
 * unmatched event that keeps no address, suppresses nobody and pauses nothing; `status` and the
 * overview list them. A matched event is appended with what was done, and:
 *
 * - hard bounce: the reader is suppressed at once;
 * - soft bounce: suppressed at the third soft bounce among the reader's last five sends;
 * - complaint: suppressed at once (and it counts toward the complaint rate in `status`);
 * - refusal of the sender: the reader keeps the subscription; the recipient domain is paused
 *   (DOMAIN_PAUSE_MS) on first-hand evidence only: a refusal in our own SMTP session, or proven
 *   refusals from PAUSE_AFTER_READERS distinct readers of the domain (`alerts.ts` then opens one
 *   alert per paused domain).
 *
 * Events are appended, never rewritten. An event whose external id is stored already (the same
 * bounce mail read twice, a provider's retry) changes nothing: re-runs are idempotent. Each
 * event is one transaction: the event and its consequence are written together or not at all.
 * Every field is cleaned (`clean.ts`) before it is looked up or stored.
 */
import type { Log } from '../log.js';
import type { EventDelivery, NewEvent } from '../store/events.js';
import type { Store } from '../store/store.js';
import type { Tokens } from '../subscriptions/tokens.js';
import { cleanDomain, cleanEvent, eventKey, withoutAddresses } from './clean.js';
import type { BounceEvent, EventSource } from '../domain.js';

/** Soft bounces among the last sends that suppress a reader. */
export const SOFT_LIMIT = { of: 5, bounces: 3 } as const;
/** How long a recipient domain that refused the sender is paused. */
export const DOMAIN_PAUSE_MS = 60 * 60_000;
/**
 * Distinct readers of one domain whose proven refusals of the sender, received within
 * DOMAIN_PAUSE_MS, pause that domain. A VERP token or Message-ID proves which delivery a report
 * is about, not that its text is true: every reader sees the return path and Message-ID of their
 * own copy, so any one reader can mail a "550 5.7.1" about it, as often as they like. One reader
 * must never stop mail to everyone else at their provider; a real block refuses every reader of
 * the domain at once, so a few distinct ones show up within minutes. Three is the smallest number
 * beyond one person with a spare address or two, and small enough to react to a real block before
 * much of the run is refused. (Whoever controls three confirmed subscriptions at a domain can
 * still pause it for an hour at a time: it delays mail, suppresses nobody, and alerts the operator.)
 */
export const PAUSE_AFTER_READERS = 3;
/** Sources whose reports vouch for the address they name: our own session, verified webhooks. */
const VOUCHED: ReadonlySet<EventSource> = new Set<EventSource>(['smtp', 'ses', 'postmark', 'resend']);

/** What recording needs. */
export interface PolicyDeps {
  store: Store;
  tokens: Tokens;
  now: () => Date;
  log: Log;
}

/** What a batch of events did. */
export interface PolicyOutcome {
  stored: number;
  /** Already stored (same external id): nothing done. */
  duplicates: number;
  suppressed: number;
  /** Stored without proof of a delivery or reader: they did nothing. */
  unmatched: number;
  /** Recipient domains paused by refusals of the sender. */
  pausedDomains: string[];
}

/** Matches, appends and applies each event; throws when the store fails (the caller retries). */
export async function recordEvents(deps: PolicyDeps, events: BounceEvent[]): Promise<PolicyOutcome> {
  const out: PolicyOutcome = { stored: 0, duplicates: 0, suppressed: 0, unmatched: 0, pausedDomains: [] };
  for (const event of events.map(cleanEvent)) {
    await deps.store.transaction(async (tx) => {
      // Unique per source: a provider's bare numeric id must not collide with another's. An
      // unmatched report is stored under its id's hash: look for both.
      if ((await tx.hasEvent(eventKey(event))) || (await tx.hasEvent(eventKey(withoutAddresses(event))))) {
        out.duplicates++;
        return;
      }
      const delivery = await matchDelivery(tx, deps.tokens, event);
      const row = delivery ? await apply({ ...deps, store: tx }, event, delivery, out) : unmatched(deps, event, out);
      if ((await tx.appendEvent(row)) === null) out.duplicates++;
      else out.stored++;
    });
  }
  if (out.suppressed || out.pausedDomains.length) {
    deps.log.info(
      `bounces: ${out.suppressed} reader${out.suppressed === 1 ? '' : 's'} suppressed${out.pausedDomains.length ? `, paused ${[...new Set(out.pausedDomains)].join(', ')} (the server refused the sender)` : ''}`,
    );
  }
  if (out.unmatched) {
    deps.log.info(
      `bounces: ${out.unmatched} report${out.unmatched === 1 ? '' : 's'} without proof that ${out.unmatched === 1 ? 'it is' : 'they are'} about our mail (no valid VERP token or Message-ID): recorded as unmatched, nothing done`,
    );
  }
  return out;
}

/**
 * The delivery an event proves it is about: its VERP token, else our Message-ID, else (only from
 * a source that vouches for it) the address it names. Undefined: no proof, nothing may be done.
 */
export async function matchDelivery(store: Store, tokens: Tokens, e: BounceEvent): Promise<EventDelivery | undefined> {
  if (e.verpToken) {
    const id = tokens.verifyVerp(e.verpToken);
    const d = id === undefined ? undefined : await store.deliveryById(id);
    if (d) return d;
  }
  const named = e.originalMessageId ? tokens.verifyMessageId(e.originalMessageId) : undefined;
  if (named) {
    const d = await store.deliveryOf(named.issueId, named.subscriberId);
    if (d) return d;
  }
  return e.recipient && VOUCHED.has(e.source) ? store.lastDeliveryTo(e.recipient) : undefined;
}

/** The row of an event without proof: no delivery, no reader, no address. */
function unmatched(deps: PolicyDeps, event: BounceEvent, out: PolicyOutcome): NewEvent {
  out.unmatched++;
  const domain = cleanDomain(event.recipient);
  return row(withoutAddresses(event), deps.now().toISOString(), undefined, domain, 'unmatched: no proof it is about our mail; nothing done');
}

/** Applies a proven event to its reader (and domain); its row, with what was done. */
async function apply(deps: PolicyDeps, event: BounceEvent, delivery: EventDelivery, out: PolicyOutcome): Promise<NewEvent> {
  const { store } = deps;
  const at = deps.now().toISOString();
  const domain = cleanDomain(delivery.email);
  let action = 'recorded';
  if (event.type === 'hard-bounce' || event.type === 'complaint') {
    action = await suppress(store, delivery, at, event.type === 'complaint' ? 'complaint' : `hard bounce${event.status ? ` ${event.status}` : ''}`);
  } else if (event.type === 'soft-bounce') {
    const soft = await store.softBouncesInLast(delivery.subscriberId, SOFT_LIMIT.of, delivery.id > 0 ? delivery.id : undefined);
    action =
      soft >= SOFT_LIMIT.bounces
        ? await suppress(store, delivery, at, `${soft} soft bounces in the last ${SOFT_LIMIT.of} sends`)
        : `soft bounce ${soft} of ${SOFT_LIMIT.bounces} in the last ${SOFT_LIMIT.of} sends`;
  } else if (event.type === 'sender-refusal' && domain) {
    action = await senderRefusal(deps, event, delivery, domain, out);
  }
  if (action.startsWith('suppressed')) out.suppressed++;
  return row(event, at, delivery, domain, action);
}

/**
 * A proven refusal of the sender: the reader keeps the subscription; the domain is paused at
 * once when our own session saw it, else at the PAUSE_AFTER_READERS-th distinct reader.
 */
async function senderRefusal(deps: PolicyDeps, event: BounceEvent, delivery: EventDelivery, domain: string, out: PolicyOutcome): Promise<string> {
  const now = deps.now().getTime();
  const keeps = 'the reader keeps the subscription';
  let why = '';
  if (event.source !== 'smtp') {
    const since = new Date(now - DOMAIN_PAUSE_MS).toISOString();
    const readers = 1 + (await deps.store.senderRefusalReaders(domain, since, delivery.subscriberId));
    const window = `${DOMAIN_PAUSE_MS / 60_000} min`;
    if (readers < PAUSE_AFTER_READERS)
      return `refusal of the sender: ${readers} of the ${PAUSE_AFTER_READERS} distinct ${domain} readers in ${window} that pause it; ${keeps}`;
    why = ` (${readers} distinct readers refused in ${window})`;
  }
  await deps.store.pauseDomain(domain, new Date(now + DOMAIN_PAUSE_MS).toISOString(), event.diagnostic ?? 'the server refused the sender', deps.now().toISOString());
  out.pausedDomains.push(domain);
  return `paused ${domain}${why}; ${keeps}`;
}

function row(event: BounceEvent, receivedAt: string, delivery: EventDelivery | undefined, domain: string | null, action: string): NewEvent {
  return {
    type: event.type,
    source: event.source,
    externalId: eventKey(event),
    occurredAt: event.occurredAt,
    receivedAt,
    deliveryId: delivery && delivery.id > 0 ? delivery.id : null,
    issueId: delivery && delivery.issueId > 0 ? delivery.issueId : null,
    subscriberId: delivery?.subscriberId ?? null,
    domain,
    status: event.status ?? null,
    diagnostic: event.diagnostic ?? null,
    feedbackType: event.feedbackType ?? null,
    action,
  };
}

async function suppress(store: Store, d: EventDelivery, at: string, why: string): Promise<string> {
  if (d.subscriberStatus === 'suppressed') return `already suppressed (${why})`;
  await store.setSubscriberStatus(d.subscriberId, 'suppressed', at);
  return `suppressed: ${why}`;
}
