/**
 * What a bounce or complaint does to a reader, in one place. Each event is matched back to its
 * delivery (the VERP token of the return path, else the Message-ID of the returned message,
 * else the reported address), appended to the events table with what was done, and:
 *
 * - hard bounce: the reader is suppressed at once;
 * - soft bounce: suppressed at the third soft bounce among the reader's last five sends;
 * - complaint: suppressed at once (and it counts toward the complaint rate in `status`);
 * - refusal of the sender: the reader is not at fault and keeps the subscription; the recipient
 *   domain is paused (DOMAIN_PAUSE) and the operator alerted (`alerts.ts` opens one alert per
 *   paused domain).
 *
 * Events are appended, never rewritten. An event whose external id is stored already (the same
 * bounce mail read twice, a provider's retry) changes nothing: re-runs are idempotent. Each
 * event is one transaction: the event and its consequence are written together or not at all.
 */
import type { Log } from '../log.js';
import type { EventDelivery } from '../store/events.js';
import type { Store } from '../store/store.js';
import type { Tokens } from '../subscriptions/tokens.js';
import type { BounceEvent } from './types.js';

/** Soft bounces among the last sends that suppress a reader. */
export const SOFT_LIMIT = { of: 5, bounces: 3 } as const;
/** How long a recipient domain that refused the sender is paused. */
export const DOMAIN_PAUSE_MS = 60 * 60_000;

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
  /** Stored without a delivery or reader to pin them on. */
  unmatched: number;
  /** Recipient domains paused by refusals of the sender. */
  pausedDomains: string[];
}

/** Matches, appends and applies each event; throws when the store fails (the caller retries). */
export async function recordEvents(deps: PolicyDeps, events: BounceEvent[]): Promise<PolicyOutcome> {
  const out: PolicyOutcome = { stored: 0, duplicates: 0, suppressed: 0, unmatched: 0, pausedDomains: [] };
  for (const event of events) {
    // Unique per source: a provider's bare numeric id must not collide with another's.
    const key = `${event.source}:${event.externalId}`;
    await deps.store.transaction(async (tx) => {
      if (await tx.hasEvent(key)) {
        out.duplicates++;
        return;
      }
      const at = deps.now().toISOString();
      const delivery = await matchDelivery(tx, deps.tokens, event);
      const domain = domainOf(delivery?.email ?? event.recipient);
      let action = 'recorded';
      if (!delivery) {
        out.unmatched++;
        action = 'unmatched';
      } else if (event.type === 'hard-bounce' || event.type === 'complaint') {
        action = await suppress(tx, delivery, at, event.type === 'complaint' ? 'complaint' : `hard bounce${event.status ? ` ${event.status}` : ''}`);
      } else if (event.type === 'soft-bounce') {
        const soft = await tx.softBouncesInLast(delivery.subscriberId, SOFT_LIMIT.of, delivery.id > 0 ? delivery.id : undefined);
        action = soft >= SOFT_LIMIT.bounces
          ? await suppress(tx, delivery, at, `${soft} soft bounces in the last ${SOFT_LIMIT.of} sends`)
          : `soft bounce ${soft} of ${SOFT_LIMIT.bounces} in the last ${SOFT_LIMIT.of} sends`;
      }
      if (event.type === 'sender-refusal' && domain) {
        await tx.pauseDomain(domain, new Date(deps.now().getTime() + DOMAIN_PAUSE_MS).toISOString(), event.diagnostic ?? 'the server refused the sender', at);
        out.pausedDomains.push(domain);
        action = `paused ${domain}; the reader keeps the subscription`;
      }
      if (action.startsWith('suppressed')) out.suppressed++;
      const id = await tx.appendEvent({
        type: event.type,
        source: event.source,
        externalId: key,
        occurredAt: event.occurredAt,
        receivedAt: at,
        deliveryId: delivery && delivery.id > 0 ? delivery.id : null,
        issueId: delivery && delivery.issueId > 0 ? delivery.issueId : null,
        subscriberId: delivery?.subscriberId ?? null,
        domain,
        status: event.status ?? null,
        diagnostic: event.diagnostic?.slice(0, 300) ?? null,
        feedbackType: event.feedbackType ?? null,
        action,
      });
      if (id === null) out.duplicates++;
      else out.stored++;
    });
  }
  if (out.suppressed || out.pausedDomains.length) {
    deps.log.info(`bounces: ${out.suppressed} reader${out.suppressed === 1 ? '' : 's'} suppressed${out.pausedDomains.length ? `, paused ${[...new Set(out.pausedDomains)].join(', ')} (the server refused the sender)` : ''}`);
  }
  return out;
}

/** The delivery an event is about: VERP token, else our Message-ID, else the reported address. */
export async function matchDelivery(store: Store, tokens: Tokens, e: BounceEvent): Promise<EventDelivery | undefined> {
  if (e.verpToken) {
    const id = tokens.verifyVerp(e.verpToken);
    const d = id === undefined ? undefined : await store.deliveryById(id);
    if (d) return d;
  }
  const m = e.originalMessageId ? /^paperboy\.(\d+)\.(\d+)\.([A-Za-z0-9_-]+)@/.exec(e.originalMessageId) : null;
  if (m && m[3] === tokens.installTag) {
    const d = await store.deliveryOf(Number(m[1]), Number(m[2]));
    if (d) return d;
  }
  return e.recipient ? store.lastDeliveryTo(e.recipient) : undefined;
}

async function suppress(store: Store, d: EventDelivery, at: string, why: string): Promise<string> {
  if (d.subscriberStatus === 'suppressed') return `already suppressed (${why})`;
  await store.setSubscriberStatus(d.subscriberId, 'suppressed', at);
  return `suppressed: ${why}`;
}

/** The lower-cased domain of an address, or null. */
export function domainOf(address: string | undefined): string | null {
  const at = address?.lastIndexOf('@') ?? -1;
  return at > 0 ? address!.slice(at + 1).toLowerCase() : null;
}
