/**
 * Reading a provider's payload, shared by the provider modules: constant-time secrets, JSON
 * narrowing, and the cleaning every field from outside goes through before it becomes part of a
 * `BounceEvent` (addresses, Message-IDs, one-line diagnostics, status codes, times), with the
 * bounce class corrected by the one refusal table every path shares.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { classifyRefusal } from '../../bounces/refusals.js';
import type { EventType } from '../../domain.js';
import { oneLine } from '../../errors.js';

/**
 * Equality of two secrets in constant time: both are hashed first, so the compare never depends
 * on (or leaks) the length of the expected value.
 */
export function secretEquals(given: string | Buffer, expected: string | Buffer): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The body as JSON, or undefined when it is not UTF-8 JSON (a malformed request). */
export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return undefined;
  }
}

/** A plain JSON object (not an array or null), for narrowing parsed payloads. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A non-empty string field, else undefined. */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** The address of `a@b`, `<a@b>` or `"Name" <a@b>`, lower-cased; undefined when none is there. */
export function cleanAddress(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const inner = /<([^<>]*)>\s*$/.exec(v)?.[1] ?? v;
  const addr = inner.trim().toLowerCase();
  return /^[^\s@<>"]+@[^\s@<>"]+$/.test(addr) ? addr : undefined;
}

/** A Message-ID without its angle brackets; undefined when empty or unsafe. */
export function cleanMessageId(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const id = v.trim().replace(/^<|>$/g, '').trim();
  return id && !/[\s<>]/.test(id) ? id : undefined;
}

/** The longest diagnostic an event keeps (the event's contract). */
const MAX_DIAGNOSTIC = 300;

/** The report's one-line explanation, at most 300 characters (the event's contract). */
export function diagnosticText(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const line = oneLine(v).replace(/\s+/g, ' ');
  return line ? line.slice(0, MAX_DIAGNOSTIC) : undefined;
}

/** An enhanced status code (RFC 3463) given as such, else the first one in the text. */
export function statusCode(given: unknown, text?: string): string | undefined {
  if (typeof given === 'string' && /^[245]\.\d{1,3}\.\d{1,3}$/.test(given.trim())) return given.trim();
  return text ? /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(text)?.[1] : undefined;
}

/** An ISO 8601 time from a provider's timestamp, else `fallback`'s. */
export function isoTime(v: unknown, fallback: Date): string {
  const t = typeof v === 'string' ? Date.parse(v) : Number.NaN;
  return new Date(Number.isFinite(t) ? t : fallback.getTime()).toISOString();
}

/**
 * A provider's bounce class, corrected by the one refusal table every path shares
 * (`bounces/refusals.ts`): a refusal of the *sender* (5.7.x policy, reputation, DMARC, a
 * blocklist) never suppresses the reader, a full mailbox is soft even when the provider calls it
 * permanent, and a provider's "permanent" that the table reads as neither recipient nor sender
 * stays the provider's call.
 */
export function refineBounce(type: EventType, status: string | undefined, diagnostic: string | undefined): EventType {
  if (type === 'complaint' || type === 'sender-refusal') return type;
  const r = classifyRefusal({ text: diagnostic ?? '', ...(status ? { status } : {}) });
  if (r.class === 'sender') return 'sender-refusal';
  if (r.class === 'mailbox-full') return 'soft-bounce';
  return type;
}
