/**
 * The DKIM checks of `paperboy doctor`: the record at `<selector>._domainkey.<domain>` exists,
 * is the only one, and its p= is the public half of the configured private key; the key is
 * large enough. The same for the optional Ed25519 key (RFC 8463), whose p= is the raw 32-byte
 * key rather than an SPKI structure.
 *
 * Keys are compared as SPKI DER after parsing both sides, so a record that carries the RSA key
 * as PKCS#1 (which some generators write and verifiers accept) still matches.
 */
import { type KeyObject, createHash, createPublicKey } from 'node:crypto';
import { dkimSettings, dkimSigner } from '../send/dkim-config.js';
import type { Config } from '../config.js';
import type { Dns } from './dns.js';
import { parseTags } from './dmarc.js';
import { type CheckResult, type RecordToPublish, check } from './report.js';

/** Below this many bits receivers ignore an RSA signature (RFC 8301 §3.2). */
const MIN_RSA_BITS = 1024;
/** Gmail and Yahoo ask for 2048. */
const GOOD_RSA_BITS = 2048;

/** A configured signing key, as the doctor needs it. */
interface ConfiguredKey {
  kind: 'rsa' | 'ed25519';
  domain: string;
  selector: string;
  publicKey: KeyObject;
}

/** The TXT record that publishes `key`: SPKI for RSA, the raw key for Ed25519 (RFC 8463 §4.2). */
export function dkimRecord(kind: 'rsa' | 'ed25519', publicKey: KeyObject): string {
  return `v=DKIM1; k=${kind}; p=${publicBytes(kind, publicKey).toString('base64')}`;
}

function publicBytes(kind: 'rsa' | 'ed25519', key: KeyObject): Buffer {
  if (kind === 'ed25519') return Buffer.from(key.export({ format: 'jwk' }).x!, 'base64url');
  return key.export({ type: 'spki', format: 'der' });
}

/** A short fingerprint of a public key, to tell two keys apart in a message. */
function fingerprint(key: KeyObject): string {
  return createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('base64')
    .slice(0, 16);
}

/** The published p= as a key, or a reason it is not one. */
function publishedKey(kind: 'rsa' | 'ed25519', p: string): KeyObject | string {
  const bytes = Buffer.from(p.replace(/\s+/g, ''), 'base64');
  if (kind === 'ed25519') {
    if (bytes.length === 44) return 'p= holds an SPKI structure (44 bytes): RFC 8463 wants the raw 32-byte key';
    if (bytes.length !== 32) return `p= is ${bytes.length} bytes, not the 32 of an Ed25519 key`;
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: bytes.toString('base64url') }, format: 'jwk' });
  }
  for (const type of ['spki', 'pkcs1'] as const) {
    try {
      return createPublicKey({ key: bytes, format: 'der', type });
    } catch {
      // try the next encoding
    }
  }
  return 'p= is not a readable RSA public key';
}

/** Compares the record at `<selector>._domainkey.<domain>` with the configured key. */
async function checkKey(dns: Dns, id: string, title: string, key: ConfiguredKey): Promise<CheckResult> {
  const name = `${key.selector}._domainkey.${key.domain}`;
  const publish: RecordToPublish = { name, type: 'TXT', value: dkimRecord(key.kind, key.publicKey) };
  const bits = key.kind === 'rsa' ? (key.publicKey.asymmetricKeyDetails?.modulusLength ?? 0) : 256;
  const label = key.kind === 'rsa' ? `RSA ${bits}-bit` : 'Ed25519';
  if (key.kind === 'rsa' && bits < MIN_RSA_BITS) {
    return check(id, title, 'fail', `the configured key is ${bits} bits: receivers ignore DKIM signatures with keys under ${MIN_RSA_BITS} bits (RFC 8301)`, {
      fix: `make a ${GOOD_RSA_BITS}-bit key (openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:${GOOD_RSA_BITS} -out dkim.pem), point DKIM_PRIVATE_KEY_FILE at it and publish its record at ${name}`,
    });
  }
  const found = await dns.txt(name);
  if (!found.ok)
    return check(id, title, 'fail', `could not be decided: ${found.error}`, { fix: 'check DNS_SERVERS (or the system resolver) and run the doctor again' });
  const records = found.records.filter((r) => /(^|;)\s*p\s*=/i.test(r));
  if (records.length === 0) {
    return check(id, title, 'fail', `no DKIM key record at ${name}: receivers cannot verify the signature`, { fix: `publish this TXT record at ${name}:`, publish });
  }
  if (records.length > 1) {
    return check(id, title, 'fail', `${records.length} DKIM key records at ${name}: verifiers may pick either`, { fix: `keep only this one at ${name}:`, publish });
  }
  const tags = parseTags(records[0]!);
  const v = tags.get('v');
  if (v !== undefined && v !== 'DKIM1') return check(id, title, 'fail', `${name}: v=${v} is not DKIM1`, { fix: `replace the record at ${name} with:`, publish });
  const k = (tags.get('k') ?? 'rsa').toLowerCase();
  if (k !== key.kind) {
    const why = tags.has('k') ? `k=${k}` : 'no k= (verifiers then read it as rsa)';
    return check(id, title, 'fail', `${name} has ${why}, but the configured key is ${label}`, { fix: `replace the record at ${name} with:`, publish });
  }
  const p = tags.get('p') ?? '';
  if (!p) return check(id, title, 'fail', `${name} has an empty p=: the key is revoked`, { fix: `publish the configured key at ${name}:`, publish });
  const published = publishedKey(key.kind, p);
  if (typeof published === 'string') return check(id, title, 'fail', `${name}: ${published}`, { fix: `replace the record at ${name} with:`, publish });
  const same = publicBytes('rsa', published).equals(publicBytes('rsa', key.publicKey));
  if (!same) {
    const pubBits = key.kind === 'rsa' ? ` ${published.asymmetricKeyDetails?.modulusLength ?? '?'}-bit` : '';
    return check(
      id,
      title,
      'fail',
      `${name} publishes another key (${key.kind.toUpperCase()}${pubBits}, fingerprint ${fingerprint(published)}) than the configured one (${label}, ${fingerprint(key.publicKey)}): every signature fails`,
      {
        fix: `replace the record at ${name} with the configured key's:`,
        publish,
      },
    );
  }
  if (
    tags
      .get('t')
      ?.split(':')
      .some((f) => f.trim() === 'y')
  ) {
    return check(id, title, 'warn', `${name} matches the configured key (${label}) but has t=y (testing): receivers may treat signed mail as unsigned`, {
      fix: `drop t=y from the record at ${name}:`,
      publish,
    });
  }
  if (key.kind === 'rsa' && bits < GOOD_RSA_BITS) {
    return check(id, title, 'warn', `${name} matches the configured key, but it is ${bits} bits: Gmail and Yahoo ask for ${GOOD_RSA_BITS}`, {
      fix: `make a ${GOOD_RSA_BITS}-bit key (openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:${GOOD_RSA_BITS} -out dkim.pem) and publish its record (a new selector lets both keys coexist during the change)`,
    });
  }
  return check(id, title, 'pass', `${name} publishes the configured key (${label})`);
}

/** The RSA key line: DKIM_DOMAIN, DKIM_SELECTOR and the key, read as the sender reads them (`dkimSettings`). */
export async function checkDkim(config: Config, dns: Dns): Promise<CheckResult> {
  if (!config.DKIM_DOMAIN || !config.DKIM_SELECTOR) {
    return check('dkim', 'DKIM', 'skip', 'DKIM_DOMAIN not set: mail goes out unsigned (Gmail and Yahoo require DKIM from bulk senders)');
  }
  let key: KeyObject;
  try {
    key = createPublicKey(dkimSettings(config)!.privateKey);
  } catch (err) {
    return check('dkim', 'DKIM', 'fail', (err as Error).message, { fix: 'set DKIM_PRIVATE_KEY_FILE to a readable PEM RSA private key' });
  }
  return checkKey(dns, 'dkim', 'DKIM', { kind: 'rsa', domain: config.DKIM_DOMAIN, selector: config.DKIM_SELECTOR, publicKey: key });
}

/**
 * The optional Ed25519 line (DKIM_ED25519_SELECTOR and DKIM_ED25519_PRIVATE_KEY(_FILE)), the key
 * taken from the digest's signer (`dkimSigner`), which reads it as sending does.
 */
export async function checkDkimEd25519(config: Config, dns: Dns): Promise<CheckResult> {
  const id = 'dkim-ed25519';
  const title = 'DKIM Ed25519';
  if (!config.DKIM_ED25519_SELECTOR) return check(id, title, 'skip', 'DKIM_ED25519_SELECTOR not set (an optional second signature, RFC 8463)');
  if (!config.DKIM_DOMAIN || !config.DKIM_SELECTOR) {
    return check(id, title, 'fail', 'DKIM_ED25519_SELECTOR is set but DKIM_DOMAIN is not: nothing is signed', {
      fix: 'set DKIM_DOMAIN, DKIM_SELECTOR and the RSA key (receivers that do not know Ed25519 need the RSA signature)',
    });
  }
  try {
    dkimSettings(config);
  } catch {
    return check(id, title, 'skip', 'not checked: the RSA key cannot be read (see the DKIM line), and the Ed25519 key is only used beside it');
  }
  let key: KeyObject | undefined;
  try {
    key = dkimSigner(config, () => new Date())?.keys.find((k) => k.key.asymmetricKeyType === 'ed25519')?.key;
  } catch (err) {
    return check(id, title, 'fail', (err as Error).message, {
      fix: 'set DKIM_ED25519_PRIVATE_KEY_FILE to a PEM Ed25519 private key (openssl genpkey -algorithm ed25519 -out dkim-ed25519.pem)',
    });
  }
  if (!key) return check(id, title, 'fail', 'the signer has no Ed25519 key', { fix: 'set DKIM_ED25519_PRIVATE_KEY_FILE' });
  return checkKey(dns, id, title, { kind: 'ed25519', domain: config.DKIM_DOMAIN, selector: config.DKIM_ED25519_SELECTOR, publicKey: createPublicKey(key) });
}
