/**
 * The bounce mailbox: the MX of BOUNCE_DOMAIN delivers every DSN, complaint and auto-reply that
 * comes back through the VERP return path into one IMAP mailbox, and this module empties it.
 * Each message is handed to a handler (which parses it and stores the event), then moved with
 * UID MOVE to a "processed" or an "unreadable" folder, so a person can always look at what came
 * in; nothing is ever deleted. A message whose handler throws stays in the mailbox for the next
 * poll.
 *
 * Re-runs are idempotent: moved mail is gone from the mailbox, so the next poll does not see it
 * again; and if the process dies after `handle()` stored an event but before the move, the next
 * poll hands the same bytes to `handle()` again, which is safe because the store keeps one event
 * per report (it dedupes by `BounceEvent.externalId`, derived from the report itself).
 */
import { ImapFlow, type FetchMessageObject } from 'imapflow';
import { AppError, oneLine } from '../errors.js';
import type { Log } from '../log.js';
import { type ImapTarget, parseImapUrl } from './imap-url.js';

/** What the handler made of one message: it decides the folder it is moved to. */
export type MailboxVerdict = 'processed' | 'unreadable';

/** Hands one raw message (as the server stores it) to the bounce parser and store. */
export type BounceHandler = (raw: Buffer, info: { uid: number; receivedAt: Date }) => Promise<MailboxVerdict>;

/** Settings of one poll of the bounce mailbox. */
export interface PollOptions {
  /** BOUNCE_IMAP_URL: imap://user:pass@host[:port][/MAILBOX] or imaps://…; `?tls=insecure` accepts a self-signed certificate. */
  url: string;
  handle: BounceHandler;
  log: Log;
  /** Where handled mail goes; '/' separates levels whatever the server's delimiter is. */
  processedFolder?: string;
  /** Where mail the handler cannot read goes, for a person to look at. */
  unreadableFolder?: string;
  /** Most messages fetched (and held in memory) at once. */
  batch?: number;
  /** Stops the poll between two messages (what was handled is still moved). */
  signal?: AbortSignal;
}

/** What one poll did. Messages not counted (after a stop) are still in the mailbox. */
export interface PollResult {
  processed: number;
  unreadable: number;
  /** Messages whose handler threw (or whose move failed): left in the mailbox for the next poll. */
  failed: number;
  /** Why the poll stopped before the end of the mailbox, when it did. */
  stopped?: string;
}

/** Default folder for handled mail, created on first use. */
export const PROCESSED_FOLDER = 'Paperboy/Processed';
/** Default folder for mail the handler could not read, created on first use. */
export const UNREADABLE_FOLDER = 'Paperboy/Unreadable';

// Bounces are small, but a DSN may carry a whole returned message: the batch is also capped by size.
const BATCH_BYTES = 16 * 1024 * 1024;
// Three handler failures in a row, with no success between them, look like an outage (the store
// is down), not a bad message: going on would only fail every other message the same way.
const OUTAGE_AFTER = 3;
// An IMAP keyword on messages whose handler failed (a flag, not a change to the message).
const RETRY_KEYWORD = '$PaperboyRetry';

/**
 * Empties the bounce mailbox once: every message is handed to `handle` and moved to the folder
 * its verdict names. Throws a one-line AppError when the server cannot be used (bad URL, refused
 * login, unreachable, no such mailbox); a failing handler never makes it throw (see PollResult).
 */
export async function pollBounceMailbox(opts: PollOptions): Promise<PollResult> {
  const target = parseImapUrl(opts.url);
  const result: PollResult = { processed: 0, unreadable: 0, failed: 0 };
  const client = await connect(target);
  try {
    const folders = {
      processed: await ensureFolder(client, target, opts.processedFolder ?? PROCESSED_FOLDER),
      unreadable: await ensureFolder(client, target, opts.unreadableFolder ?? UNREADABLE_FOLDER),
    };
    const lock = await client.getMailboxLock(target.mailbox).catch((err: unknown) => {
      throw imapError(target, err, `cannot open the mailbox ${target.mailbox.join('/')}`);
    });
    try {
      await drain(client, target, opts, folders, result);
    } catch (err) {
      // A dropped connection mid-poll: what was moved stays moved, the rest waits for the next poll.
      throw err instanceof AppError ? err : imapError(target, err, 'the poll broke off');
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
  return result;
}

/** Fetches and handles the mailbox in batches; moves each batch once it has been handled. */
async function drain(client: ImapFlow, target: ImapTarget, opts: PollOptions, folders: Record<MailboxVerdict, string[]>, result: PollResult): Promise<void> {
  // UIDs and sizes only, then the sources batch by batch: no other command may run while a
  // FETCH streams (imapflow would deadlock), and a batch bounds the memory a poll holds.
  const index = client.mailbox && client.mailbox.exists > 0 ? await client.fetchAll('1:*', { uid: true, size: true, flags: true }) : [];
  // Messages that failed before go last, so that a few that always fail cannot hold up the rest
  // behind the outage rule below.
  const retried = (m: FetchMessageObject) => (m.flags?.has(RETRY_KEYWORD) ? 1 : 0);
  index.sort((a, b) => retried(a) - retried(b) || a.uid - b.uid);
  let consecutiveFailures = 0;
  for (const uids of batches(index, opts.batch ?? 50)) {
    const moves: Record<MailboxVerdict, number[]> = { processed: [], unreadable: [] };
    const order = new Map(uids.map((uid, i) => [uid, i]));
    const messages = await client.fetchAll(uids.join(','), { uid: true, source: true, internalDate: true }, { uid: true });
    messages.sort((a, b) => (order.get(a.uid) ?? 0) - (order.get(b.uid) ?? 0));
    for (const message of messages) {
      if (opts.signal?.aborted) result.stopped = 'stop requested';
      if (result.stopped) break;
      try {
        const receivedAt = message.internalDate instanceof Date ? message.internalDate : new Date();
        moves[await opts.handle(message.source ?? Buffer.alloc(0), { uid: message.uid, receivedAt })].push(message.uid);
        consecutiveFailures = 0;
      } catch (err) {
        result.failed++;
        consecutiveFailures++;
        const why = oneLine(err instanceof Error ? err.message : String(err));
        opts.log.warn(`bounce mailbox: message uid ${message.uid} left in ${target.mailbox.join('/')} for the next poll: ${why}`);
        // Best effort: a server without keywords just keeps the UID order.
        await client.messageFlagsAdd(String(message.uid), [RETRY_KEYWORD], { uid: true }).catch(() => false);
        // A store error will fail every message the same way: stop and leave them all for later.
        if ((err instanceof AppError && err.code === 'STORE') || consecutiveFailures >= OUTAGE_AFTER) {
          result.stopped = `the handler is failing (${why})`;
        }
      }
    }
    for (const verdict of ['processed', 'unreadable'] as const) {
      if (!moves[verdict].length) continue;
      const moved = await client.messageMove(moves[verdict].join(','), folders[verdict], { uid: true });
      if (moved) {
        result[verdict] += moves[verdict].length;
      } else {
        // Handled but still in the mailbox: the next poll handles them again, which the store dedupes.
        result.failed += moves[verdict].length;
        result.stopped = `cannot move messages to ${folders[verdict].join('/')}`;
      }
    }
    if (result.stopped) return;
  }
}

/** Groups UIDs into runs of at most `count` messages and BATCH_BYTES bytes (one oversized message alone). */
function batches(index: FetchMessageObject[], count: number): number[][] {
  const out: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (const m of index) {
    if (current.length && (current.length >= count || bytes + (m.size ?? 0) > BATCH_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m.uid);
    bytes += m.size ?? 0;
  }
  if (current.length) out.push(current);
  return out;
}

/** Connects and logs in, or throws one line saying which of the two failed. */
async function connect(target: ImapTarget): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: target.host,
    port: target.port,
    secure: target.secure,
    auth: { user: target.user, pass: target.pass },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    ...(target.insecureTls ? { tls: { rejectUnauthorized: false } } : {}),
  });
  // A dropped connection is emitted as 'error' (unheard, it would crash the process) and also
  // fails the command in flight, which reports it: one line, not two.
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (err) {
    client.close();
    throw imapError(target, err);
  }
  return client;
}

/** Creates the folder when missing and returns its path segments (imapflow joins them with the server's delimiter). */
async function ensureFolder(client: ImapFlow, target: ImapTarget, folder: string): Promise<string[]> {
  const path = folder.split('/').filter(Boolean);
  try {
    await client.mailboxCreate(path);
  } catch (err) {
    // Servers that answer an existing folder without the ALREADYEXISTS code: it is there if STATUS works.
    if (!(await client.status(path, { messages: true }).catch(() => undefined))) throw imapError(target, err, `cannot create the folder ${folder}`);
  }
  return path;
}

/** One line for a failed connection, login or command; never the password. */
function imapError(target: ImapTarget, err: unknown, doing?: string): AppError {
  const e = (err ?? {}) as { message?: string; code?: string; authenticationFailed?: boolean; responseText?: string; mailboxMissing?: boolean };
  const where = `bounce mailbox ${target.redacted}`;
  const detail = scrub(target, e.responseText || e.message || String(err));
  if (e.authenticationFailed) return new AppError('SMTP_AUTH', `${where}: login refused (wrong user or password?): ${detail}`, { cause: err });
  if (doing) return new AppError(e.mailboxMissing ? 'CONFIG_INVALID' : 'SMTP_UNAVAILABLE', `${where}: ${doing}: ${detail}`, { cause: err });
  const code = e.code ?? '';
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/i.test(code)) {
    return new AppError('SMTP_UNAVAILABLE', `${where}: TLS certificate not trusted (${code}); add ?tls=insecure for a self-signed one`, { cause: err });
  }
  return new AppError('SMTP_UNAVAILABLE', `${where}: cannot connect: ${code ? `${code} ` : ''}${detail}`, { cause: err });
}

/** Removes the password from a server's or library's text, in case one ever echoes it. */
function scrub(target: ImapTarget, text: string): string {
  return oneLine(text.split(target.pass).join('***'));
}

/** A running poller: see bounceMailboxPoller. */
export interface BounceMailboxPoller {
  /** Runs a poll now (after the one in flight, if any); resolves with its result, undefined after stop(). */
  pollNow(): Promise<PollResult | undefined>;
  /** Stops the timer, asks the poll in flight to stop after its current message, and waits for it. */
  stop(): Promise<void>;
}

/**
 * Polls the bounce mailbox now and then every `everySeconds` (BOUNCE_POLL_SECONDS) after the
 * previous poll ended, so two polls never overlap in one process. Logs one line per poll that
 * found something, and one line per failed poll; never throws. The timer does not keep the
 * process alive: the worker's own loop does.
 */
export function bounceMailboxPoller(opts: PollOptions & { everySeconds: number; onResult?: (r: PollResult) => void }): BounceMailboxPoller {
  const controller = new AbortController();
  opts.signal?.addEventListener('abort', () => controller.abort(), { once: true });
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<PollResult | undefined> = Promise.resolve(undefined);

  const once = async (): Promise<PollResult | undefined> => {
    if (controller.signal.aborted) return undefined;
    try {
      const r = await pollBounceMailbox({ ...opts, signal: controller.signal });
      opts.onResult?.(r);
      if (r.processed + r.unreadable + r.failed > 0 || r.stopped) {
        const line = `bounces: ${r.processed} processed, ${r.unreadable} unreadable, ${r.failed} left for the next poll${r.stopped ? ` (stopped: ${r.stopped})` : ''}`;
        if (r.failed) opts.log.warn(line);
        else opts.log.info(line);
      }
      return r;
    } catch (err) {
      opts.log.error(err instanceof AppError ? err.message : `bounce mailbox: ${oneLine(String((err as Error)?.message ?? err))}`);
      return undefined;
    }
  };
  const run = (): Promise<PollResult | undefined> => {
    clearTimeout(timer);
    inFlight = inFlight.then(once);
    void inFlight.then(schedule);
    return inFlight;
  };
  const schedule = () => {
    if (controller.signal.aborted) return;
    clearTimeout(timer);
    timer = setTimeout(() => void run(), Math.max(0, opts.everySeconds * 1000)).unref();
  };

  void run();
  return {
    pollNow: run,
    async stop() {
      controller.abort();
      clearTimeout(timer);
      await inFlight;
    },
  };
}
