/**
 * The bounce mailbox's handler: each message read over IMAP is parsed (`parse.ts`) and, if it is
 * a report about one of our deliveries, goes through the bounce policy. An auto-reply or a
 * "delayed" notice needs nothing done (processed); what cannot be read is set aside for a human
 * (unreadable). A store failure is thrown as AppError('STORE'): the poll leaves that message
 * where it is and stops, and the next poll tries again (the policy stores a report once).
 */
import type { Config } from '../config.js';
import { AppError, toAppError } from '../errors.js';
import type { Log } from '../log.js';
import { type BounceHandler, bounceMailboxPoller } from './imap.js';
import { parseReport } from './parse.js';
import { type PolicyDeps, recordEvents } from './policy.js';

/** The handler for `pollBounceMailbox`, over the bounce policy. */
export function bounceHandler(deps: PolicyDeps, bounceDomain: string | undefined): BounceHandler {
  return async (raw, { receivedAt }) => {
    const report = await parseReport(raw, { ...(bounceDomain ? { bounceDomain } : {}), receivedAt });
    if (report.kind === 'unreadable') {
      deps.log.warn(`bounces: set aside a message: ${report.reason}`);
      return 'unreadable';
    }
    if (report.kind === 'event') {
      try {
        await recordEvents(deps, [report.event]);
      } catch (err) {
        throw new AppError('STORE', `bounces: cannot store a report: ${toAppError(err).message}`);
      }
    }
    return 'processed';
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
