/**
 * An in-process SMTP server (smtp-server on port 0) for the reliability tests: it counts, per
 * recipient, the RCPT commands (attempts), the messages that arrived whole (the final dot was
 * received) and the messages it accepted (answered 250), and it injects faults per recipient and
 * attempt: a reply to RCPT (451, 550, 421…), a connection cut before the final dot, and one cut
 * after the final dot but before the 250 (the message arrived; the client cannot know).
 * Messages are not parsed: only the envelope and the Message-ID are kept.
 */
import { SMTPServer } from 'smtp-server';

type Reply = Error & { responseCode?: number };

/** What happens to one message's DATA. */
export type DataFault = 'drop-before-dot' | 'drop-after-dot';

export interface FaultPlan {
  /** A reply to this recipient's n-th RCPT (1-based), or nothing to accept it. */
  rcpt?: (address: string, attempt: number) => Reply | undefined;
  /** A fault for the DATA of this recipient's n-th attempt, or nothing. */
  data?: (address: string, attempt: number) => DataFault | undefined;
  /** Milliseconds before answering each DATA (keeps a few messages in flight). */
  delayMs?: number;
  /** Called after each message is accepted (250), with the total accepted so far. */
  onAccept?: (address: string, total: number) => void;
}

export interface FaultySmtp {
  url: string;
  /** RCPT commands per address. */
  rcpt: Map<string, number>;
  /** Messages that arrived whole per address (accepted, or cut after the final dot). */
  arrived: Map<string, number>;
  /** Messages answered 250 per address. */
  accepted: Map<string, number>;
  /** Message-IDs of the messages that arrived whole, per address. */
  messageIds: Map<string, string[]>;
  /** Total messages answered 250. */
  total(): number;
  close(): Promise<void>;
}

export const smtpReply = (code: number, text: string): Reply => Object.assign(new Error(text), { responseCode: code });

const bump = (m: Map<string, number>, k: string) => {
  const n = (m.get(k) ?? 0) + 1;
  m.set(k, n);
  return n;
};

export async function startFaultySmtp(plan: FaultPlan = {}): Promise<FaultySmtp> {
  const rcpt = new Map<string, number>();
  const arrived = new Map<string, number>();
  const accepted = new Map<string, number>();
  const messageIds = new Map<string, string[]>();
  let total = 0;
  const cut = (sessionId: string) => {
    for (const c of (server as unknown as { connections: Set<{ id: string; _socket: { destroy(): void } }> }).connections) {
      if (c.id === sessionId) c._socket.destroy();
    }
  };
  const server: SMTPServer = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    size: 10 * 1024 * 1024,
    closeTimeout: 50,
    onRcptTo(address, _session, cb) {
      const n = bump(rcpt, address.address);
      cb(plan.rcpt?.(address.address, n) ?? undefined);
    },
    onData(stream, session, cb) {
      const to = session.envelope.rcptTo[0]?.address ?? '';
      const fault = plan.data?.(to, rcpt.get(to) ?? 0);
      if (fault === 'drop-before-dot') {
        stream.once('data', () => cut(session.id));
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const head = Buffer.concat(chunks).subarray(0, 8192).toString('latin1');
        const id = /^Message-ID:\s*<([^>]+)>/im.exec(head)?.[1] ?? '';
        bump(arrived, to);
        messageIds.set(to, [...(messageIds.get(to) ?? []), id]);
        if (fault === 'drop-after-dot') {
          cut(session.id);
          return;
        }
        const answer = () => {
          bump(accepted, to);
          total++;
          plan.onAccept?.(to, total);
          cb();
        };
        if (plan.delayMs) setTimeout(answer, plan.delayMs);
        else answer();
      });
    },
  });
  // Clients killed mid-session and cut connections reset sockets: expected here.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as { port: number }).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    rcpt,
    arrived,
    accepted,
    messageIds,
    total: () => total,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
