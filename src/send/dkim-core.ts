/**
 * The per-recipient half of DKIM signing (RFC 6376 relaxed/relaxed, RFC 8463 Ed25519): continue the
 * body hash, canonicalise the header, sign once per key. It runs on the main thread and, for
 * speed, in worker threads (`dkim-pool.ts`), from one implementation: {@link dkimCore} is
 * self-contained (no imports, no module-scope names; node:crypto comes in as an argument) so that
 * its source, `dkimCore.toString()`, is the code the worker evaluates.
 */
import type { KeyObject } from 'node:crypto';

type Crypto = typeof import('node:crypto');

/** Header fields signed when present (h=): what a receiver needs to trust, including RFC 8058's pair. */
export const SIGNED_HEADERS = [
  'from',
  'to',
  'subject',
  'date',
  'message-id',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'list-unsubscribe',
  'list-unsubscribe-post',
  'feedback-id',
] as const;

/** One signing key: RSA (rsa-sha256) or Ed25519 (ed25519-sha256). */
export interface DkimKey {
  domain: string;
  selector: string;
  key: KeyObject;
}

/**
 * Everything about one variant that a signer needs, computed once on the main thread and
 * structured-cloneable (a worker receives it once per variant; KeyObjects clone across threads).
 */
export interface VariantSpec {
  keys: DkimKey[];
  /** t= of every signature of the variant. */
  time: number;
  /** The canonical body before the first per-recipient value. */
  prefix: Uint8Array;
  /** The canonical body from the first per-recipient value on: static bytes, null where a value goes. */
  rest: (Uint8Array | null)[];
}

/** One recipient's copy as the signer needs it: small strings (latin1, one char per byte). */
export interface SignRequest {
  /** The header section as written, through the blank line. */
  head: string;
  /** The per-recipient values that follow `prefix` in the body, in order (hashed as they are). */
  values: string[];
}

/** A variant ready to sign: its spec and the body hash state after the prefix. */
export interface Variant {
  spec: VariantSpec;
  prefix: ReturnType<Crypto['createHash']>;
}

/** The signing functions, given node:crypto and the h= list. Must stay self-contained (see above). */
export function dkimCore(crypto: Crypto, signedHeaders: readonly string[]) {
  /** The signed header fields in relaxed canonical form (RFC 6376 §3.4.2), and their names for h=. */
  function canonicalHeaders(head: string): { names: string; canonical: string } {
    const fields = new Map<string, string>();
    // One field per line that does not start with whitespace; the last instance of a name wins (signed bottom-up).
    for (const field of head.split(/\r\n(?![ \t])/)) {
      const colon = field.indexOf(':');
      if (colon <= 0) continue;
      const name = field.slice(0, colon).trim().toLowerCase();
      if (!signedHeaders.includes(name)) continue;
      const value = field
        .slice(colon + 1)
        .replace(/\r\n/g, '')
        .replace(/[ \t]+/g, ' ')
        .trim();
      fields.set(name, `${name}:${value}\r\n`);
    }
    const names = signedHeaders.filter((n) => fields.has(n));
    return { names: names.join(':'), canonical: names.map((n) => fields.get(n)).join('') };
  }

  /** Hashes the variant's prefix once; every copy continues from a copy of that state. */
  function variant(spec: VariantSpec): Variant {
    return { spec, prefix: crypto.createHash('sha256').update(spec.prefix) };
  }

  /** The DKIM-Signature header lines (one per key, CRLF-terminated) for one copy. */
  function sign(v: Variant, req: SignRequest): string {
    const hash = v.prefix.copy();
    let k = 0;
    for (const piece of v.spec.rest) {
      if (piece) hash.update(piece);
      else if (k < req.values.length) hash.update(req.values[k++]!, 'latin1');
      else throw new Error('DKIM: fewer per-recipient values than the variant has slots');
    }
    if (k !== req.values.length) throw new Error('DKIM: more per-recipient values than the variant has slots');
    const bh = hash.digest('base64');
    const { names, canonical } = canonicalHeaders(req.head);
    let out = '';
    for (const k of v.spec.keys) {
      const ed = k.key.asymmetricKeyType === 'ed25519';
      const tags = `v=1; a=${ed ? 'ed25519-sha256' : 'rsa-sha256'}; c=relaxed/relaxed; d=${k.domain}; s=${k.selector}; t=${v.spec.time}; h=${names}; bh=${bh}; b=`;
      const data = Buffer.from(`${canonical}dkim-signature:${tags}`, 'latin1');
      // RFC 8463: Ed25519 signs the SHA-256 hash of the data (PureEdDSA over the digest).
      const b = (ed ? crypto.sign(null, crypto.createHash('sha256').update(data).digest(), k.key) : crypto.sign('sha256', data, k.key)).toString('base64');
      // Folded at the tag separators: relaxed canonicalisation unfolds it to exactly `tags`.
      out += `DKIM-Signature: ${tags.replace(/; (?=[a-z]+=)/g, ';\r\n\t')}${b}\r\n`;
    }
    return out;
  }

  return { variant, sign };
}

/** The signing functions of {@link dkimCore}. */
export type DkimCore = ReturnType<typeof dkimCore>;
