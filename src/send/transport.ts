/**
 * The outbox mailer (`.eml` files, when no SMTP server is configured), and the one place SMTP
 * errors are classified for the ledger: a 5xx is read with the refusal table
 * (`bounces/refusals.ts`) as a refusal of the recipient (permanent), of the sender by the
 * recipient's server (sender), or neither for sure (soft); transient (4xx, a dropped connection);
 * fatal (authentication, our relay refusing MAIL FROM, 421).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { classifyRefusal, extractEnhancedStatus } from '../bounces/refusals.js';
import { AppError } from '../errors.js';
import { type Mailer, type OutgoingMessage, SendError } from '../pipeline/ports.js';

interface SmtpError extends Error {
  code?: string;
  command?: string;
  responseCode?: number;
  response?: string;
}

/** Classifies a nodemailer error into what the ledger does with it. */
export function classifySmtpError(err: unknown): SendError {
  const e = err as SmtpError;
  const reply = oneLineReply(e);
  const code = e.responseCode;
  const wait = retryHint(reply);
  if (e.code === 'EAUTH') return new SendError('fatal', `SMTP authentication failed: ${reply}`, code);
  if (code === 421) return new SendError('fatal', `SMTP server closing the connection: ${reply}`, code);
  if (e.command === 'MAIL FROM' && code && code >= 500) return new SendError('fatal', `SMTP server refused the sender: ${reply}`, code);
  const status = extractEnhancedStatus(reply);
  if (code && code >= 500 && code !== 503) {
    const refusal = classifyRefusal({ code, text: reply, ...(status ? { status } : {}), ...(e.command ? { command: e.command } : {}) });
    const kind = refusal.class === 'recipient' ? 'permanent' : refusal.class === 'sender' ? 'sender' : 'soft';
    return new SendError(kind, reply, code, undefined, false, status);
  }
  return new SendError('transient', reply, code, wait, false, status);
}

/** "try again in 30 seconds", "retry after 5 minutes" → milliseconds. */
export function retryHint(reply: string): number | undefined {
  const m = /(?:try|retry)(?: again)?\s+(?:in|after)\s+(\d+)\s*(seconds?|secs?|s|minutes?|mins?|m)\b/i.exec(reply);
  if (!m) return undefined;
  return Number(m[1]) * (m[2]!.toLowerCase().startsWith('m') ? 60_000 : 1000);
}

function oneLineReply(e: SmtpError): string {
  return (e.response || e.message || String(e)).replace(/\s+/g, ' ').trim().slice(0, 300);
}

/** Writes each message as `<dir>/<name>.eml`, for local runs without an SMTP server. */
export class OutboxMailer implements Mailer {
  readonly concurrency = 8;
  readonly description: string;
  private ready: Promise<unknown> | undefined;

  constructor(private readonly dir: string) {
    this.description = `outbox ${dir}`;
  }

  async verify(): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true });
    } catch (err) {
      throw new AppError('SMTP_UNAVAILABLE', `cannot create the outbox folder ${this.dir}: ${(err as Error).message}`);
    }
  }

  async send(msg: OutgoingMessage): Promise<string> {
    const file = path.join(this.dir, `${msg.name}.eml`);
    try {
      // `paperboy serve` alone sends confirmation emails without a verify() first.
      this.ready ??= mkdir(this.dir, { recursive: true });
      await this.ready;
      await writeFile(file, msg.raw());
    } catch (err) {
      this.ready = undefined;
      throw new SendError('fatal', `cannot write ${file}: ${(err as Error).message}`);
    }
    return `written to ${file}`;
  }

  async close(): Promise<void> {}
}
