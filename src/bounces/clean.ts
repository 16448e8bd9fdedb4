/**
 * What of a report may reach the store. Every field of a bounce event comes from outside (a
 * mailed report anyone can write, a provider's payload), so before the policy looks it up or
 * stores it: control characters (C0, DEL, C1) never pass (a NUL makes PostgreSQL refuse the whole
 * statement; an escape sequence would reach the operator's terminal through `status`), every
 * field has a length limit, and a field that is not what it claims to be (a status that is no
 * status code, an address with a control character in it) is dropped rather than repaired.
 *
 * And what an unmatched report may keep: it proves nothing about any reader, and `subscribers
 * forget` could never find it, so it keeps no address at all (see {@link withoutAddresses}).
 */
import { createHash } from 'node:crypto';
import { domainOf } from '../lib/email.js';
import type { BounceEvent } from '../domain.js';

/* eslint-disable no-control-regex -- stored report fields lose their control characters: matching them is the point */
/** C0 controls, DEL and C1 controls. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]+/g;
/* eslint-enable no-control-regex */
const STATUS = /^[245]\.\d{1,3}\.\d{1,3}$/;
/** A recipient domain as status and the overview show it: letters (any script), digits, dots, hyphens. */
const DOMAIN = /^[\p{L}\p{N}](?:[\p{L}\p{N}.-]{0,251}[\p{L}\p{N}])?$/u;
/** Longest external id kept as it is; a longer one (or one with controls) is kept as its hash. */
const MAX_EXTERNAL_ID = 255;
/** RFC 5321's limit on a path, and a generous one on a Message-ID. */
const MAX_ADDRESS = 254;
const MAX_MESSAGE_ID = 500;
const MAX_DIAGNOSTIC = 300;

/** A copy of `e` that is safe to look up and to store; see the file comment. */
export function cleanEvent(e: BounceEvent): BounceEvent {
  const out: BounceEvent = {
    type: e.type,
    source: e.source,
    externalId: cleanExternalId(e.externalId),
    occurredAt: cleanTime(e.occurredAt),
  };
  const recipient = field(e.recipient, MAX_ADDRESS);
  if (recipient && /^[^\s@]+@[^\s@]+$/.test(recipient)) out.recipient = recipient.toLowerCase();
  const verp = field(e.verpToken, 64);
  if (verp) out.verpToken = verp;
  const messageId = field(e.originalMessageId, MAX_MESSAGE_ID);
  if (messageId) out.originalMessageId = messageId;
  if (e.status && STATUS.test(e.status)) out.status = e.status;
  const diagnostic = flatten(e.diagnostic, MAX_DIAGNOSTIC);
  if (diagnostic) out.diagnostic = diagnostic;
  const feedbackType = flatten(e.feedbackType, 64);
  if (feedbackType) out.feedbackType = feedbackType.toLowerCase();
  return out;
}

/** The lower-cased domain of an address, when it looks like a host name; else null. */
export function cleanDomain(address: string | undefined): string | null {
  const domain = domainOf(address) ?? '';
  return DOMAIN.test(domain) ? domain : null;
}

/**
 * The event as an unmatched report keeps it: no address anywhere. The diagnostic's addresses
 * lose their local part (`550 5.1.1 <…@example.org>`: the domain is shown anyway), and the
 * external id (the report's own Message-ID, which a forger writes as they like) is kept as its
 * hash, still unique per report.
 */
export function withoutAddresses(e: BounceEvent): BounceEvent {
  const out: BounceEvent = { ...e, externalId: hashed(e.externalId) };
  delete out.recipient;
  if (out.diagnostic) out.diagnostic = out.diagnostic.replace(/[^\s<>"'(),;:[\]]+@(?=[^\s@])/g, '…@');
  return out;
}

/** The key an event is stored under: unique per source and report. */
export function eventKey(e: Pick<BounceEvent, 'source' | 'externalId'>): string {
  return `${e.source}:${e.externalId}`;
}

/** `sha256:HEX` of an external id; an id already in that form stays as it is. */
export function hashed(externalId: string): string {
  return externalId.startsWith('sha256:') ? externalId : `sha256:${createHash('sha256').update(externalId).digest('hex')}`;
}

function cleanExternalId(id: string): string {
  return typeof id === 'string' && id.length > 0 && id.length <= MAX_EXTERNAL_ID && !CONTROL.test(id) ? id : hashed(String(id));
}

/** A report's time, as an ISO string; an unparsable one (never written by our parsers) is now. */
function cleanTime(at: string): string {
  const ms = Date.parse(at);
  return new Date(Number.isFinite(ms) ? ms : Date.now()).toISOString();
}

/** An identifier: dropped when it holds a control character, white space, or is too long. */
function field(v: string | undefined, max: number): string | undefined {
  return typeof v === 'string' && v.length > 0 && v.length <= max && !CONTROL.test(v) && !/\s/.test(v) ? v : undefined;
}

/** Free text: control characters become spaces, on one line, at most `max` characters. */
function flatten(v: string | undefined, max: number): string | undefined {
  if (typeof v !== 'string') return undefined;
  const flat = v
    .slice(0, max * 4)
    .replace(CONTROLS, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat ? flat.slice(0, max) : undefined;
}
