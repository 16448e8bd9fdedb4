/**
 * DKIM signing at wire speed (RFC 6376, relaxed/relaxed; RFC 8463 for Ed25519).
 *
 * Every recipient of a variant gets the same message but for a few short fields (the address,
 * the Message-ID, two link tokens), so the work that does not depend on the recipient is done
 * once per variant: the body's static pieces are canonicalised once, and the body hash of
 * everything before the first per-recipient field is computed once and continued per recipient
 * from a copy of the hash state (`Hash#copy`). Per recipient there is left: hashing the rest of
 * the body, canonicalising about a dozen header lines, and one signature per key.
 *
 * Canonicalising a static piece alone is exact because the per-recipient values never hold
 * whitespace or line breaks of their own and are never empty: whitespace at the end of a piece
 * that a value follows is inside a line (one space), not at its end; whitespace at the start of
 * a piece after a value is collapsed like any other. Quoted-printable soft breaks inside a value
 * ("=\r\n") end a line with "=", never with whitespace.
 *
 * The per-recipient work (nearly all of it the RSA signature) runs in worker threads when there
 * are cores to spare (`dkim-pool.ts`), from the same code as on the main thread (`dkim-core.ts`).
 */
import * as crypto from 'node:crypto';
import type { Worker } from 'node:worker_threads';
import { type DkimKey, SIGNED_HEADERS, type SignRequest, type Variant, type VariantSpec, dkimCore } from './dkim-core.js';
import { DkimPool, defaultDkimThreads } from './dkim-pool.js';

// Re-exported: callers know the signer by this module.
export { type DkimKey, SIGNED_HEADERS };

/** The main thread's copy of the signing functions (the threads evaluate the same source). */
const core = dkimCore(crypto, SIGNED_HEADERS);

/** Reads a PEM private key for DKIM; RSA or Ed25519. Throws on anything else. */
export function dkimKey(domain: string, selector: string, pem: string): DkimKey {
  const key = crypto.createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'ed25519') {
    throw new Error(`a DKIM key must be RSA or Ed25519 (got ${key.asymmetricKeyType ?? 'unknown'})`);
  }
  return { domain, selector, key };
}

/**
 * Signs prepared variants with one or more keys (RSA first, then Ed25519: RFC 8463 §5 suggests
 * both). Owns the signing threads: they start on the first threaded request and end with
 * {@link DkimSigner.close}; with `threads` 0 everything is signed on the calling thread.
 */
export class DkimSigner {
  private pool: DkimPool | undefined;
  private closed = false;
  private variants = 0;

  constructor(
    readonly keys: DkimKey[],
    private readonly now: () => Date = () => new Date(),
    /** Worker threads for signing; 0: sign on the calling thread. */
    readonly threads: number = defaultDkimThreads(),
  ) {
    if (keys.length === 0) throw new Error('DkimSigner needs a key');
    if (!Number.isInteger(threads) || threads < 0) throw new Error('DkimSigner threads must be a whole number ≥ 0');
  }

  /**
   * Prepares one variant: `pieces` is the whole message in order, a Buffer for each static piece
   * and null where a per-recipient value goes. Throws when the header/body boundary is not in a
   * static piece (the composer always puts it there).
   */
  prepare(pieces: (Buffer | null)[]): PreparedDkim {
    return new PreparedDkim(this.keys, pieces, Math.floor(this.now().getTime() / 1000), ++this.variants, () => this.threadPool());
  }

  /** The live signing threads, for tests and diagnostics. */
  get workers(): readonly Worker[] {
    return this.pool?.workers ?? [];
  }

  /** Ends the signing threads (what they owed rejects); later signing happens on the calling thread. */
  async close(): Promise<void> {
    this.closed = true;
    const pool = this.pool;
    this.pool = undefined;
    await pool?.close();
  }

  private threadPool(): DkimPool | undefined {
    if (this.closed || this.threads === 0) return undefined;
    this.pool ??= new DkimPool(this.threads);
    return this.pool.usable ? this.pool : undefined;
  }
}

/** One copy's DKIM-Signature lines on their way (see {@link PreparedDkim.signMany}). */
export interface PendingSignature {
  promise: Promise<Buffer>;
  /** True when no thread had started on the copy: the caller signs it (`sign`), the promise never settles. */
  takeOver(): boolean;
}

/** One variant, ready to sign per recipient. */
export class PreparedDkim {
  /** Index of the static piece holding the blank line between header and body, and the body's offset in it. */
  private readonly boundary: { piece: number; offset: number };
  /** Index of the first per-recipient value after the boundary (the body hash is shared up to it). */
  private readonly firstSlot: number;
  private readonly spec: VariantSpec;
  private readonly variant: Variant;

  constructor(
    keys: DkimKey[],
    pieces: (Buffer | null)[],
    time: number,
    /** Names the variant to the signing threads. */
    private readonly id: number,
    private readonly pool: () => DkimPool | undefined,
  ) {
    const piece = pieces.findIndex((p) => p !== null && p.includes('\r\n\r\n'));
    const at = piece >= 0 ? pieces[piece]!.indexOf('\r\n\r\n') : -1;
    if (piece < 0 || pieces.slice(0, piece).some((p) => p !== null && p.includes('\r\n\r\n'))) throw new Error('no header/body boundary in a static piece');
    this.boundary = { piece, offset: at + 4 };
    const last = pieces.length - 1;
    if (pieces[last] === null) throw new Error('the message must end with a static piece');
    const canonical = pieces.map((p, i) => {
      if (i < piece || p === null) return null;
      const bytes = i === piece ? p.subarray(at + 4) : p;
      return canonicalBody(bytes.toString('latin1'), i === last);
    });
    let i = piece;
    while (i < pieces.length && pieces[i] !== null) i++;
    this.firstSlot = i;
    this.spec = { keys, time, prefix: Buffer.concat(canonical.slice(piece, i) as Buffer[]), rest: canonical.slice(i) };
    this.variant = core.variant(this.spec);
  }

  /**
   * The DKIM-Signature header lines (one per key, CRLF-terminated) for one recipient's copy,
   * given as the same pieces with the values filled in. Signs on the calling thread.
   */
  sign(parts: Buffer[]): Buffer {
    return Buffer.from(core.sign(this.variant, this.request(parts)), 'latin1');
  }

  /**
   * The same for several copies, in the signing threads when there are any (one message for all
   * of them). Each copy's signature either arrives (`promise`, rejecting with an Error when that
   * copy cannot be signed) or, while no thread has started on it, can be taken back with
   * `takeOver()` and signed here instead of waiting.
   */
  signMany(copies: Buffer[][]): PendingSignature[] {
    const pool = this.pool();
    if (!pool) return copies.map((parts) => ({ promise: new Promise<Buffer>((resolve) => resolve(this.sign(parts))), takeOver: () => false }));
    const out: PendingSignature[] = [];
    const requests: SignRequest[] = [];
    const at: number[] = [];
    copies.forEach((parts, i) => {
      try {
        requests.push(this.request(parts));
        at.push(i);
      } catch (err) {
        out[i] = { promise: Promise.reject(err), takeOver: () => false };
      }
    });
    pool.sign({ id: this.id, spec: this.spec }, requests).forEach((job, k) => {
      out[at[k]!] = { promise: job.promise.then((lines) => Buffer.from(lines, 'latin1')), takeOver: job.takeOver };
    });
    return out;
  }

  /** The small strings a signer needs of one copy: the header section, and the body's values. */
  private request(parts: Buffer[]): SignRequest {
    const { piece, offset } = this.boundary;
    const head = Buffer.concat([...parts.slice(0, piece), parts[piece]!.subarray(0, offset)]).toString('latin1');
    const values: string[] = [];
    for (let i = this.firstSlot; i < parts.length; i++) if (this.spec.rest[i - this.firstSlot] === null) values.push(parts[i]!.toString('latin1'));
    return { head, values };
  }
}

/** Relaxed body canonicalisation of one static piece (RFC 6376 §3.4.4); `last`: it ends the body. */
function canonicalBody(s: string, last: boolean): Buffer {
  let out = s.replace(/[ \t]+/g, ' ').replace(/ \r\n/g, '\r\n');
  if (last) {
    // Trailing whitespace of the last line, empty lines at the end of the body; then exactly one CRLF.
    out = out.replace(/ $/, '').replace(/(?:\r\n)+$/, '');
    if (out.length > 0) out += '\r\n';
  }
  return Buffer.from(out, 'latin1');
}
