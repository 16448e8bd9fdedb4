/**
 * Which mailer the configuration asks for: the SMTP pool SMTP_URL names (signing with DKIM when
 * configured), or the outbox folder when SMTP_URL is unset; and where that is, in words for people.
 */
import { type Config, redactUrl } from '../config.js';
import type { Mailer } from '../pipeline/ports.js';
import { OutboxMailer } from './outbox.js';
import { type DkimSettings, SmtpPool } from './smtp-pool.js';

/** The mailer SMTP_URL names, or the outbox; `outboxDir` forces an outbox there. */
export function openMailer(config: Config, dkim: DkimSettings | undefined, outboxDir?: string): Mailer {
  return outboxDir || !config.SMTP_URL
    ? new OutboxMailer(outboxDir ?? config.OUTBOX_DIR)
    : new SmtpPool(config.SMTP_URL, { size: config.SMTP_POOL, rate: config.SEND_RATE, dkim });
}

/** Where `openMailer` sends, for people: the SMTP URL without its password, or the outbox folder. */
export function mailTargetOf(config: Config): string {
  return config.SMTP_URL ? redactUrl(config.SMTP_URL)! : `outbox ${config.OUTBOX_DIR}`;
}
