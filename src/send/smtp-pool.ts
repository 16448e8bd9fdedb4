/**
 * A pool of SMTP connections for the digest run, built on nodemailer's SMTPConnection (which
 * does connecting, STARTTLS, AUTH, PIPELINING and replies). Each connection sends one message at
 * a time; the run keeps `size` of them busy.
 *
 * The fast path: a message that arrives already dot-stuffed (the prebuilt template is stuffed
 * once per variant) is written to the socket as it is, instead of being scanned byte by byte
 * again by nodemailer's DataStream. That scan was two thirds of the per-message cost here.
 * Digest copies arrive DKIM-signed by the composer (`dkim.ts`); other mails with DKIM go through
 * nodemailer's signer and the ordinary path.
 */
import { Readable, Transform, type TransformCallback } from 'node:stream';
import DKIM from 'nodemailer/lib/dkim';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { redactUrl } from '../config.js';
import { AppError } from '../errors.js';
import { type Mailer, type OutgoingMessage, SendError } from '../pipeline/ports.js';
import { RateLimiter } from './rate.js';
import { classifySmtpError } from './smtp-errors.js';

/** DKIM signing settings (DKIM_DOMAIN, DKIM_SELECTOR, DKIM_PRIVATE_KEY). */
export interface DkimSettings {
  domainName: string;
  keySelector: string;
  privateKey: string;
}

/** Pool settings. */
export interface PoolOptions {
  size: number;
  /** Messages per second over the whole pool; undefined for no limit. */
  rate?: number | undefined;
  dkim?: DkimSettings | undefined;
  /** Turn the fast path off (for comparison in benchmarks). */
  fastPath?: boolean;
}

type ConnectionOptions = ConstructorParameters<typeof SMTPConnection>[0];

/** `smtp://user:pass@host:587` / `smtps://…:465` → SMTPConnection options and credentials. */
export function parseSmtpUrl(url: string): { options: NonNullable<ConnectionOptions>; auth?: { user: string; pass: string } } {
  const u = new URL(url);
  const secure = u.protocol === 'smtps:';
  const options = {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    connectionTimeout: 15_000,
    greetingTimeout: 15_000,
    socketTimeout: 60_000,
    ...(u.searchParams.get('tls') === 'insecure' ? { tls: { rejectUnauthorized: false } } : {}),
  };
  const auth = u.username ? { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } : undefined;
  return auth ? { options, auth } : { options };
}

/** Writes a dot-stuffed message as it is, then the terminating dot. */
class StuffedDataStream extends Transform {
  inByteCount = 0;
  outByteCount = 0;
  private lastByte = 0x0a;
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.inByteCount += chunk.length;
    this.outByteCount += chunk.length;
    if (chunk.length) this.lastByte = chunk[chunk.length - 1]!;
    done(null, chunk);
  }
  override _flush(done: TransformCallback): void {
    const end = Buffer.from(this.lastByte === 0x0a ? '.\r\n' : '\r\n.\r\n');
    this.outByteCount += end.length;
    done(null, end);
  }
}

interface ConnectionInternals {
  _createSendStream(callback: (err: Error | null, str: string) => void): Transform;
  _responseActions: ((str: string) => void)[];
  _actionSMTPStream(str: string, callback: (err: Error | null, str: string) => void): void;
  _currentDataStream: Transform | false;
  _socket: NodeJS.WritableStream;
}

/** True when this nodemailer still has the internals the fast path overrides. */
const FAST_PATH_AVAILABLE = ['_createSendStream', '_actionSMTPStream'].every(
  (m) => typeof (SMTPConnection.prototype as unknown as Record<string, unknown>)[m] === 'function',
);

const NO_BYTES = Buffer.alloc(0);

/** SMTPConnection with `sendStuffed`, which skips the DataStream scan for pre-stuffed messages. */
class Connection extends SMTPConnection {
  private stuffed: Buffer[] | undefined;
  /** The current message's data, final dot included, went to the socket. */
  dataWritten = false;

  /**
   * Sends a message that is already dot-stuffed with CRLF line ends, given as parts: they are
   * written to the corked socket in order (one writev), never copied into one buffer.
   */
  sendStuffed(envelope: { from: string; to: string[] }, parts: Buffer[]): Promise<string> {
    this.stuffed = parts;
    return this.sendAsync(envelope, NO_BYTES).finally(() => {
      this.stuffed = undefined;
    });
  }

  sendAsync(envelope: { from: string; to: string[] }, message: Buffer | Readable): Promise<string> {
    return new Promise((resolve, reject) =>
      this.send(envelope, message, (err, info) => (err ? reject(err) : resolve(String((info as { response?: string }).response ?? '')))),
    );
  }

  _createSendStream(callback: (err: Error | null, str: string) => void): Transform {
    const self = this as unknown as ConnectionInternals;
    this.dataWritten = false;
    if (!this.stuffed) {
      const plain = (SMTPConnection.prototype as unknown as ConnectionInternals)._createSendStream.call(this, callback);
      plain.once('end', () => (this.dataWritten = true));
      return plain;
    }
    const stream = new StuffedDataStream();
    stream.once('end', () => (this.dataWritten = true));
    self._responseActions.push((str) => self._actionSMTPStream(str, callback));
    self._currentDataStream = stream;
    stream.pipe(self._socket, { end: false });
    stream.once('end', () => {
      if (self._currentDataStream === stream) self._currentDataStream = false;
    });
    const socket = self._socket as NodeJS.WritableStream & { cork(): void; uncork(): void };
    socket.cork();
    for (const part of this.stuffed) if (part.length) stream.write(part);
    process.nextTick(() => socket.uncork());
    return stream;
  }
}

/** A pool of `size` SMTP connections, opened as needed and reused for the whole run. */
export class SmtpPool implements Mailer {
  readonly description: string;
  readonly concurrency: number;
  private readonly idle: Connection[] = [];
  private readonly waiting: ((c: Connection | null) => void)[] = [];
  private open = 0;
  private closed = false;
  private readonly limiter: RateLimiter | undefined;
  private readonly dkim: DKIM | undefined;
  private readonly fast: boolean;
  private readonly conn: ReturnType<typeof parseSmtpUrl>;

  constructor(smtpUrl: string, opts: PoolOptions) {
    this.description = redactUrl(smtpUrl)!;
    this.concurrency = opts.size;
    this.conn = parseSmtpUrl(smtpUrl);
    this.limiter = opts.rate ? new RateLimiter(opts.rate) : undefined;
    this.dkim = opts.dkim ? new DKIM(opts.dkim) : undefined;
    this.fast = (opts.fastPath ?? true) && FAST_PATH_AVAILABLE;
  }

  async verify(): Promise<void> {
    try {
      this.release(await this.connect());
    } catch (err) {
      const e = err as Error & { code?: string; response?: string };
      const reply = (e.response || e.message).replace(/\s+/g, ' ').slice(0, 300);
      if (e.code === 'EAUTH') throw new AppError('SMTP_AUTH', `SMTP authentication failed at ${this.description}: ${reply}`);
      throw new AppError('SMTP_UNAVAILABLE', `cannot reach the SMTP server ${this.description}: ${reply}`);
    }
  }

  async send(msg: OutgoingMessage): Promise<string> {
    await this.limiter?.take();
    // Digest copies come signed (send/dkim.ts), perhaps by a worker thread: wait for the bytes before
    // taking a connection, so that a connection never idles on a signature, nor is dropped for one.
    const nodemailerSigns = this.dkim !== undefined && !msg.signed;
    let stuffed: Buffer[] | undefined;
    if (this.fast && !nodemailerSigns) {
      try {
        stuffed = await msg.data();
      } catch (err) {
        throw new SendError('transient', `cannot build the message: ${(err as Error).message}`);
      }
    }
    let connection: Connection;
    try {
      connection = await this.acquire();
    } catch (err) {
      throw classifySmtpError(err);
    }
    const envelope = { from: msg.from, to: [msg.to] };
    try {
      // Single mails (confirmation, alerts) are signed by nodemailer's signer.
      const reply = nodemailerSigns
        ? await connection.sendAsync(envelope, this.dkim!.sign(Buffer.concat(msg.raw())))
        : stuffed
          ? await connection.sendStuffed(envelope, stuffed)
          : await connection.sendAsync(envelope, Buffer.concat(msg.raw()));
      this.release(connection);
      return reply;
    } catch (err) {
      const e = err as { code?: string; responseCode?: number; message?: string };
      // Lost after the final dot, before any reply: the message may have arrived (RFC 5321 §6.1: a retry can duplicate it).
      if (connection.dataWritten && !e.responseCode) {
        this.discard(connection);
        const lost = classifySmtpError(err);
        throw new SendError(lost.kind, `${lost.message} (after the whole message was sent: it may have arrived)`, undefined, lost.retryAfterMs, true);
      }
      // The server refused this message and the session goes on: RSET, then reuse. Anything else: drop it.
      // The refusal is reported at once (a refusal of the sender pauses its domain before the next
      // message to it is taken); the connection returns to the pool once RSET is answered.
      if ((e.code === 'EENVELOPE' || e.code === 'EMESSAGE') && e.responseCode !== 421) {
        connection.reset((resetErr) => (resetErr ? this.discard(connection) : this.release(connection)));
      } else {
        this.discard(connection);
      }
      throw classifySmtpError(err);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w(null);
    for (const c of this.idle.splice(0)) c.quit();
    this.open = 0;
  }

  private async acquire(): Promise<Connection> {
    const ready = this.idle.pop();
    if (ready) return ready;
    if (this.open < this.concurrency) return this.connect();
    const next = await new Promise<Connection | null>((resolve) => this.waiting.push(resolve));
    if (!next) throw Object.assign(new Error('the pool was closed'), { code: 'ECONNECTION' });
    return next;
  }

  private release(c: Connection): void {
    // A connection whose RSET was answered after the pool closed.
    if (this.closed) return void c.quit();
    const waiter = this.waiting.shift();
    if (waiter) waiter(c);
    else this.idle.push(c);
  }

  private discard(c: Connection): void {
    this.open--;
    c.close();
    // A waiter gets a fresh connection instead of the broken one.
    const waiter = this.waiting.shift();
    if (waiter) this.connect().then(waiter, () => waiter(null));
  }

  private async connect(): Promise<Connection> {
    this.open++;
    const c = new Connection({ ...this.conn.options, logger: false } as ConnectionOptions);
    // A connection that dies while idle is dropped from the pool.
    c.on('error', () => {
      const i = this.idle.indexOf(c);
      if (i >= 0) {
        this.idle.splice(i, 1);
        this.open--;
      }
    });
    try {
      await new Promise<void>((resolve, reject) => {
        c.once('error', reject);
        c.connect(() => {
          c.removeListener('error', reject);
          resolve();
        });
      });
      if (this.conn.auth) {
        await new Promise<void>((resolve, reject) => c.login(this.conn.auth!, (err) => (err ? reject(err) : resolve())));
      }
      return c;
    } catch (err) {
      this.open--;
      c.close();
      throw err;
    }
  }
}
