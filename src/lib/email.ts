/**
 * Email addresses: what Paperboy accepts from a reader, the key that makes them unique regardless
 * of case, the mailbox form of MAIL_FROM (`Name <a@b>`), and the domain of an address. An
 * accepted address is ASCII (an internationalised domain is stored in its punycode form), at
 * most 254 characters, and can never carry CR, LF or NUL into a header.
 */
import { domainToASCII } from 'node:url';
import { z } from 'zod';
import { AppError } from '../errors.js';

const html5Email = z.regexes.html5Email;

/** Returns the normalised address, or throws AppError('EMAIL_INVALID') saying why. */
export function normalizeEmail(input: string): string {
  const raw = input.trim();
  const shown = JSON.stringify(raw.length > 80 ? `${raw.slice(0, 80)}…` : raw);
  const bad = (why: string): never => {
    throw new AppError('EMAIL_INVALID', `invalid email address ${shown}: ${why}`);
  };
  if (raw === '') bad('empty');
  if (/[\r\n\0]/.test(raw)) bad('contains a line break or NUL');
  if (/\s/.test(raw)) bad('contains a space');
  const at = raw.lastIndexOf('@');
  if (at < 1 || at === raw.length - 1) bad('expected local-part@domain');
  const local = raw.slice(0, at);
  if (local.includes('@')) bad('more than one @');
  const domainRaw = raw.slice(at + 1);
  if (/[^\x21-\x7e]/.test(local)) bad('the part before @ must be plain ASCII');
  const domain = domainToASCII(domainRaw.toLowerCase());
  if (!domain) bad('the domain is not valid');
  if (!domain.includes('.') || domain.endsWith('.')) bad('the domain needs a dot, as in example.org');
  const address = `${local}@${domain}`;
  if (address.length > 254) bad('longer than 254 characters');
  if (local.length > 64) bad('the part before @ is longer than 64 characters');
  if (!html5Email.test(address) || local.startsWith('.') || local.endsWith('.') || local.includes('..')) {
    bad('not a valid address');
  }
  return address;
}

/** The uniqueness key: the address in lower case, so A@Example.org and a@example.org are one person. */
export function emailKey(address: string): string {
  return address.trim().toLowerCase();
}

/** The address part of MAIL_FROM-style strings: `Name <a@b>` or `a@b`; null when malformed. */
export function parseMailbox(value: string): { name: string; address: string } | null {
  const m = /^\s*(?:"?([^"<>]*?)"?\s*)?<([^<>\s]+@[^<>\s]+)>\s*$/.exec(value) ?? /^\s*()([^<>\s"]+@[^<>\s"]+)\s*$/.exec(value);
  if (!m) return null;
  return { name: (m[1] ?? '').trim(), address: m[2]! };
}

/** The lower-cased domain of an address (after its last @), or null when it has no local part and @. */
export function domainOf(address: string | undefined): string | null {
  const at = address?.lastIndexOf('@') ?? -1;
  return at > 0 ? address!.slice(at + 1).toLowerCase() : null;
}
