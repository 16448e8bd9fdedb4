/**
 * The composition root: builds every part from the config and hands back the whole with one
 * `close()`. The CLI, the scheduler and the HTTP server are thin shells around this.
 */
import { hostname } from 'node:os';
import { type Config, parseMailbox, redactUrl } from './config.js';
import type { Frequency } from './domain.js';
import type { Log } from './log.js';
import type { BuildOptions } from './issue/builder.js';
import type { DeliverDeps } from './pipeline/delivery-types.js';
import type { Composer, Mailer } from './pipeline/ports.js';
import type { SendDeps } from './pipeline/send-job.js';
import { type Masthead, digestProps, renderDigest } from './render/digest.js';
import { composeTemplate, recipientUrls } from './send/compose.js';
import { dkimSettings, dkimSigner } from './send/dkim-config.js';
import { SmtpPool } from './send/smtp-pool.js';
import { OutboxMailer } from './send/transport.js';
import type { FetchOptions } from './sources/fetch.js';
import { openStore } from './store/open.js';
import type { Store } from './store/store.js';
import type { FlowDeps } from './subscriptions/flow.js';
import { subscriptionMail } from './send/subscription-mail.js';
import { resolveSecretKey } from './subscriptions/secret.js';
import { Tokens } from './subscriptions/tokens.js';
import type { PolicyDeps } from './bounces/policy.js';

export { dkimSettings, dkimSigner };

/** Everything a running Paperboy holds. */
export interface App {
  config: Config;
  store: Store;
  tokens: Tokens;
  log: Log;
  masthead: Masthead;
  /** The mailer SMTP_URL names, or the outbox; `outboxDir` forces an outbox. */
  mailer(outboxDir?: string): Mailer;
  /** Builds one variant's message template (render once, compose once). */
  compose: Composer;
  /** Dependencies for `send`, with the given mailer. */
  sendDeps(mailer: Mailer): SendDeps;
  /** What the bounce policy needs (the bounce mailbox and the provider webhooks feed it). */
  bounces: PolicyDeps;
  /** How the next issue of `frequency` is built, as of `now` (preview, status and send share it). */
  buildOptions(frequency: Frequency, now: Date): BuildOptions;
  /** Today's date (YYYY-MM-DD) in the configured time zone. */
  today(): string;
  /** What subscribing, confirming and forgetting need (the flow in `subscriptions/flow.ts`). */
  flow: FlowDeps;
  /** Resolves once the emails sent after an HTTP answer (confirmation, welcome) are out. */
  idle(): Promise<void>;
  /** Aborted when `close()` starts: long background work (a send started from /admin) stops gracefully. */
  closing: AbortSignal;
  close(): Promise<void>;
}

/** Options mostly for tests: a fixed clock. */
export interface AppOptions {
  now?: () => Date;
}

/** Opens the store and wires the parts together. */
export async function createApp(config: Config, log: Log, opts: AppOptions = {}): Promise<App> {
  const now = opts.now ?? (() => new Date());
  const dkim = dkimSettings(config);
  const signer = dkimSigner(config, now);
  const store = await openStore(config.DATABASE_URL, config.cwd);
  let tokens: Tokens;
  try {
    const secret = resolveSecretKey(config);
    if (secret.warning) log.warn(secret.warning);
    tokens = new Tokens(secret.key);
  } catch (err) {
    await store.close();
    throw err;
  }
  const from = parseMailbox(config.MAIL_FROM)!;
  const messageIdDomain = from.address.split('@')[1]!;
  const masthead: Masthead = {
    newsletterName: config.NEWSLETTER_NAME,
    tagline: config.NEWSLETTER_TAGLINE,
    byline: config.BYLINE ?? `by ${config.NEWSLETTER_NAME} and the research community`,
    postalAddress: config.POSTAL_ADDRESS,
  };
  const today = () => dateIn(now(), config.TZ);

  const compose: Composer = async ({ subject, issueDate, frequency, papers, issueId }) => {
    const urls = { ...recipientUrls(config.PUBLIC_URL), archiveUrl: archiveUrl(config.PUBLIC_URL, issueId) };
    const rendered = await renderDigest(digestProps(masthead, { issueDate, frequency }, papers, urls));
    return composeTemplate({
      from: config.MAIL_FROM,
      subject,
      html: rendered.html,
      text: rendered.text,
      unsubscribeUrl: urls.unsubscribeUrl,
      messageIdDomain,
      feedbackId: feedbackId(config, issueId),
      date: now(),
      ...(signer ? { dkim: signer } : {}),
    });
  };

  const mailer = (outboxDir?: string): Mailer =>
    outboxDir || !config.SMTP_URL
      ? new OutboxMailer(outboxDir ?? config.OUTBOX_DIR)
      : new SmtpPool(config.SMTP_URL, { size: config.SMTP_POOL, rate: config.SEND_RATE, dkim });

  const sendDeps = (m: Mailer): SendDeps => {
    const deliver: DeliverDeps = {
      store,
      mailer: m,
      compose,
      tokens,
      envelopeFrom: from.address,
      ...(config.BOUNCE_DOMAIN ? { bounceDomain: config.BOUNCE_DOMAIN } : {}),
      messageIdDomain,
      maxErrors: config.MAX_SEND_ERRORS,
      now,
      log,
      worker: WORKER,
      isDead: isDeadWorker,
    };
    const { frequency: _f, now: _n, ...build } = buildOptions('daily', now());
    return { ...deliver, build };
  };

  const buildOptions = (frequency: Frequency, at: Date): BuildOptions => ({
    frequency,
    now: at,
    cap: config.MAX_PAPERS_PER_ISSUE,
    issueDate: dateIn(at, config.TZ),
    newsletterName: config.NEWSLETTER_NAME,
    weeklyDay: config.WEEKLY_DAY,
    timeZone: config.TZ,
    ...(config.DELIVER_AT ? { deliverAt: config.DELIVER_AT } : {}),
  });

  // Confirmation and welcome emails go out after the answer; close() waits for them.
  const inFlight = new Set<Promise<unknown>>();
  const idle = async () => {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  };
  const background = (work: Promise<unknown>) => {
    const p = work.catch((err) => log.error(`background work failed: ${(err as Error).message}`)).finally(() => inFlight.delete(p));
    inFlight.add(p);
  };
  let transactional: Mailer | undefined;
  const mail = subscriptionMail(config, masthead, store, tokens, () => (transactional ??= mailer()), from.address, messageIdDomain, now);
  const flow: FlowDeps = {
    store,
    tokens,
    mail,
    publicUrl: config.PUBLIC_URL,
    now,
    log,
    confirmationsPerHour: config.CONFIRMATIONS_PER_HOUR,
    background,
  };
  const closing = new AbortController();
  const close = async () => {
    closing.abort();
    await idle();
    await transactional?.close();
    await signer?.close();
    await store.close();
  };

  const bounces: PolicyDeps = { store, tokens, now, log };
  return { config, store, tokens, log, masthead, mailer, compose, sendDeps, bounces, buildOptions, today, flow, idle, closing: closing.signal, close };
}

/** Where `app.mailer()` sends, for people: the SMTP URL without its password, or the outbox folder. */
export function mailTargetOf(config: Config): string {
  return config.SMTP_URL ? redactUrl(config.SMTP_URL)! : `outbox ${config.OUTBOX_DIR}`;
}

/** The public page of an issue ("view in browser"); the archive index when there is no issue yet. */
export function archiveUrl(publicUrl: string, issueId?: number): string {
  return issueId ? `${publicUrl}/archive/${issueId}` : `${publicUrl}/archive`;
}

/** This process in the ledger's `claimed_by`. */
export const WORKER = `${hostname()}:${process.pid}`;

/**
 * True when `worker` (host:pid) is a process on this host that no longer runs: its leased
 * deliveries can be taken back at once instead of when the lease runs out.
 */
export function isDeadWorker(worker: string): boolean {
  const [host, pid] = worker.split(':');
  if (host !== hostname() || !pid || !/^\d+$/.test(pid) || worker === WORKER) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * The Feedback-ID header (Gmail's feedback loop, `CampaignID:CustomerID:MailTypeID:SenderId`):
 * the issue, the list, the mail type and the sender id (FEEDBACK_ID, else the newsletter's name).
 */
export function feedbackId(config: Config, issueId: number | undefined): string {
  const sender = config.FEEDBACK_ID ?? (config.NEWSLETTER_NAME.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'paperboy');
  return `issue-${issueId ?? 'preview'}:paperboy:digest:${sender}`;
}

/** How URL sources are fetched, from the config. */
export function fetchOptions(config: Config): FetchOptions {
  return {
    timeoutMs: config.FETCH_TIMEOUT_SECONDS * 1000,
    retries: config.FETCH_RETRIES,
    userAgent: `Paperboy/0.1 (+${config.PUBLIC_URL})`,
  };
}

/** YYYY-MM-DD of `date` in time zone `tz`. */
export function dateIn(date: Date, tz: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);
}

