/**
 * What the store keeps for the bounce processor: the append-only events table (bounces,
 * complaints, refusals of the sender), the recipient domains paused after refusing the sender,
 * and the rates `paperboy status` shows. The `Store` interface extends `EventStore`.
 */
import type { EventSource, EventType } from '../domain.js';

/** An event to append, matched to its delivery where that was possible. */
export interface NewEvent {
  type: EventType;
  source: EventSource;
  externalId: string;
  occurredAt: string;
  receivedAt: string;
  deliveryId: number | null;
  issueId: number | null;
  subscriberId: number | null;
  /** The recipient's domain (lower-cased), for per-domain rates; never the address. */
  domain: string | null;
  status: string | null;
  diagnostic: string | null;
  feedbackType: string | null;
  /** What the policy did about it (`suppressed`, `counted 2 of 5`, `ignored: …`). */
  action: string;
}

/** A delivery an event was matched to. */
export interface EventDelivery {
  id: number;
  issueId: number;
  subscriberId: number;
  email: string;
  subscriberStatus: string;
}

/** One day's or one domain's sending and what came back. */
export interface RateRow {
  /** `YYYY-MM-DD`, or the recipient domain. */
  key: string;
  sent: number;
  hardBounces: number;
  softBounces: number;
  complaints: number;
  senderRefusals: number;
}

/** A report that proved nothing, as the operator sees it: no address, no reader. */
export interface UnmatchedReport {
  /** When we received it (ISO 8601): the report's own date is the forger's to write. */
  receivedAt: string;
  source: EventSource;
  type: EventType;
  /** The domain of the address it named, if any. */
  domain: string | null;
  status: string | null;
}

/** Reports that proved nothing, over a window: how many, and the last few. */
export interface UnmatchedReports {
  count: number;
  last: UnmatchedReport[];
}

/** Bounce and complaint rates over a window. */
export interface EventRates {
  since: string;
  byDay: RateRow[];
  byDomain: RateRow[];
}

/** Persistence for the bounce processor. */
export interface EventStore {
  /** Appends an event; null (and nothing written) when an event with its external id exists. */
  appendEvent(e: NewEvent): Promise<number | null>;
  /** Whether an event with this external id is stored. */
  hasEvent(externalId: string): Promise<boolean>;
  /** The delivery with this id, with its reader. */
  deliveryById(id: number): Promise<EventDelivery | undefined>;
  /** The delivery of `issueId` to `subscriberId` (a Message-ID names both). */
  deliveryOf(issueId: number, subscriberId: number): Promise<EventDelivery | undefined>;
  /** The last delivery sent to a subscriber with this address (a report that names only the address). */
  lastDeliveryTo(email: string): Promise<EventDelivery | undefined>;
  /**
   * Of the reader's last `n` attempted deliveries (sent or failed), how many drew a soft bounce,
   * counting `withDelivery` as one that did (the report being recorded) when it is among them.
   */
  softBouncesInLast(subscriberId: number, n: number, withDelivery?: number): Promise<number>;
  /** Pauses sending to a recipient domain until `until` (a later pause extends it). */
  pauseDomain(domain: string, until: string, reason: string, at: string): Promise<void>;
  /** Domains paused at `now`, with when the pause ends and why. */
  pausedDomains(now: string): Promise<Map<string, { until: string; reason: string }>>;
  /**
   * Puts claimed rows back to pending, due at `until` (when a paused recipient domain's pause
   * ends), the claim's attempt taken back (they were not attempted), with `reason` as their last
   * error (so that they do not look like rows waiting for DELIVER_AT).
   */
  deferDeliveries(ids: number[], until: string, reason: string, at: string): Promise<void>;
  /**
   * Sent messages and events per day and per recipient domain since `since`; only events matched
   * to a reader count (an unmatched report proves nothing about our mail).
   */
  eventRates(since: string, domains: number): Promise<EventRates>;
  /**
   * Distinct readers of `domain`, other than `besides`, whose matched refusals of the sender were
   * received since `since` (the bounce policy pauses a domain at a few distinct readers).
   */
  senderRefusalReaders(domain: string, since: string, besides: number): Promise<number>;
  /** Unmatched reports received since `since`: their number and the last `limit`, newest first. */
  unmatchedReports(since: string, limit: number): Promise<UnmatchedReports>;
}
