/**
 * A real SMTP server in-process (smtp-server on port 0) that keeps what arrives, parsed with
 * mailparser, and lets a test inject faults: a reply per recipient and attempt, a connection
 * dropped in the middle of DATA, a slow DATA.
 */
import { type AddressObject, type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { sleep } from './eventually.js';

export interface Received {
  envelope: { from: string; to: string[] };
  raw: Buffer;
  parsed: ParsedMail;
}

export interface TestSmtp {
  url: string;
  port: number;
  received: Received[];
  /** RCPT TO commands seen per address (attempts). */
  rcpt: Map<string, number>;
  close(): Promise<void>;
}

type Reply = Error & { responseCode?: number };

export interface SmtpFaults {
  /** A reply for this recipient on its n-th attempt (1-based), or nothing to accept it. */
  onRcpt?: (address: string, attempt: number) => Reply | undefined;
  /** True to cut the connection while this recipient's DATA is coming in. */
  dropDuringData?: (address: string, attempt: number) => boolean;
  /** Milliseconds to wait before answering each DATA. */
  dataDelayMs?: number;
  /** True to never answer this recipient's DATA (a message stuck in flight); close() then cuts it. */
  hangData?: (address: string) => boolean;
  /** Called after each accepted message. */
  onMessage?: (m: Received) => void;
  auth?: { user: string; pass: string };
  /** Parse every message with mailparser (slower; off for load tests). */
  parse?: boolean;
}

/** An SMTP reply error, as smtp-server takes it. */
export const reply = (code: number, text: string): Reply => Object.assign(new Error(text), { responseCode: code });

export async function startSmtp(faults: SmtpFaults = {}): Promise<TestSmtp> {
  const received: Received[] = [];
  const rcpt = new Map<string, number>();
  const options: SMTPServerOptions = {
    disabledCommands: faults.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !faults.auth,
    allowInsecureAuth: true,
    logger: false,
    size: 10 * 1024 * 1024,
    // Hung sessions are cut at close() instead of after smtp-server's 30 s.
    ...(faults.hangData ? { closeTimeout: 50 } : {}),
    onAuth(auth, _session, cb) {
      if (faults.auth && auth.username === faults.auth.user && auth.password === faults.auth.pass) cb(null, { user: auth.username });
      else cb(reply(535, 'Invalid username or password'));
    },
    onRcptTo(address, _session, cb) {
      const n = (rcpt.get(address.address) ?? 0) + 1;
      rcpt.set(address.address, n);
      cb(faults.onRcpt?.(address.address, n) ?? undefined);
    },
    onData(stream, session, cb) {
      const to = session.envelope.rcptTo.map((r) => r.address);
      const first = to[0] ?? '';
      if (faults.dropDuringData?.(first, rcpt.get(first) ?? 0)) {
        stream.once('data', () => {
          for (const c of (server as unknown as { connections: Set<{ id: string; _socket: { destroy(): void } }> }).connections) {
            if (c.id === session.id) c._socket.destroy();
          }
        });
        stream.on('data', () => {});
        stream.on('end', () => cb(reply(451, 'dropped')));
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      const receive = async () => {
        if (faults.hangData?.(first)) return;
        const raw = Buffer.concat(chunks);
        const envelope = { from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '', to };
        const m: Received = { envelope, raw, parsed: faults.parse === false ? ({} as ParsedMail) : await simpleParser(raw) };
        if (faults.dataDelayMs) await sleep(faults.dataDelayMs);
        received.push(m);
        faults.onMessage?.(m);
        cb();
      };
      stream.on('end', () => void receive());
    },
  };
  const server = new SMTPServer(options);
  // A client killed mid-session resets its connection: that is what some tests do on purpose.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as { port: number }).port;
  const cred = faults.auth ? `${faults.auth.user}:${faults.auth.pass}@` : '';
  return {
    url: `smtp://${cred}127.0.0.1:${port}`,
    port,
    received,
    rcpt,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The first address of a mailparser address field. */
export function firstAddress(a: AddressObject | AddressObject[] | undefined): string | undefined {
  const obj = Array.isArray(a) ? a[0] : a;
  return obj?.value[0]?.address;
}

/** The raw, unfolded value of a header as it was sent (mailparser restructures List-* headers). */
export function rawHeader(mail: ParsedMail, name: string): string | undefined {
  const line = mail.headerLines.find((h) => h.key === name.toLowerCase())?.line;
  return line
    ?.slice(line.indexOf(':') + 1)
    .replace(/\r?\n[ \t]+/g, ' ')
    .trim();
}
