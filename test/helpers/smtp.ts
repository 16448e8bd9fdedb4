/**
 * A real SMTP server in-process (smtp-server on port 0) that keeps what arrives, parsed with
 * mailparser, and lets a test decide the reply to each recipient.
 */
import { type AddressObject, type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export interface Received {
  envelope: { from: string; to: string[] };
  raw: Buffer;
  parsed: ParsedMail;
}

export interface TestSmtp {
  url: string;
  port: number;
  received: Received[];
  close(): Promise<void>;
}

/** Options: `onRcpt` may return an Error with `responseCode` to refuse a recipient. */
export async function startSmtp(
  opts: { onRcpt?: (address: string) => (Error & { responseCode?: number }) | undefined; auth?: { user: string; pass: string } } = {},
): Promise<TestSmtp> {
  const received: Received[] = [];
  const options: SMTPServerOptions = {
    disabledCommands: opts.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !opts.auth,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, cb) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) cb(null, { user: auth.username });
      else cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onRcptTo(address, _session, cb) {
      const err = opts.onRcpt?.(address.address);
      cb(err ?? undefined);
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        const raw = Buffer.concat(chunks);
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
        };
        received.push({ envelope, raw, parsed: await simpleParser(raw) });
        cb();
      });
    },
  };
  const server = new SMTPServer(options);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as { port: number }).port;
  const cred = opts.auth ? `${opts.auth.user}:${opts.auth.pass}@` : '';
  return {
    url: `smtp://${cred}127.0.0.1:${port}`,
    port,
    received,
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
  return line?.slice(line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
}
