/**
 * The outbox mailer: each message written as an `.eml` file, for local runs without an SMTP
 * server (SMTP_URL unset), `send --outbox DIR` and dry runs.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors.js';
import { type Mailer, type OutgoingMessage, SendError } from '../pipeline/ports.js';

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
