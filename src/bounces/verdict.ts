/**
 * What a report means, once `dsn.ts` has read its fields and text: whether a message without a
 * delivery-status part is a bounce at all or an auto-reply, and which event a refusal makes
 * (hard, soft, a refusal of the sender). Kept apart from `parse.ts`, which finds the keys that
 * tie a report to a delivery.
 */
import { addressOf, explanationOf, field, type Field } from './dsn.js';
import { blameOf, classifyRefusal, extractEnhancedStatus, extractReplyCode, type RefusalClass } from './refusals.js';
import type { EventType } from '../domain.js';

const DAEMON = /^(?:mailer[-_]?daemon|postmaster|post_master|mail-daemon|mdaemon)(?:@|$)/i;
/** The subjects of delivery reports, in English and in the languages common in the corpora. */
const BOUNCE_SUBJECT = new RegExp(
  [
    'undeliver|returned mail|returning message|delivery (?:status notification|failure|failed|has failed|report|problem|error|warning)',
    'mail delivery failed|failure notice|non-?delivery|could not be delivered|mail failure|mail failed|delivery notification',
    'rejected:|error sending your (?:e-?)?mail|mail not delivered|message not delivered',
    'unzustellbar|non remis|non recapitabile|olevererbar|onbestelbaar|no (?:se pudo )?entregad|n[ãa]o entregue|niedostarczon',
    'メールエラー|配信エラー|送信エラー|未達',
  ].join('|'),
  'i',
);

/** From a mailer daemon (with or without a domain), or with a bounce's subject. */
export function looksLikeBounce(top: readonly Field[], subject: string): boolean {
  const from = field(top, 'from') ?? '';
  const sender = addressOf(from) ?? /^\s*<?([\w.-]+)>?\s*$/.exec(from)?.[1] ?? '';
  return DAEMON.test(sender) || /mail delivery (?:subsystem|system)/i.test(from) || BOUNCE_SUBJECT.test(subject);
}

/** Out-of-office subjects, with the words Outlook and other clients use in their languages. */
const AUTO_REPLY_SUBJECT = new RegExp(
  [
    '\\b(?:auto(?:matic)?[ -]?(?:reply|response|respon[sd]\\w*|antwort)|out of (?:the )?office|vacation|away (?:until|from))\\b',
    'abwesenheit|automatische antwort|r[ée]ponse automatique|respuesta autom[áa]tica|risposta automatica|resposta autom[áa]tica',
    'automatisch antwoord|autosvar|automatisk svar|automaattinen vastaus|automatyczna odpowied|automatick[áa] odpov[ěe]|autom[āa]tisk[āa] atbilde',
    'автоматический ответ|自動応答|自動返信|自动回复|自動回覆',
  ].join('|'),
  'i',
);

/** RFC 3834's Auto-Submitted, and the headers and subjects that vacation responders use instead. */
export function isAutoReply(top: readonly Field[], subject: string): boolean {
  if (/^auto-replied/i.test(field(top, 'auto-submitted') ?? '')) return true;
  if (['x-autoreply', 'x-autorespond', 'x-auto-reply'].some((n) => field(top, n))) return true;
  if (/auto_reply/i.test(field(top, 'precedence') ?? '') || /vacation/i.test(field(top, 'x-apple-action') ?? '')) return true;
  return AUTO_REPLY_SUBJECT.test(subject);
}

/**
 * Challenge-response filters (Boxbe, Bluebottle, SpamArrest, Mailblocks, ChoiceMail and their
 * kind) answer mail from unknown senders with a request to verify or whitelist themselves, often
 * dressed up as a DSN with a 4.7.0 status. The reader's address works and nothing was refused for
 * good, so such a notice is no bounce. The phrases are the ones these systems use for the request
 * itself, not for a refusal: a "verify" in a real 5.1.1 reply does not make it one.
 */
const CHALLENGE = new RegExp(
  [
    'challenge[- ]response|guest list|(?:has been|was) waitlisted|sender not pre-?approved|approved senders? list',
    'add yourself to my|verify that you are (?:a )?(?:real )?(?:person|human)|prove (?:that )?you are (?:a )?(?:real )?(?:person|human)',
    'confirm that you sent (?:it|this|the message)|whitelist request|protected by (?:bluebottle|spam ?arrest|mailblocks|choicemail|boxbe)',
  ].join('|'),
  'i',
);

/** True when a report is a challenge-response filter's request to the sender, not a refusal. */
export function isChallengeResponse(explanation: readonly string[], diagnostic: string | undefined): boolean {
  if (diagnostic && /^\s*5\d\d\b|\b5\.\d{1,3}\.\d{1,3}\b/.test(diagnostic) && !CHALLENGE.test(diagnostic)) return false;
  return CHALLENGE.test(diagnostic ?? '') || explanation.some((line) => CHALLENGE.test(line));
}

/** Header lines that a bounce quotes from the returned message: never its explanation. */
const QUOTED_HEADER =
  /^\s*>?\s*(?:received|from|to|cc|subject|date|message-id|return-path|reply-to|sender|references|in-reply-to|content-[\w-]+|mime-version|dkim-signature|authentication-results|arc-[\w-]+|list-[\w-]+|thread-[\w-]+|x-[\w-]+):/i;

/**
 * The human-readable explanation of a bounce, line by line: what comes before the returned
 * message, without the headers it quotes, then the subject (Domino says it there). Bounded:
 * the first 200 lines of up to 300 characters.
 */
export function explanationLines(text: string, subject: string): string[] {
  const lines = explanationOf(text)
    .split(/\r?\n/)
    .map((l) => l.trim().slice(0, 300))
    .filter((l) => l !== '' && !QUOTED_HEADER.test(l));
  return [...lines.slice(0, 200), subject.slice(0, 300)].filter(Boolean);
}

/** What a failed delivery's refusal says, as the event it makes. */
export interface Verdict {
  type: EventType;
  /** The reply or the sentence that decided, on one line. */
  diagnostic?: string;
  status?: string;
}

/**
 * The event a failed delivery makes. The reporter's diagnostic is read first; when it names no
 * known reason (a DSN with "5.0.0" and no Diagnostic-Code, a plain-text bounce whose reason is
 * not next to the address), the first sentence of the report's human-readable text that names
 * one decides: Exchange's "The recipient name is not recognized", Domino's subject.
 */
export function verdictOf(failure: { diagnostic?: string; status?: string }, explanation: readonly string[], transientOnly = false): Verdict {
  const { diagnostic } = failure;
  // The remote server's own code (quoted in the diagnostic) is more precise than the reporting
  // MTA's summary in Status ("5.1.0" over a remote "550 5.7.1 … Access denied", Amazon SES).
  const status = (diagnostic && extractEnhancedStatus(diagnostic)) || failure.status;
  const refusal = classifyRefusal({ text: diagnostic ?? '', status, code: diagnostic ? extractReplyCode(diagnostic) : undefined });
  const decided = refusal.rule !== 'unclassified' && refusal.rule !== 'temporary';
  const line = decided ? undefined : decisiveLine(explanation, status);
  const chosen = line ? { ...line, diagnostic: line.text } : { refusal, status, diagnostic };
  let type = eventTypeOf(chosen.refusal);
  if (transientOnly && type === 'hard-bounce') type = 'soft-bounce';
  return { type, ...(chosen.diagnostic ? { diagnostic: chosen.diagnostic } : {}), ...(chosen.status ? { status: chosen.status } : {}) };
}

/**
 * A recipient refused for good is a hard bounce; the sender refused, for good or in a deferral
 * the reporter gave up on (a 421 "due to user complaints" retried for days), a refusal of the
 * sender; a full mailbox, anything else, and other deferrals given up on, soft.
 */
export function eventTypeOf(refusal: { class: RefusalClass; rule: string }): EventType {
  if (refusal.class === 'recipient') return 'hard-bounce';
  if (refusal.class === 'sender') return 'sender-refusal';
  if (refusal.class === 'transient' && blameOf(refusal.rule) === 'sender') return 'sender-refusal';
  return 'soft-bounce';
}

/** Only rows that decide between the reader and the sender; "try again" in boilerplate does not. */
const DECISIVE: ReadonlySet<string> = new Set(['recipient', 'sender', 'mailbox-full']);

/**
 * Lines that are no verdict: an SMTP transcript's client commands and greetings ("EHLO x",
 * "250 ok"), and bulleted lists of possible causes ("- the address does not exist").
 */
const NOT_A_VERDICT = /^(?:>>>\s*)?(?:EHLO|HELO|MAIL FROM|RCPT TO|DATA|QUIT|RSET)\b|^(?:<<<\s*)?[23]\d\d[ -]|^[-*•]\s/i;

/** The first line that names the reader's address, the sender or a full mailbox as the cause. */
function decisiveLine(lines: readonly string[], status: string | undefined) {
  for (const text of lines) {
    if (NOT_A_VERDICT.test(text)) continue;
    const lineStatus = extractEnhancedStatus(text) ?? status;
    const refusal = classifyRefusal({ text, ...(lineStatus ? { status: lineStatus } : {}) });
    const blame = refusal.class === 'transient' ? blameOf(refusal.rule) : refusal.class;
    // A status alone (every line would match "5.1.1") is not a sentence that decides.
    const byText = classifyRefusal({ text }).rule !== 'unclassified';
    if (blame && DECISIVE.has(blame) && byText) return { text, refusal, status: lineStatus };
  }
  return undefined;
}
