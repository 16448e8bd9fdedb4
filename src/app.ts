/**
 * The composition root: builds every part from the config and hands back the whole with one
 * `close()`. The CLI, the scheduler and the HTTP server are thin shells around this. It only
 * composes: what each part does lives in the part's own module.
 */
import type { PolicyDeps } from './bounces/policy.js';
import type { Config } from './config.js';
import type { Frequency } from './domain.js';
import type { BuildOptions } from './issue/builder.js';
import { parseMailbox } from './lib/email.js';
import { dateIn } from './lib/time.js';
import { WORKER, isDeadWorker } from './lib/worker-id.js';
import type { Log } from './log.js';
import type { DeliverDeps } from './pipeline/delivery-types.js';
import type { Mailer } from './pipeline/ports.js';
import type { SendDeps } from './pipeline/send-job.js';
import { type Masthead, mastheadOf } from './render/digest.js';
import { DigestMail } from './send/digest-mail.js';
import type { DkimSigner } from './send/dkim.js';
import { dkimSettings, dkimSigner } from './send/dkim-config.js';
import { openMailer } from './send/mailer.js';
import type { DkimSettings } from './send/smtp-pool.js';
import { subscriptionMail } from './send/subscription-mail.js';
import { openStore } from './store/open.js';
import type { Store } from './store/store.js';
import type { FlowDeps } from './subscriptions/double-opt-in.js';
import { resolveSecretKey } from './subscriptions/secret.js';
import { Tokens } from './subscriptions/tokens.js';

/** Everything a running Paperboy holds. */
export interface App {
  config: Config;
  store: Store;
  tokens: Tokens;
  log: Log;
  masthead: Masthead;
  /** The app's clock (fixed in tests): every "now" on an app path reads it. */
  now: () => Date;
  /** The mailer SMTP_URL names, or the outbox; `outboxDir` forces an outbox. */
  mailer(outboxDir?: string): Mailer;
  /** The digest rendered and composed (render once, compose once): what send, preview and the archive show. */
  digest: DigestMail;
  /** Dependencies for `send`, with the given mailer. */
  sendDeps(mailer: Mailer): SendDeps;
  /** What the bounce policy needs (the bounce mailbox and the provider webhooks feed it). */
  bounces: PolicyDeps;
  /** How the next issue of `frequency` is built, as of `now` (preview, status and send share it). */
  buildOptions(frequency: Frequency, now: Date): BuildOptions;
  /** Today's date (YYYY-MM-DD) in the configured time zone. */
  today(): string;
  /** What subscribing and confirming need (the double opt-in in `subscriptions/double-opt-in.ts`). */
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
  const { dkim, signer, store, tokens } = await openParts(config, log, now);
  const from = parseMailbox(config.MAIL_FROM)!;
  const messageIdDomain = from.address.split('@')[1]!;
  const masthead = mastheadOf(config);
  const digest = new DigestMail({ config, masthead, tokens, messageIdDomain, now, ...(signer ? { signer } : {}) });
  const mailer = (outboxDir?: string): Mailer => openMailer(config, dkim, outboxDir);
  const buildOptions = buildOptionsFor(config);

  const sendDeps = (m: Mailer): SendDeps => {
    const deliver: DeliverDeps = {
      store,
      mailer: m,
      compose: digest.compose,
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

  // Confirmation and welcome emails go out after the answer; close() waits for them.
  const work = new BackgroundWork(log);
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
    background: (p) => work.add(p),
  };
  const closing = new AbortController();
  const close = async () => {
    closing.abort();
    await work.idle();
    await transactional?.close();
    await signer?.close();
    await store.close();
  };

  const bounces: PolicyDeps = { store, tokens, now, log };
  const today = () => dateIn(now(), config.TZ);
  const idle = () => work.idle();
  return { config, store, tokens, log, masthead, now, mailer, digest, sendDeps, bounces, buildOptions, today, flow, idle, closing: closing.signal, close };
}

/**
 * The parts that can fail at start-up, in order: the DKIM keys (a bad key stops before the store
 * opens), the store, then the secret key (the store is closed again when it fails).
 */
async function openParts(
  config: Config,
  log: Log,
  now: () => Date,
): Promise<{ dkim: DkimSettings | undefined; signer: DkimSigner | undefined; store: Store; tokens: Tokens }> {
  const dkim = dkimSettings(config);
  const signer = dkimSigner(config, now);
  const store = await openStore(config.DATABASE_URL, config.cwd);
  try {
    const secret = resolveSecretKey(config);
    if (secret.warning) log.warn(secret.warning);
    return { dkim, signer, store, tokens: new Tokens(secret.key) };
  } catch (err) {
    await store.close();
    throw err;
  }
}

/** How the next issue of a cadence is built, from the config. */
function buildOptionsFor(config: Config): (frequency: Frequency, at: Date) => BuildOptions {
  return (frequency, at) => ({
    frequency,
    now: at,
    cap: config.MAX_PAPERS_PER_ISSUE,
    issueDate: dateIn(at, config.TZ),
    newsletterName: config.NEWSLETTER_NAME,
    weeklyDay: config.WEEKLY_DAY,
    timeZone: config.TZ,
    ...(config.DELIVER_AT ? { deliverAt: config.DELIVER_AT } : {}),
  });
}

/** Work started after an HTTP answer went out (emails): failures are logged, and `idle()` waits for all of it. */
class BackgroundWork {
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly log: Log) {}

  /** Runs `work` in the background. */
  add(work: Promise<unknown>): void {
    const p = work.catch((err) => this.log.error(`background work failed: ${(err as Error).message}`)).finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  /** Resolves once nothing is in flight (work added meanwhile included). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }
}
