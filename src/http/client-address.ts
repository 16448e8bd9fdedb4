/**
 * Who is asking: the client address that the per-address limits (sign-ups, "send me a new link",
 * admin logins) count against.
 *
 * Without a proxy (TRUST_PROXY=0) it is the socket's peer, which nobody can forge over TCP. Behind
 * N reverse proxies, each proxy appends the address it was connected from to X-Forwarded-For, so
 * the right-most N entries were written by proxies we trust and anything left of them by the
 * client itself. The client is then the Nth entry from the right: the right-most address that no
 * trusted proxy vouches for being one of ours (Express's "trust proxy" with a hop count does the
 * same). An address the client writes into the header itself never counts.
 */
import { isIP } from 'node:net';
import type { Context } from 'hono';

/** Longest X-Forwarded-For entry looked at (an IPv6 address with a zone is under 64 characters). */
const MAX_ENTRY = 64;

/**
 * The client's address: the socket's peer, or with `trustedHops` proxies in front the
 * `trustedHops`th X-Forwarded-For entry from the right (the left-most when the header has fewer
 * entries; the socket's peer when it has none).
 */
export function clientIp(c: Context, trustedHops: number): string {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  const peer = env?.incoming?.socket?.remoteAddress ?? 'unknown';
  if (trustedHops <= 0) return peer;
  // Node joins repeated X-Forwarded-For headers with ", ", in the order they came.
  const entries = (c.req.header('x-forwarded-for') ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  if (entries.length === 0) return peer;
  const entry = entries[Math.max(0, entries.length - trustedHops)]!;
  return bareAddress(entry.slice(0, MAX_ENTRY));
}

/**
 * The key the limits count a client address under: IPv4 as it is (an IPv4-mapped IPv6 address
 * as its IPv4 form), IPv6 by its /64 prefix, since one subscriber line or host is given a whole
 * /64 and could otherwise take a fresh address for every request.
 */
export function limitKey(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1]!;
  if (isIP(ip) !== 6) return ip;
  const groups = expandIpv6(ip);
  return groups ? `${groups.slice(0, 4).join(':')}::/64` : ip;
}

/** The client's key for the per-address limits: `limitKey(clientIp(c, trustedHops))`. */
export function clientKey(c: Context, trustedHops: number): string {
  return limitKey(clientIp(c, trustedHops));
}

/** An X-Forwarded-For entry without a port or brackets (`[2001:db8::1]:443`, `192.0.2.1:5678`), lower-case. */
function bareAddress(entry: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(entry);
  if (bracketed) return bracketed[1]!.toLowerCase();
  const v4port = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(entry);
  if (v4port) return v4port[1]!;
  return entry.toLowerCase();
}

/** The eight 16-bit groups of an IPv6 address, as 4-digit hex (zone and embedded IPv4 handled), or undefined. */
function expandIpv6(ip: string): string[] | undefined {
  let text = ip.split('%')[0]!;
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = 8 - left.length - right.length;
  if (missing < 0 || (tail === undefined && missing !== 0)) return undefined;
  return [...left, ...Array<string>(missing).fill('0'), ...right].map((g) => g.padStart(4, '0'));
}
