/**
 * The operator's login for `/admin`: scrypt password hashes compared in constant time, signed
 * session cookies with a per-session CSRF token, and the device cookie of a browser that signed
 * in before (the limits on failed logins are `login-limits.ts`).
 *
 * Sessions live in this process's memory: a restart logs everyone out, and several processes
 * serving `/admin` each need their own login. Both are fine for one operator, and keep the store
 * free of credentials.
 */
import { createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { AppError } from '../../errors.js';

/** scrypt cost of new hashes: 32 MiB of memory per attempt (OWASP's cheat sheet advises N=2^17 for scrypt). */
export const SCRYPT = { N: 2 ** 15, r: 8, p: 1, keyLength: 32, saltLength: 16 } as const;
/** Shortest accepted password. */
export const MIN_PASSWORD_LENGTH = 12;

/** Memory scrypt needs for N, r (128·N·r bytes) plus headroom; Node's default cap is 32 MiB. */
const maxmem = (N: number, r: number) => 128 * N * r * 2;

function scryptAsync(password: string, salt: Buffer, N: number, r: number, p: number, keyLength: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, keyLength, { N, r, p, maxmem: maxmem(N, r) }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** The line for ADMIN_PASSWORD_HASH: `scrypt$N$r$p$saltB64$hashB64`. Refuses a password under 12 characters. */
export async function hashPassword(password: string): Promise<string> {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new AppError('INPUT_INVALID', `the password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  const { N, r, p, keyLength, saltLength } = SCRYPT;
  const salt = randomBytes(saltLength);
  const key = await scryptAsync(password, salt, N, r, p, keyLength);
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** True when `password` matches `hash` (a `hashPassword` line); constant time in the comparison. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const m = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(hash);
  if (!m) return false;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // A power of two within reason: a config typo must not make each login allocate gigabytes.
  if (N < 2 || N > 2 ** 20 || (N & (N - 1)) !== 0 || r > 32 || p > 16) return false;
  const expected = Buffer.from(m[5]!, 'base64');
  if (expected.length < 16) return false;
  const key = await scryptAsync(password, Buffer.from(m[4]!, 'base64'), N, r, p, expected.length);
  return timingSafeEqual(key, expected);
}

/** Equal strings, compared in constant time (for CSRF tokens). */
export function safeEqual(a: string | undefined, b: string | undefined): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A logged-in operator. */
export interface Session {
  id: string;
  /** The hidden field every form of this session carries. */
  csrf: string;
  expiresAt: number;
}

/** How long a login lasts (the cookie's Max-Age). */
export const SESSION_SECONDS = 12 * 3600;

/**
 * Sessions in memory, keyed by a random 32-byte id; the cookie holds the id and an HMAC of it
 * under a key made at start-up, so a cookie altered by one byte is refused before any lookup.
 */
export class Sessions {
  private readonly sessions = new Map<string, Session>();
  private readonly key = randomBytes(32);

  constructor(private readonly now: () => Date) {}

  /** Starts a session; returns it and the cookie value. */
  create(): { session: Session; cookie: string } {
    this.prune();
    const id = randomBytes(32).toString('base64url');
    const session = { id, csrf: randomBytes(32).toString('base64url'), expiresAt: this.now().getTime() + SESSION_SECONDS * 1000 };
    this.sessions.set(id, session);
    return { session, cookie: `${id}.${this.sign(id)}` };
  }

  /** The live session a cookie names, or undefined (missing, forged, unknown, expired). */
  find(cookie: string | undefined): Session | undefined {
    const m = /^([A-Za-z0-9_-]{43})\.([A-Za-z0-9_-]{43})$/.exec(cookie ?? '');
    if (!m || !safeEqual(m[2], this.sign(m[1]!))) return undefined;
    const session = this.sessions.get(m[1]!);
    if (!session) return undefined;
    if (session.expiresAt <= this.now().getTime()) {
      this.sessions.delete(session.id);
      return undefined;
    }
    return session;
  }

  /** Ends a session (logout). */
  delete(id: string): void {
    this.sessions.delete(id);
  }

  private sign(id: string): string {
    return createHmac('sha256', this.key).update('paperboy/admin-session\0').update(id).digest('base64url');
  }

  private prune(): void {
    const now = this.now().getTime();
    for (const [id, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(id);
  }
}

/** The cookie that marks a browser that signed in before: see `login-limits.ts`. */
export const DEVICE_COOKIE = 'pb_admin_device';
/** How long a browser stays recognised after its last sign-in. */
export const DEVICE_SECONDS = 365 * 24 * 3600;

/**
 * A device cookie for a browser that just signed in: a random id and `mac(id)`. The MAC is keyed
 * with the installation's secret (not the sessions' per-process key), so a browser stays
 * recognised across restarts; the cookie grants nothing but its own failure count.
 */
export function newDevice(mac: (id: string) => string): { id: string; cookie: string } {
  const id = randomBytes(16).toString('base64url');
  return { id, cookie: `${id}.${mac(id)}` };
}

/** The device id a cookie proves, or undefined for a missing, forged or altered one. */
export function deviceOf(cookie: string | undefined, mac: (id: string) => string): string | undefined {
  const m = /^([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{8,64})$/.exec(cookie ?? '');
  return m && safeEqual(m[2], mac(m[1]!)) ? m[1] : undefined;
}
