/**
 * The bounce mailbox's handler: each message read over IMAP (or from a file by `bounces import`)
 * is parsed (`parse.ts`) and, if it is a report about a delivery, goes through the bounce policy.
 * An auto-reply or a "delayed" notice needs nothing done (processed); what cannot be read, or
 * what the store refuses to take while it is up (a row it will never accept), is set aside for a
 * human (unreadable), so that one bad message never stops the poll. Only a store outage is thrown,
 * as AppError('STORE'): the poll leaves that message where it is and stops, and the next poll
 * tries again (the policy stores a report once).
 */
import type { Config } from '../config.js';
import { AppError, oneLine, toAppError } from '../errors.js';
import type { Log } from '../log.js';
import { isTransientStoreError } from '../pipeline/store-retry.js';
import type { Store } from '../store/store.js';
import { type BounceHandler, type MailboxVerdict, bounceMailboxPoller } from './imap.js';
import { parseReport } from './parse.js';
import { type PolicyDeps, recordEvents } from './policy.js';

/** What became of one message: its folder, and why when it was set aside. */
export interface BounceOutcome {
  verdict: MailboxVerdict;
  /** One line: why the message was set aside (unreadable only). */
  reason?: string;
}

/**
 * Parses one message and records its report. Resolves with the verdict (and the reason for an
 * unreadable one); rejects with AppError('STORE') only when the store is unreachable.
 */
export async function handleBounce(deps: PolicyDeps, bounceDomain: string | undefined, raw: Buffer, receivedAt: Date): Promise<BounceOutcome> {
  const report = await parseReport(raw, { ...(bounceDomain ? { bounceDomain } : {}), receivedAt });
  if (report.kind === 'unreadable') return { verdict: 'unreadable', reason: oneLine(report.reason) };
  if (report.kind === 'ignored') return { verdict: 'processed' };
  try {
    await recordEvents(deps, [report.event]);
  } catch (err) {
    const why = oneLine(toAppError(err).message);
    if (await storeIsDown(deps.store, err)) throw new AppError('STORE', `bounces: cannot store a report: ${why}`, { cause: err });
    // The store is up and refused this report (a value it will never take): a person must look.
    return { verdict: 'unreadable', reason: `the store refused the report: ${why}` };
  }
  return { verdict: 'processed' };
}

/**
 * True when a failure to store means the store is away (a dropped connection, a closed pool, a
 * busy SQLite file), not that this one report is unacceptable: the error says so, or a trivial
 * query fails too.
 */
async function storeIsDown(store: Store, err: unknown): Promise<boolean> {
  if (isTransientStoreError(err)) return true;
  try {
    await store.hasEvent('paperboy:probe');
    return false;
  } catch {
    return true;
  }
}

/** The handler for `pollBounceMailbox`, over the bounce policy; set-aside messages are logged. */
export function bounceHandler(deps: PolicyDeps, bounceDomain: string | undefined): BounceHandler {
  return async (raw, { receivedAt }) => {
    const outcome = await handleBounce(deps, bounceDomain, raw, receivedAt);
    if (outcome.reason) deps.log.warn(`bounces: set aside a message: ${outcome.reason}`);
    return outcome.verdict;
  };
}

/** The worker's poller of BOUNCE_IMAP_URL, or undefined when none is configured. */
export function startBouncePoller(config: Config, deps: PolicyDeps, log: Log, signal?: AbortSignal): { stop(): Promise<void> } | undefined {
  if (!config.BOUNCE_IMAP_URL) return undefined;
  return bounceMailboxPoller({
    url: config.BOUNCE_IMAP_URL,
    everySeconds: config.BOUNCE_POLL_SECONDS,
    log,
    handle: bounceHandler(deps, config.BOUNCE_DOMAIN),
    ...(signal ? { signal } : {}),
  });
}
