/**
 * A small authoritative DNS server on 127.0.0.1 (UDP and TCP on one port) that answers from a
 * zone given as a plain object, so that `paperboy doctor` can be tested against real DNS
 * traffic through node:dns without the internet. Wire encoding is dns-packet's.
 *
 * The zone is read on every query: a test may change it between runs.
 */
import { createSocket } from 'node:dgram';
import { type Socket, createServer } from 'node:net';
import dnsPacket, { type Answer, type DecodedPacket, type Packet } from 'dns-packet';

/** The records of one name. A TXT value longer than 255 bytes is split into character-strings, as publishers do. */
export interface ZoneEntry {
  TXT?: (string | string[])[];
  MX?: { priority: number; exchange: string }[];
  A?: string[];
  AAAA?: string[];
  /** Answer SERVFAIL for this name, as a broken authority does: the lookup fails, nothing is known. */
  SERVFAIL?: boolean;
}

/** Names (without the trailing dot, any case) and their records; any other name is NXDOMAIN. */
export type Zone = Record<string, ZoneEntry>;

/** A running server. */
export interface TestDns {
  /** `127.0.0.1:PORT`, the form DNS_SERVERS takes. */
  server: string;
  port: number;
  /** Every question asked, as `TYPE name` (the doctor's lookups, in order of arrival). */
  queries: string[];
  close(): Promise<void>;
}

const SERVFAIL = 2;
const NXDOMAIN = 3;
// Without EDNS a UDP answer is at most 512 bytes (RFC 1035 §4.2.1); larger ones go truncated and the client retries over TCP.
const CLASSIC_UDP_LIMIT = 512;

/** Starts the server on an ephemeral port of 127.0.0.1. */
export async function startDns(zone: Zone): Promise<TestDns> {
  const queries: string[] = [];
  const tcp = createServer((socket) => serveTcp(socket, zone, queries));
  const sockets = new Set<Socket>();
  tcp.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  const onMessage = (udp: ReturnType<typeof createSocket>) => (msg: Buffer, rinfo: { port: number; address: string }) => {
    let query: DecodedPacket;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return; // not DNS: a real server drops it too
    }
    const opt = query.additionals?.find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
    const limit = Math.max(CLASSIC_UDP_LIMIT, opt?.udpPayloadSize ?? 0);
    let out = dnsPacket.encode(answer(query, zone, queries));
    if (out.length > limit) out = dnsPacket.encode({ ...answer(query, zone, []), answers: [], flags: flagsOf(query, 0) | dnsPacket.TRUNCATED_RESPONSE });
    udp.send(out, rinfo.port, rinfo.address);
  };

  // One port for both: TCP takes an ephemeral port, UDP binds the same number; when another
  // process holds that UDP port (tests run side by side), try another.
  let udp: ReturnType<typeof createSocket> | undefined;
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(0, '127.0.0.1', () => (tcp.off('error', reject), resolve()));
    });
    port = (tcp.address() as { port: number }).port;
    const socket = createSocket('udp4');
    udp = socket;
    socket.on('message', onMessage(socket));
    const bound = await new Promise<boolean>((resolve, reject) => {
      socket.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' && attempt < 20 ? resolve(false) : reject(err)));
      socket.bind(port, '127.0.0.1', () => resolve(true));
    });
    if (bound) break;
    try {
      socket.close();
    } catch {
      // a socket whose bind failed may be closed already
    }
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
  }
  return {
    server: `127.0.0.1:${port}`,
    port,
    queries,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => udp!.close(() => resolve()));
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}

/** DNS over TCP: each message is prefixed with its 2-byte length (RFC 1035 §4.2.2). */
function serveTcp(socket: Socket, zone: Zone, queries: string[]): void {
  let pending = Buffer.alloc(0);
  socket.on('error', () => {});
  socket.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
      const size = pending.readUInt16BE(0);
      const msg = pending.subarray(2, 2 + size);
      pending = pending.subarray(2 + size);
      try {
        socket.write(dnsPacket.streamEncode(answer(dnsPacket.decode(msg), zone, queries)));
      } catch {
        socket.destroy();
        return;
      }
    }
  });
}

/** RD copied from the query (the resolver asks for recursion; we answer as the authority), plus the rcode. */
function flagsOf(query: DecodedPacket, rcode: number): number {
  return dnsPacket.AUTHORITATIVE_ANSWER | (query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0) | rcode;
}

function answer(query: DecodedPacket, zone: Zone, queries: string[]): Packet {
  const q = query.questions?.[0];
  const base = { type: 'response' as const, id: query.id ?? 0, questions: query.questions ?? [] };
  if (!q) return { ...base, flags: flagsOf(query, 0), answers: [] };
  queries.push(`${q.type} ${q.name}`);
  const name = q.name.toLowerCase().replace(/\.$/, '');
  const entry = Object.entries(zone).find(([n]) => n.toLowerCase().replace(/\.$/, '') === name)?.[1];
  if (!entry) {
    // A name with names below it exists (an "empty non-terminal", like _domainkey.example.org): no data, not NXDOMAIN.
    const parent = Object.keys(zone).some((n) => n.toLowerCase().endsWith(`.${name}`));
    return { ...base, flags: flagsOf(query, parent ? 0 : NXDOMAIN), answers: [] };
  }
  if (entry.SERVFAIL) return { ...base, flags: flagsOf(query, SERVFAIL), answers: [] };
  return { ...base, flags: flagsOf(query, 0), answers: recordsOf(q.name, q.type, entry) };
}

function recordsOf(name: string, type: string, entry: ZoneEntry): Answer[] {
  const ttl = 60;
  switch (type) {
    case 'TXT':
      return (entry.TXT ?? []).map((v) => ({ type: 'TXT', name, ttl, data: Array.isArray(v) ? v : chunks(v) }));
    case 'MX':
      return (entry.MX ?? []).map((mx) => ({ type: 'MX', name, ttl, data: { preference: mx.priority, exchange: mx.exchange } }));
    case 'A':
      return (entry.A ?? []).map((data) => ({ type: 'A', name, ttl, data }));
    case 'AAAA':
      return (entry.AAAA ?? []).map((data) => ({ type: 'AAAA', name, ttl, data }));
    default:
      return [];
  }
}

/** A TXT character-string holds at most 255 bytes. */
function chunks(value: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < value.length; i += 255) out.push(value.slice(i, i + 255));
  return out.length ? out : [''];
}
