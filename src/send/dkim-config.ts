/**
 * DKIM keys from the configuration: the RSA key (nodemailer's settings, for single mails) and the
 * digest's signer with the RSA key and, optionally, an Ed25519 key beside it.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { DkimSigner, dkimKey } from './dkim.js';
import type { DkimSettings } from './smtp-pool.js';

/** DKIM settings from the config, the key read from DKIM_PRIVATE_KEY_FILE when given. */
export function dkimSettings(config: Config): DkimSettings | undefined {
  if (!config.DKIM_DOMAIN || !config.DKIM_SELECTOR) return undefined;
  const privateKey = readKey(config, 'DKIM_PRIVATE_KEY', config.DKIM_PRIVATE_KEY, config.DKIM_PRIVATE_KEY_FILE);
  // nodemailer signs rsa-sha256 and sends a message unsigned if signing fails: check the key now.
  const type = keyType(privateKey, 'DKIM private key');
  if (type !== 'rsa') throw new AppError('CONFIG_INVALID', `config: DKIM private key must be an RSA key (got ${type ?? 'unknown'})`);
  return { domainName: config.DKIM_DOMAIN, keySelector: config.DKIM_SELECTOR, privateKey };
}

/**
 * The digest's signer: the RSA key, and the Ed25519 key beside it when DKIM_ED25519_SELECTOR is
 * set (RFC 8463: receivers that do not know Ed25519 ignore that signature and check the RSA one).
 */
export function dkimSigner(config: Config, now: () => Date): DkimSigner | undefined {
  const rsa = dkimSettings(config);
  if (!rsa) return undefined;
  const keys = [dkimKey(rsa.domainName, rsa.keySelector, rsa.privateKey)];
  if (config.DKIM_ED25519_SELECTOR) {
    const pem = readKey(config, 'DKIM_ED25519_PRIVATE_KEY', config.DKIM_ED25519_PRIVATE_KEY, config.DKIM_ED25519_PRIVATE_KEY_FILE);
    const type = keyType(pem, 'DKIM Ed25519 private key');
    if (type !== 'ed25519') throw new AppError('CONFIG_INVALID', `config: DKIM_ED25519_PRIVATE_KEY must be an Ed25519 key (got ${type ?? 'unknown'})`);
    keys.push(dkimKey(rsa.domainName, config.DKIM_ED25519_SELECTOR, pem));
  }
  return new DkimSigner(keys, now);
}

function readKey(config: Config, name: string, inline: string | undefined, file: string | undefined): string {
  const pem = inline?.replace(/\\n/g, '\n');
  if (pem) return pem;
  if (!file) throw new AppError('CONFIG_INVALID', `config: ${name} (or ${name}_FILE) is not set`);
  try {
    return readFileSync(path.resolve(config.cwd, file), 'utf8');
  } catch {
    throw new AppError('CONFIG_INVALID', `config: ${name}_FILE cannot be read`);
  }
}

function keyType(pem: string, what: string): string | undefined {
  try {
    return createPrivateKey(pem).asymmetricKeyType;
  } catch {
    throw new AppError('CONFIG_INVALID', `config: ${what} is not a readable PEM private key`);
  }
}
