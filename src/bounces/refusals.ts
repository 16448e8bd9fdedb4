/**
 * What an SMTP refusal means, in one table. The sender (at SMTP time) and the bounce parser
 * (for asynchronous DSNs) both ask it, so a reply is read the same way wherever it arrives.
 *
 * The reply code decides *whether* the refusal is for good (4xx: try again; 5xx: no); the table
 * (`refusal-table.ts`) decides *what* is refused: the reader's address (suppress), the sender
 * (never suppress: pause the domain, tell the operator), a full mailbox (soft), or something
 * else. Rows are tried in order and the first match wins, so a row that names the sender (a
 * blocklist, SPF, its HELO name) beats a recipient-looking status code: servers put 5.1.x and
 * 5.7.1 on almost anything.
 */
import { type Command, REFUSAL_RULES, type RefusalClass, type RefusalRule } from './refusal-table.js';

export { REFUSAL_RULES, type RefusalClass, type RefusalRule } from './refusal-table.js';

/** A refusal as the sender saw it or as a bounce reported it. */
export interface Refusal {
  /** The three-digit reply code (550), when known. */
  code?: number;
  /** The enhanced status code (RFC 3463), e.g. "5.1.1", when known. */
  status?: string;
  /** The server's reply text (or a bounce's diagnostic). */
  text: string;
  /** The SMTP command that was refused ('RCPT TO', 'MAIL FROM', 'DATA', 'CONNECT', 'EHLO'). */
  command?: string;
}

/**
 * What a refusal means for the reader and the sender.
 *
 * A 4xx reply (or, without a code, a 4.x.x status) is `transient` whatever it says: the server
 * will take the message later. The returned `rule` still names the row the text matched (e.g.
 * 'blocklist' for a 421 4.7.0 reputation deferral), so a caller can tell why it was deferred.
 */
export function classifyRefusal(r: Refusal): { class: RefusalClass; rule: string } {
  const text = withoutRelaySummary(r.text ?? '');
  const status = normaliseStatus(r.status) ?? extractEnhancedStatus(text);
  const code = r.code ?? extractReplyCode(text);
  const command = normaliseCommand(r.command) ?? commandFromText(text);
  const transient = code !== undefined ? code >= 400 && code < 500 : status?.startsWith('4.') === true;
  // Read a transient reply as if it were permanent, to name the reason; its 4xx codes say
  // nothing about the rows' 5xx codes, so only its text counts then.
  const probe = transient ? { text, command } : { status, code, text, command };
  const rule = REFUSAL_RULES.find((row) => matches(row, probe));
  if (transient) return { class: 'transient', rule: rule?.name ?? 'temporary' };
  if (rule) return { class: rule.class, rule: rule.name };
  return { class: 'other', rule: 'unclassified' };
}

/**
 * What the table's row named `rule` holds against whom, whatever the reply code: a bounce that
 * gave up on a 4xx deferral "due to user complaints" is a refusal of the sender, one that gave
 * up on "450 mailbox full" a full mailbox. Undefined for a name that is not a row (the
 * 'temporary' and 'unclassified' that {@link classifyRefusal} gives when no row matched).
 */
export function blameOf(rule: string): Exclude<RefusalClass, 'transient'> | undefined {
  return REFUSAL_RULES.find((row) => row.name === rule)?.class;
}

/**
 * A relay that quotes the remote reply after its own RFC 3463 summary ("5.1.0 - Unknown address
 * error 550-'5.7.1 … Access denied'", Amazon SES) is read from the remote reply on: the summary
 * is the relay's guess, and its words ("Unknown address") would otherwise decide.
 */
function withoutRelaySummary(text: string): string {
  return text.replace(/^\s*[45]\.\d{1,3}\.\d{1,3} - [^'"]*?(?=(?<![\w.])[45][0-5]\d[ -])/, '');
}

function matches(row: RefusalRule, r: { code?: number; status?: string; text: string; command: Command }): boolean {
  if (row.commands && !row.commands.includes(r.command)) return false;
  if (row.statuses === undefined && row.codes === undefined && row.texts === undefined) return true;
  const { status, code } = r;
  const byStatus = status !== undefined && (row.statuses ?? []).some((s) => (s.endsWith('.') ? status.startsWith(s) : status === s));
  const byCode = code !== undefined && (row.codes ?? []).includes(code);
  return byStatus || byCode || (row.texts ?? []).some((re) => re.test(r.text));
}

/**
 * The enhanced status code (RFC 3463) in a reply or diagnostic text, e.g. "5.1.1" from
 * "550-5.1.1 The email account…" or "5.1.0" from "550 #5.1.0 Address rejected". A code that
 * follows a reply code wins over one that stands alone, so a relay's wrapper ("5.1.0 - Unknown
 * address error 550-'5.7.1 …'", Amazon SES) yields the remote server's own code. Yahoo and AOL
 * write the reply code with a colon ("550: 5.1.1 <x>... User Unknown").
 */
export function extractEnhancedStatus(text: string): string | undefined {
  const afterReply = /(?<![\w.:/[\]-])[45][0-5]\d(?:[ -]|:[ :])[ '"#(:[-]*([45]\.\d{1,3}\.\d{1,3})(?!\.?\d)/.exec(text);
  if (afterReply) return afterReply[1];
  // Not inside an IP address or a version number: no digit or dot on either side.
  const alone = /(?<![\d.])([45]\.\d{1,3}\.\d{1,3})(?!\.?\d)/.exec(text);
  return alone?.[1];
}

/**
 * The first three-digit 4xx/5xx reply code in a text ("host x said: 550 …" → 550), also in the
 * plain-text forms of Yahoo and AOL, "550: 5.1.1 …" and "550: : User unknown".
 */
export function extractReplyCode(text: string): number | undefined {
  const m = /(?<![\w.:/[\]=#-])([45][0-5]\d)(?=[ -]|:[ :]|$)/m.exec(text);
  return m ? Number(m[1]) : undefined;
}

function normaliseStatus(status: string | undefined): string | undefined {
  const m = status ? /([245])\.(\d{1,3})\.(\d{1,3})/.exec(status) : null;
  return m ? `${m[1]}.${Number(m[2])}.${Number(m[3])}` : undefined;
}

function normaliseCommand(command: string | undefined): Command | undefined {
  if (!command) return undefined;
  const c = command.toUpperCase().replace(/\s+/g, ' ').trim();
  if (/^RCPT/.test(c)) return 'RCPT TO';
  if (/^MAIL/.test(c)) return 'MAIL FROM';
  if (/DATA|BDAT|MESSAGE/.test(c)) return 'DATA';
  if (/^(EHLO|HELO|LHLO|STARTTLS|AUTH)/.test(c)) return 'EHLO';
  if (/CONN|GREETING|BANNER|INITIAL/.test(c)) return 'CONNECT';
  return 'UNKNOWN';
}

/**
 * The refused step, from the text: Postfix says "(in reply to RCPT TO command)", Exim "SMTP error
 * … after RCPT TO:<x>", qmail-remote "Connected to … but my name was rejected" (HELO), "… but
 * sender was rejected", "… does not like recipient", "… failed on DATA command".
 */
function commandFromText(text: string): Command {
  const m =
    /in reply to (RCPT TO|MAIL FROM|end of DATA|DATA|HELO|EHLO|BDAT)\b/i.exec(text) ??
    /\bafter (RCPT(?: TO)?|MAIL FROM|end of data|initial connection|DATA|HELO|EHLO|pipelined \w+ \w+)/i.exec(text);
  if (m) return normaliseCommand(m[1]!.replace(/^pipelined /i, '')) ?? 'UNKNOWN';
  const qmail = QMAIL_STEPS.find(([re]) => re.test(text));
  if (qmail) return qmail[1];
  if (/refused to talk to me/i.test(text)) return 'CONNECT';
  return 'UNKNOWN';
}

/** qmail-remote's words for the step that failed (its bounces name no SMTP command). */
const QMAIL_STEPS: readonly [RegExp, Command][] = [
  [/\bbut greeting failed\b/i, 'CONNECT'],
  [/\bbut my name was rejected\b/i, 'EHLO'],
  [/\bbut sender was rejected\b/i, 'MAIL FROM'],
  [/\bdoes not like recipient\b|most progress was RCPT TO/i, 'RCPT TO'],
  [/\bfailed on DATA command\b|\bfailed after I sent the message\b/i, 'DATA'],
];
