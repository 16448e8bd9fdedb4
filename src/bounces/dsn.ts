/**
 * Reading delivery reports: the fields of an RFC 3464 delivery-status part, and, for the many
 * servers that send no such part (Exim, Gmail, qmail, broken MIME), a few general patterns over
 * the human-readable text. mailparser finds the parts; this file reads what is inside them.
 */
import { extractEnhancedStatus, extractReplyCode } from './refusals.js';

/** One field of a header block or of a DSN/ARF field group: name lower-cased, value unfolded. */
export interface Field {
  name: string;
  value: string;
}

/** What a bounce says about one delivery, before the refusal is classified. */
export type BounceReading = { kind: 'failed'; recipient?: string; status?: string; diagnostic?: string; date?: string } | { kind: 'not-failed'; reason: string };

/**
 * The blank-line separated field groups of a header-like text (a delivery-status body, a
 * feedback report, a returned header block; RFC 3464 §2.1 and RFC 5965 share the syntax).
 * Lenient: lines that are not fields are skipped. Strict: reading stops at the first group that
 * holds one, which lets a caller read fields embedded in free text without running into prose.
 */
export function readFieldGroups(text: string, strict = false): Field[][] {
  const groups: Field[][] = [];
  let group: Field[] = [];
  let prose = false;
  for (const line of text.split(/\r?\n/).slice(0, 2000)) {
    if (line.trim() === '') {
      if (prose && strict) break;
      if (group.length) groups.push(group);
      group = [];
      prose = false;
      continue;
    }
    const last = group[group.length - 1];
    const field = /^([!-9;-~]+):[ \t]*(.*)$/.exec(line);
    if (/^[ \t]/.test(line) && last) last.value = `${last.value} ${line.trim()}`.trim();
    else if (field) group.push({ name: field[1]!.toLowerCase(), value: field[2]!.trim() });
    else prose = true;
  }
  if (group.length && !(prose && strict)) groups.push(group);
  return groups;
}

/** The first value of a field in a group, if any. */
export function field(group: readonly Field[], name: string): string | undefined {
  return group.find((f) => f.name === name)?.value || undefined;
}

/** An address from a DSN/ARF address field ("rfc822; <X@Example.org>" → "x@example.org"). */
export function addressOf(value: string | undefined): string | undefined {
  const m = value ? /([^\s<>;:"(),]+@[^\s<>;:"(),]+\.[^\s<>;:"(),]+)/.exec(value.slice(0, 1000)) : null;
  return m ? m[1]!.replace(/\.$/, '').toLowerCase() : undefined;
}

/**
 * The verdict of RFC 3464 delivery-status fields: the first recipient whose Action is "failed"
 * (a recipient without Action counts as failed unless its Status is 2.x.x), or why nothing
 * failed (delayed, delivered, relayed, expanded). Undefined when there are no recipient fields.
 */
export function readDeliveryStatus(groups: readonly Field[][]): BounceReading | undefined {
  const perRecipient = groups.filter((g) => ['final-recipient', 'original-recipient', 'action', 'status'].some((n) => field(g, n)));
  if (perRecipient.length === 0) return undefined;
  const arrival = groups.map((g) => field(g, 'arrival-date')).find(Boolean);
  const failed = perRecipient.find((g) => {
    const action = field(g, 'action')?.toLowerCase();
    // "failure" and "failed (reason)" are written too.
    return action ? action.startsWith('fail') : !field(g, 'status')?.startsWith('2');
  });
  if (!failed) {
    const actions = [...new Set(perRecipient.map((g) => field(g, 'action')?.toLowerCase() ?? 'unknown'))];
    return { kind: 'not-failed', reason: `delivery report says ${actions.join(', ')}, not failed` };
  }
  // Original-Recipient is the address as we sent it (ORCPT); Final-Recipient may be an alias.
  const recipient = addressOf(field(failed, 'original-recipient')) ?? addressOf(field(failed, 'final-recipient'));
  const diagnostic = field(failed, 'diagnostic-code')?.replace(/^[\w-]+;\s*/, '');
  const status = /[245]\.\d{1,3}\.\d{1,3}/.exec(field(failed, 'status') ?? '')?.[0];
  const date = arrival ?? field(failed, 'last-attempt-date');
  return { kind: 'failed', recipient, status, diagnostic, date };
}

/** Where the returned copy of the original message starts in a plain-text bounce. */
export const RETURNED_MESSAGE = new RegExp(
  [
    // Exim, Gmail, qmail, Postfix's plain bounces: "------ This is a copy of the message …",
    // "--- Below this line is a copy …", "--- Enclosed is a copy …", "------- Returned Message".
    '^[ \\t]*-{2,}[ \\t]*(?:this is a copy|original message|below (?:this|the next) line|message text follows|undelivered message|the header of the original|enclosed (?:is|are) (?:a copy|the original)|attachment is a copy|returned (?:mail|message)|mensaje original|start of returned message)',
    '^[ \\t]*\\|-+ *message (?:text|header) follows', // "|----- Message text follows: -----|"
    '^[ \\t]*original message headers:', // Exchange
    '^[ \\t]*original message follows', // IMail, SMTP32
    '^[ \\t]*content-type: *message/rfc822', // MIME that mailparser could not split
  ].join('|'),
  'im',
);

/** The sentences that introduce the failed addresses, across MTAs (line breaks may fall anywhere). */
const FAILED_LIST = new RegExp(
  [
    'following address(?:\\(es\\)|es)?\\s+failed',
    'following\\s+recipients?\\s+failed',
    'delivery\\s+has\\s+failed\\s+to\\s+these\\s+recipients',
    'did\\s+not\\s+reach\\s+the\\s+following\\s+recipient',
    'failed\\s+addresses\\s+follow',
    'addresses\\s+had\\s+permanent\\s+fatal\\s+errors',
    'able\\s+to\\s+deliver\\s+your\\s+message\\s+to\\s+the\\s+following',
    'deliver\\s+message\\s+to\\s+the\\s+following\\s+recipients',
    "(?:wasn'?t|was\\s+not)\\s+delivered\\s+to\\b",
    'following\\s+list\\s+of\\s+recipients', // OpenSMTPD
    'error\\s+delivering\\s+your\\s+(?:mail|message)\\s+to\\b', // DragonFly
    'could\\s+not\\s+be\\s+delivered\\s+to\\s*:', // au one net (KDDI)
    'could\\s+not\\s+be\\s+delivered\\s+to\\s+the\\s+following\\s+(?:user|recipient|address)',
  ].join('|'),
  'i',
);

const DELAYED =
  /has not yet been delivered|will (?:be )?retr(?:y|ied)|still being retried|warning message only|this is a warning|delivery attempts will continue|has been delayed/i;

const ADDRESS = /[\w.%+'=!#$&*/?^`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g;

/**
 * A subject that announces a delay. MDaemon writes permanent failures as "Warning: x - User
 * unknown!": a warning that names a failure is not a delay.
 */
function delaySubject(subject: string): boolean {
  if (/delay|still being retried|not yet delivered/i.test(subject)) return true;
  return /warning/i.test(subject) && !/unknown|fail|undeliver|permanent|rejected|not delivered/i.test(subject);
}

/** What the caller knows from the report's headers. */
export interface PlainHints {
  subject: string;
  /** X-Failed-Recipients (Exim, Gmail): the failed addresses, named by the server itself. */
  failedRecipients: string[];
  /** The report's own From/To addresses: never the reader. */
  ownAddresses: string[];
}

/**
 * A plain-text bounce read with a few general patterns: delivery-status fields pasted into the
 * text (broken MIME, forwarded bounces), else {@link explainFailure}.
 */
export function readPlainBounce(text: string, hints: PlainHints): BounceReading {
  const explanation = explanationOf(text);
  if (delaySubject(hints.subject) || DELAYED.test(explanation)) {
    return { kind: 'not-failed', reason: 'delay notice: the server is still trying' };
  }
  const embedded = /^(?:Reporting-MTA|Final-Recipient|Original-Recipient):/im.exec(text);
  const reading = embedded ? readDeliveryStatus(readFieldGroups(text.slice(embedded.index), true)) : undefined;
  if (reading?.kind === 'not-failed') return reading;
  const told = explainFailure(text, hints);
  if (reading) return { ...reading, recipient: reading.recipient ?? told.recipient, diagnostic: reading.diagnostic ?? told.diagnostic };
  return { kind: 'failed', ...told, status: told.diagnostic ? extractEnhancedStatus(told.diagnostic) : undefined };
}

/**
 * The failed address and the reason in a bounce's human-readable text: the address from
 * X-Failed-Recipients, the list after a known sentence, Postfix's "<addr>: …" or the first
 * foreign address; the reason from the first line with an SMTP reply code, else the lines that
 * Exim indents under the address, else Gmail's "Technical details".
 */
export function explainFailure(text: string, hints: PlainHints): { recipient?: string; diagnostic?: string } {
  const explanation = explanationOf(text);
  // Long lines are cut: nothing useful is that long, and it bounds the address search.
  const lines = explanation.split(/\r?\n/).map((l) => l.slice(0, 1000));
  const own = new Set(hints.ownAddresses.map((a) => a.toLowerCase()));
  const found = findRecipient(explanation, lines, own);
  const named = hints.failedRecipients[0];
  const recipient = named ?? found?.address;
  const at = named ? lines.findIndex((l) => l.toLowerCase().includes(named)) : -1;
  const reasonLine = at >= 0 ? at : found?.line;
  const after = reasonLine !== undefined ? linesAfter(lines, reasonLine, at < 0 && found?.inIntro === true) : undefined;
  const raw = replyLines(lines) ?? after ?? gmailDetails(explanation) ?? googleGroups(explanation);
  // Drop the reporter's preamble before a quoted reply (Gmail, Exchange).
  const diagnostic = raw?.replace(/^.*?\b(?:the other server|remote server) returned(?: was)?:?\s*/i, '') || raw;
  return { recipient, diagnostic };
}

/** The human-readable part of a bounce: what comes before the returned message, bounded. */
export function explanationOf(text: string): string {
  const cut = text.search(RETURNED_MESSAGE);
  return (cut > 0 ? text.slice(0, cut) : text).slice(0, 20_000);
}

/** Where the failed address was found; `inIntro` when it sits in the sentence that introduces it. */
interface Found {
  address?: string;
  line: number;
  inIntro?: boolean;
}

function findRecipient(explanation: string, lines: string[], own: Set<string>): Found | undefined {
  const daemon = (a: string) => /^(?:mailer-daemon|postmaster)@/i.test(a);
  // Where the report lists the failed addresses, an address is the failed one even when it is
  // also the report's own To (a reader's server that bounces to a forward of itself); in free
  // text, the report's own addresses are never the reader.
  const firstIn = (from: number, to: number, listed: boolean) => {
    for (let i = from; i < Math.min(to, lines.length); i++) {
      const address = [...lines[i]!.matchAll(ADDRESS)].map((m) => m[0]).find((a) => !daemon(a) && (listed || !own.has(a.toLowerCase())));
      if (address) return { address: address.toLowerCase(), line: i };
    }
    return undefined;
  };
  const intro = FAILED_LIST.exec(explanation);
  if (intro) {
    const line = explanation.slice(0, intro.index + intro[0].length).split(/\r?\n/).length - 1;
    const hit = firstIn(line, line + 12, true);
    if (hit) return { ...hit, inIntro: hit.line === line };
    const next = lines.findIndex((l, i) => i > line && l.trim() !== '');
    if (next >= 0) return { line: next }; // an address Exim could not name (a pipe, a file)
  }
  const postfix = lines.findIndex((l) => /^\s*<[^>\s]+@[^>\s]+>:/.test(l));
  if (postfix >= 0) return firstIn(postfix, postfix + 1, true);
  return firstIn(0, lines.length, false);
}

/** Lines before a reply that say which step it answered (Exim, Postfix, qmail-remote). */
const SESSION_CONTEXT =
  /SMTP error|\bafter (?:RCPT|MAIL|end of data|initial|DATA|EHLO|HELO)|said:|\bbut (?:greeting failed|my name was rejected|sender was rejected)|does not like recipient|failed (?:on DATA command|after I sent the message)/i;

/** The first line with a 4xx/5xx reply, the session context before it, the reply's continuation. */
function replyLines(lines: string[]): string | undefined {
  const at = lines.findIndex((l) => extractReplyCode(l) !== undefined);
  if (at < 0) return undefined;
  const indent = (l: string) => /^\s*/.exec(l)![0].length;
  const bareAddress = (l: string) => /^\s*<?[^\s<>]+@[^\s<>]+>?:?\s*$/.test(l);
  const taken: string[] = [];
  for (let i = at - 1; i >= Math.max(0, at - 4); i--) {
    const l = lines[i]!;
    if (!l.trim() || (bareAddress(l) && indent(l) < indent(lines[at]!))) break;
    if (SESSION_CONTEXT.test(l)) taken.unshift(l.trim());
  }
  for (let i = at; i < Math.min(lines.length, at + 8); i++) {
    const l = lines[i]!;
    if (!l.trim() || (i > at && bareAddress(l) && indent(l) < indent(lines[at]!))) break;
    // Another recipient's entry ("<b@x>: 552 …", OpenSMTPD's "b@x: …"): the first one is ours.
    const entry = i > at ? /^\s*<?([^\s<>:]+@[^\s<>:]+)>?:\s/.exec(l)?.[1]?.toLowerCase() : undefined;
    if (entry && !`${lines[at - 1] ?? ''} ${taken.join(' ')}`.toLowerCase().includes(entry)) break;
    taken.push(l.trim());
  }
  return taken.join(' ');
}

/**
 * The reason given for the failed address: on its own line (Postfix, Exim's single line), in
 * the lines Exim indents under it, or, when the address line says nothing more, in the lines
 * that follow it at the same indentation (qmail, Yahoo, AOL: "<addr>:" then the reason).
 */
function linesAfter(lines: string[], at: number, inIntro = false): string | undefined {
  // Exim names a pipe or file first and the address it came from below it, beside the reason.
  while (at > 0 && /^\s*\(?(?:ultimately )?generated (?:by|from)\b/i.test(lines[at]!)) at--;
  const indent = (l: string) => /^\s*/.exec(l)![0].length;
  const base = indent(lines[at]!);
  const rest = lines[at]!.replace(ADDRESS, '').replace(/[<>:\s]/g, '');
  const ownReason = rest.length > 8;
  // A sentence that introduces the address may hold the reason ("wasn't delivered to x because
  // the address couldn't be found") or be followed by it ("There was an error delivering your
  // mail to <x>." then "DNS lookup failure: …"): take both.
  const followOn = !ownReason || inIntro;
  const taken = ownReason ? [lines[at]!.trim()] : [];
  for (let i = at + 1; i < Math.min(lines.length, at + 6); i++) {
    const l = lines[i]!;
    if (!l.trim() || /^\s*-{2,}/.test(l)) break;
    const deeper = indent(l) > base;
    const nextAddress = /^\s*<?[^\s<>]+@[^\s<>]+>?:?\s*$/.test(l);
    if (!deeper && (!followOn || nextAddress)) break;
    taken.push(l.trim());
  }
  return taken.length ? taken.join(' ') : undefined;
}

/**
 * Google Groups answers a post it refuses in the poster's language, the same words whether the
 * group does not exist or does not take posts from this sender; its link names it.
 */
function googleGroups(text: string): string | undefined {
  return /https?:\/\/groups\.google\.com\//i.test(text) ? 'Google Groups refused the post: the group may not exist, or the sender may not post to it' : undefined;
}

/** Gmail's bounces without a remote reply explain under "Technical details of … failure:". */
function gmailDetails(text: string): string | undefined {
  return /Technical details of (?:permanent|temporary) failure:\s*\n([^\n]+(?:\n[^\n]+)*)/i.exec(text)?.[1]?.trim();
}
