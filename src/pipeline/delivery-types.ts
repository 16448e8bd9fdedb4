/**
 * What delivering an issue takes and gives (`deliver.ts`): its dependencies, the progress it
 * reports while it runs, and the report it ends with.
 */
import type { Log } from '../log.js';
import type { Store } from '../store/store.js';
import type { Tokens } from '../subscriptions/tokens.js';
import type { Composer, Mailer } from './ports.js';
import type { Stop } from './stop.js';

/** Where a delivery run stands, for a progress bar or a log line. */
export interface DeliveryProgress {
  issueId: number;
  sent: number;
  failed: number;
  deferred: number;
  /** Deliveries of the issue not settled yet (pending or sending), at the last count. */
  remaining: number;
  elapsedMs: number;
}

/** What delivering needs. */
export interface DeliverDeps {
  store: Store;
  mailer: Mailer;
  compose: Composer;
  tokens: Tokens;
  /** Envelope sender (the address part of MAIL_FROM), when there is no BOUNCE_DOMAIN. */
  envelopeFrom: string;
  /** BOUNCE_DOMAIN: each message's return path is `bounces+TOKEN@` it (VERP), the token naming the delivery. */
  bounceDomain?: string;
  messageIdDomain: string;
  /** Consecutive failed sends before the run pauses. */
  maxErrors: number;
  now: () => Date;
  log: Log;
  /** This process, as it appears in `claimed_by` (host:pid). */
  worker: string;
  /** Whether the worker that holds a lease is gone (a crashed process on this host). */
  isDead: (worker: string) => boolean;
  /** Rows per claim; small, so that unsubscribes are honoured up to the last moment. */
  batchSize?: number;
  /** How long a claim holds without a heartbeat (default 2 min; renewed every third of it). */
  leaseMs?: number;
  onProgress?: (p: DeliveryProgress) => void;
  /**
   * A stop request (SIGTERM): no new claim; the messages in flight finish (for the stop's grace
   * time), are recorded, and the rows claimed but not started go back to pending untouched.
   */
  stop?: Stop;
}

/** The outcome of one run over one issue. */
export interface DeliveryReport {
  issueId: number;
  sent: number;
  failed: number;
  /** Deferred to a later attempt (4xx, dropped connection). */
  deferred: number;
  /** Rows taken back from an interrupted run and sent again: each may have arrived twice. */
  resumedInFlight: number;
  /** Why the run stopped early, if it did. */
  paused?: string;
  /** A stop was requested: the run ended early, the rest waits for the next run. */
  stopped?: boolean;
  /**
   * Messages still unanswered when the stop's grace ran out: left `sending`, so that the next
   * run sends them again, flagged as possible duplicates.
   */
  abandoned?: number;
  /** Deliveries still pending after the run, and when the first of them is due. */
  pending: number;
  nextAttemptAt?: string;
  /** Of `pending`: deliveries waiting for their reader's local time (`DELIVER_AT`), and the first due. */
  waitingForLocalTime?: number;
  nextLocalTime?: string;
  /** When the first deferred retry is due (what `nextAttemptAt` is when nobody waits for local time). */
  nextRetryAt?: string;
  elapsedMs: number;
}

/** How long a claim holds unless renewed. */
export const DEFAULT_LEASE_MS = 2 * 60_000;
