/**
 * Mailers: nodemailer's pooled SMTP transport over SMTP_URL, or an outbox folder of `.eml`
 * files when no SMTP server is configured. Errors are classified for the ledger here, in one
 * place: permanent (5xx for a recipient), transient (4xx, dropped connection), fatal (auth,
 * sender refused, 421, unreachable at verify).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import { redactUrl } from '../config.js';
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
  if (e.code === 'EAUTH') return new SendError('fatal', `SMTP authentication failed: ${reply}`, code);
  if (code === 421) return new SendError('fatal', `SMTP server closing the connection: ${reply}`, code);
  if (e.command === 'MAIL FROM' && code && code >= 500) return new SendError('fatal', `SMTP server refused the sender: ${reply}`, code);
  if (code && code >= 500 && code !== 503) return new SendError('permanent', reply, code);
  if (code && code >= 400) return new SendError('transient', reply, code);
  return new SendError('transient', reply, code);
}

function oneLineReply(e: SmtpError): string {
  return (e.response || e.message || String(e)).replace(/\s+/g, ' ').trim().slice(0, 300);
}

/** Sends over SMTP with a pool of `poolSize` connections. */
export class SmtpMailer implements Mailer {
  readonly description: string;
  readonly concurrency: number;
  private readonly transport: Transporter;

  constructor(smtpUrl: string, poolSize: number) {
    this.description = redactUrl(smtpUrl)!;
    this.concurrency = poolSize;
    this.transport = nodemailer.createTransport({
      url: smtpUrl,
      pool: true,
      maxConnections: poolSize,
      maxMessages: Infinity,
      // A message whose connection dropped comes back to us, not silently requeued: the ledger decides.
      maxRequeues: 0,
      connectionTimeout: 15_000,
      greetingTimeout: 15_000,
      socketTimeout: 60_000,
      logger: false,
    });
  }

  async verify(): Promise<void> {
    try {
      await this.transport.verify();
    } catch (err) {
      const e = err as SmtpError;
      if (e.code === 'EAUTH') throw new AppError('SMTP_AUTH', `SMTP authentication failed at ${this.description}: ${oneLineReply(e)}`);
      throw new AppError('SMTP_UNAVAILABLE', `cannot reach the SMTP server ${this.description}: ${oneLineReply(e)}`);
    }
  }

  async send(msg: OutgoingMessage): Promise<string> {
    try {
      const info = await this.transport.sendMail({ envelope: { from: msg.from, to: [msg.to] }, raw: Buffer.concat(msg.raw) });
      return String((info as { response?: string }).response ?? '250 OK');
    } catch (err) {
      throw classifySmtpError(err);
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}

/** Writes each message as `<dir>/<name>.eml`, for local runs without an SMTP server. */
export class OutboxMailer implements Mailer {
  readonly concurrency = 8;
  readonly description: string;

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
      await writeFile(file, msg.raw);
    } catch (err) {
      throw new SendError('fatal', `cannot write ${file}: ${(err as Error).message}`);
    }
    return `written to ${file}`;
  }

  async close(): Promise<void> {}
}
