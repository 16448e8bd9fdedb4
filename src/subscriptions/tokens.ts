/**
 * Opaque, purpose-bound tokens for links in emails (unsubscribe, preferences, confirm).
 *
 * A token is base64url of: purpose byte ‖ subscriber id (8 bytes) ‖ expiry (4 bytes, confirm
 * only) ‖ a 16-byte MAC. It carries no address, cannot be moved to another purpose, and has a
 * fixed length per purpose: the sender writes it into a prebuilt message in place of a
 * placeholder of the same length.
 *
 * The links every digest carries (unsubscribe, preferences) take the two halves of one
 * HMAC-SHA256(key, "paperboy/links" ‖ id): one HMAC per recipient instead of two, and each half is
 * an independent 128-bit MAC bound to its purpose. Confirm tokens MAC their own bytes, expiry
 * included.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors.js';

/** What a token is for; each purpose has its own byte and its own MAC domain. */
export type TokenPurpose = 'unsubscribe' | 'preferences' | 'confirm';

const PURPOSES: Record<TokenPurpose, { byte: number; expires: boolean; half?: 0 | 1 }> = {
  unsubscribe: { byte: 1, expires: false, half: 0 },
  preferences: { byte: 2, expires: false, half: 1 },
  confirm: { byte: 3, expires: true },
};
const MAC_BYTES = 16;

/**
 * What a per-paper link in a digest does: more or less like this (the ranking's signals), save
 * for later, follow the paper's authors. Each has its own byte; two purposes share one HMAC.
 */
export type PaperAction = 'more' | 'less' | 'save' | 'follow';
const PAPER_ACTIONS: Record<PaperAction, { byte: number; group: 0 | 1; half: 0 | 1 }> = {
  more: { byte: 4, group: 0, half: 0 },
  less: { byte: 5, group: 0, half: 1 },
  save: { byte: 6, group: 1, half: 0 },
  follow: { byte: 7, group: 1, half: 1 },
};
const ACTION_OF_BYTE = new Map(Object.entries(PAPER_ACTIONS).map(([action, spec]) => [spec.byte, action as PaperAction]));
/** Length in characters of every per-paper token: purpose ‖ reader (8 bytes) ‖ paper (8 bytes) ‖ MAC (16 bytes). */
export const PAPER_TOKEN_LENGTH = Math.ceil(((1 + 8 + 8 + 16) * 4) / 3);

const invalidToken = () => new AppError('TOKEN_INVALID', 'this link is invalid or has expired');

/** Length in characters of every token of this purpose. */
export function tokenLength(purpose: TokenPurpose): number {
  const bytes = 1 + 8 + (PURPOSES[purpose].expires ? 4 : 0) + MAC_BYTES;
  return Math.ceil((bytes * 4) / 3);
}

/** Signs and verifies tokens with one secret key. */
export class Tokens {
  constructor(private readonly key: string) {
    if (key.length < 32) throw new AppError('CONFIG_INVALID', 'config: SECRET_KEY must be at least 32 characters');
  }

  /** A token for `subscriberId`; `expiresAt` is required for purposes that expire. */
  sign(purpose: TokenPurpose, subscriberId: number, expiresAt?: Date): string {
    const spec = PURPOSES[purpose];
    const body = Buffer.alloc(1 + 8 + (spec.expires ? 4 : 0));
    body.writeUInt8(spec.byte, 0);
    body.writeBigUInt64BE(BigInt(subscriberId), 1);
    if (spec.expires) {
      if (!expiresAt) throw new Error(`a ${purpose} token needs an expiry`);
      body.writeUInt32BE(Math.floor(expiresAt.getTime() / 1000), 9);
    }
    return Buffer.concat([body, this.mac(purpose, body)]).toString('base64url');
  }

  /**
   * The subscriber id in a valid token of this purpose. Throws AppError('TOKEN_INVALID') for a
   * forged, truncated, expired or wrong-purpose token, without saying which.
   */
  verify(purpose: TokenPurpose, token: string, now = new Date()): number {
    const t = this.inspect(purpose, token);
    if (t.expiresAt && t.expiresAt.getTime() < now.getTime()) throw invalidToken();
    return t.id;
  }

  /**
   * Checks the MAC and purpose of a token but not its expiry, and says when it expires: an
   * expired confirm link can still offer to send a new one. Throws AppError('TOKEN_INVALID')
   * for a forged, truncated or wrong-purpose token.
   */
  inspect(purpose: TokenPurpose, token: string): { id: number; expiresAt?: Date } {
    const spec = PURPOSES[purpose];
    if (typeof token !== 'string' || token.length !== tokenLength(purpose) || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalidToken();
    const raw = Buffer.from(token, 'base64url');
    const body = raw.subarray(0, raw.length - MAC_BYTES);
    const mac = raw.subarray(raw.length - MAC_BYTES);
    if (!timingSafeEqual(mac, this.mac(purpose, body)) || body.readUInt8(0) !== spec.byte) throw invalidToken();
    const id = body.readBigUInt64BE(1);
    if (id > BigInt(Number.MAX_SAFE_INTEGER)) throw invalidToken();
    return spec.expires ? { id: Number(id), expiresAt: new Date(body.readUInt32BE(9) * 1000) } : { id: Number(id) };
  }

  /**
   * The tokens of one reader's links on one paper, for the price of one HMAC per pair of actions:
   * bound to (reader, paper, action), fixed length, no address in them.
   */
  paperTokens<A extends PaperAction>(subscriberId: number, paperSeq: number, actions: readonly A[]): Record<A, string> {
    const macs: (Buffer | undefined)[] = [undefined, undefined];
    const out = {} as Record<A, string>;
    for (const action of actions) {
      const spec = PAPER_ACTIONS[action];
      const mac = (macs[spec.group] ??= this.paperMac(spec.group, subscriberId, paperSeq));
      const token = Buffer.allocUnsafe(1 + 8 + 8 + MAC_BYTES);
      token.writeUInt8(spec.byte, 0);
      token.writeBigUInt64BE(BigInt(subscriberId), 1);
      token.writeBigUInt64BE(BigInt(paperSeq), 9);
      mac.copy(token, 17, spec.half * MAC_BYTES, (spec.half + 1) * MAC_BYTES);
      out[action] = token.toString('base64url');
    }
    return out;
  }

  /**
   * The reader, paper and action of a valid per-paper token. Throws AppError('TOKEN_INVALID') for
   * a forged, truncated or altered one (another reader's, another paper's, another action's), without saying which.
   */
  verifyPaperToken(token: string): { action: PaperAction; subscriberId: number; paperSeq: number } {
    if (typeof token !== 'string' || token.length !== PAPER_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalidToken();
    const raw = Buffer.from(token, 'base64url');
    const action = ACTION_OF_BYTE.get(raw.readUInt8(0));
    const subscriberId = raw.readBigUInt64BE(1);
    const paperSeq = raw.readBigUInt64BE(9);
    if (!action || subscriberId > BigInt(Number.MAX_SAFE_INTEGER) || paperSeq > BigInt(Number.MAX_SAFE_INTEGER)) throw invalidToken();
    const spec = PAPER_ACTIONS[action];
    const expected = this.paperMac(spec.group, Number(subscriberId), Number(paperSeq)).subarray(spec.half * MAC_BYTES, (spec.half + 1) * MAC_BYTES);
    if (!timingSafeEqual(raw.subarray(17), expected)) throw invalidToken();
    return { action, subscriberId: Number(subscriberId), paperSeq: Number(paperSeq) };
  }

  private paperMac(group: 0 | 1, subscriberId: number, paperSeq: number): Buffer {
    const ids = Buffer.allocUnsafe(17);
    ids.writeUInt8(group, 0);
    ids.writeBigUInt64BE(BigInt(subscriberId), 1);
    ids.writeBigUInt64BE(BigInt(paperSeq), 9);
    return createHmac('sha256', this.key).update('paperboy/paper\0').update(ids).digest();
  }

  /** The form token that goes with a CSRF cookie nonce (signed double submit). */
  csrf(nonce: string): string {
    return createHmac('sha256', this.key).update('paperboy/csrf\0').update(nonce).digest('base64url').slice(0, 22);
  }

  /** True when `token` is the form token of `nonce`; constant time. */
  checkCsrf(nonce: string | undefined, token: string | undefined): boolean {
    if (!nonce || !token || token.length !== 22) return false;
    return timingSafeEqual(Buffer.from(token), Buffer.from(this.csrf(nonce)));
  }

  /** A keyed hash of an address: lets an erased, suppressed address stay suppressed without keeping it. */
  emailHash(emailKey: string): string {
    return createHmac('sha256', this.key).update('paperboy/suppressed\0').update(emailKey).digest('base64url');
  }

  /**
   * A tag of this installation's key, the same for every message (computed once): it marks the
   * Message-IDs of confirmation and alert mail as ours. It is public (every message shows it), so
   * it proves nothing; digests use {@link messageId}.
   */
  get installTag(): string {
    this.#installTag ??= this.tag('message-id');
    return this.#installTag;
  }
  #installTag: string | undefined;

  /** Both link tokens of a subscriber, for the price of one HMAC. */
  linkTokens(subscriberId: number): { unsubscribe: string; preferences: string } {
    const mac = this.linksMac(subscriberId);
    const token = (purpose: TokenPurpose, half: number) => {
      const out = Buffer.allocUnsafe(1 + 8 + MAC_BYTES);
      out.writeUInt8(PURPOSES[purpose].byte, 0);
      out.writeBigUInt64BE(BigInt(subscriberId), 1);
      mac.copy(out, 9, half * MAC_BYTES, (half + 1) * MAC_BYTES);
      return out.toString('base64url');
    };
    return { unsubscribe: token('unsubscribe', 0), preferences: token('preferences', 1) };
  }

  /**
   * The VERP token of a delivery, for the return path `bounces+TOKEN@BOUNCE_DOMAIN`: the ledger
   * row's id (base 36) and a 64-bit HMAC of it, lower-case only (some servers lower-case local
   * parts). It names no address; a bounce to a forged token matches nothing.
   */
  verpToken(deliveryId: number): string {
    return `${deliveryId.toString(36)}-${this.verpMac(deliveryId)}`;
  }

  /** The delivery id in a valid VERP token, or undefined for a forged or garbled one. */
  verifyVerp(token: string): number | undefined {
    const m = /^([0-9a-z]{1,12})-([0-9a-f]{16})$/.exec(token.toLowerCase());
    if (!m) return undefined;
    const id = Number.parseInt(m[1]!, 36);
    if (!Number.isSafeInteger(id) || id <= 0) return undefined;
    return timingSafeEqual(Buffer.from(m[2]!), Buffer.from(this.verpMac(id))) ? id : undefined;
  }

  /**
   * The digest Message-ID of (issue, subscriber): `paperboy.ISSUE.SUBSCRIBER.MAC@domain`, where MAC
   * is an 80-bit HMAC of both ids in lower-case hex. Deterministic, so a resend carries the same
   * id; and unguessable, so a bounce or complaint that returns it proves it is about our message
   * to that reader. (The per-install tag it replaces was the same in every reader's copy: one
   * digest was enough to forge the Message-ID of anyone else's.) One HMAC per recipient.
   */
  messageId(issueId: number, subscriberId: number, domain: string): string {
    return `paperboy.${issueId}.${subscriberId}.${this.messageIdMac(issueId, subscriberId)}@${domain}`;
  }

  /**
   * The issue and subscriber a digest Message-ID (without angle brackets) names, when its MAC is
   * this installation's; undefined for any other id, a forged or an old-style one. Constant time.
   */
  verifyMessageId(id: string): { issueId: number; subscriberId: number } | undefined {
    const m = /^paperboy\.(\d{1,15})\.(\d{1,15})\.([0-9a-f]{20})@/i.exec(id);
    if (!m) return undefined;
    const issueId = Number(m[1]);
    const subscriberId = Number(m[2]);
    if (!Number.isSafeInteger(issueId) || !Number.isSafeInteger(subscriberId)) return undefined;
    const given = Buffer.from(m[3]!.toLowerCase());
    return timingSafeEqual(given, Buffer.from(this.messageIdMac(issueId, subscriberId))) ? { issueId, subscriberId } : undefined;
  }

  private messageIdMac(issueId: number, subscriberId: number): string {
    return createHmac('sha256', this.key).update(`paperboy/message-id\0${issueId}\0${subscriberId}`).digest('hex').slice(0, 20);
  }

  private verpMac(deliveryId: number): string {
    return createHmac('sha256', this.key).update(`paperboy/verp\0${deliveryId}`).digest('hex').slice(0, 16);
  }

  /** A short deterministic tag for `parts` (used in Message-IDs). */
  tag(...parts: (string | number)[]): string {
    return createHmac('sha256', this.key)
      .update(`paperboy/tag\0${parts.join('\0')}`)
      .digest('base64url')
      .slice(0, 12);
  }

  private mac(purpose: TokenPurpose, body: Buffer): Buffer {
    const half = PURPOSES[purpose].half;
    if (half !== undefined) {
      const mac = this.linksMac(Number(body.readBigUInt64BE(1)));
      return mac.subarray(half * MAC_BYTES, (half + 1) * MAC_BYTES);
    }
    return createHmac('sha256', this.key).update(`paperboy/${purpose}\0`).update(body).digest().subarray(0, MAC_BYTES);
  }

  private linksMac(subscriberId: number): Buffer {
    const id = Buffer.allocUnsafe(8);
    id.writeBigUInt64BE(BigInt(subscriberId));
    return createHmac('sha256', this.key).update('paperboy/links\0').update(id).digest();
  }
}
