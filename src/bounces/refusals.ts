/**
 * What an SMTP refusal means, in one table. The sender (at SMTP time) and the bounce parser
 * (for asynchronous DSNs) both ask it, so a reply is read the same way wherever it arrives.
 *
 * The reply code decides *whether* the refusal is for good (4xx: try again; 5xx: no); the table
 * decides *what* is refused: the reader's address (suppress), the sender (never suppress: pause
 * the domain, tell the operator), a full mailbox (soft), or something else. Rows are tried in
 * order and the first match wins, so a row that names the sender (a blocklist, SPF) beats a
 * recipient-looking status code: servers put 5.1.x and 5.7.1 on almost anything.
 */

/** What a refusal says about the address and the sender; see {@link classifyRefusal}. */
export type RefusalClass = 'recipient' | 'sender' | 'mailbox-full' | 'transient' | 'other';

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

/** Which session step was refused; UNKNOWN when neither the caller nor the text says. */
type Command = 'CONNECT' | 'EHLO' | 'MAIL FROM' | 'RCPT TO' | 'DATA' | 'UNKNOWN';

/** One row of the table. A row matches when any of its statuses, codes or texts match (a row
 * with none of these matches any reply) and, if it names commands, the command is one of them. */
interface RefusalRule {
  name: string;
  class: Exclude<RefusalClass, 'transient'>;
  /** Exact enhanced codes ("5.2.2") or a prefix ending in a dot ("5.1."). */
  statuses?: readonly string[];
  codes?: readonly number[];
  texts?: readonly RegExp[];
  commands?: readonly Command[];
}

/** The table. Order matters: see the comment on each group. */
export const REFUSAL_RULES: readonly RefusalRule[] = [
  // Texts that hedge between the address and the sender: soft, so neither a reader is dropped
  // nor a whole domain paused on a guess (cPanel's Exim says this for many different causes).
  { name: 'ambiguous', class: 'other', texts: [/account or domain may not exist, they may be blacklisted/i] },

  // A refusal before any recipient was named is about the sender, whatever its text says.
  { name: 'session-refused', class: 'sender', commands: ['CONNECT', 'EHLO', 'MAIL FROM'] },

  // A reader who receives too fast is alive: neither dead nor our fault (Gmail says it with 5.2.1).
  { name: 'recipient-rate', class: 'other', texts: [/receiving (?:e-?mail|mail|messages) (?:too quickly|at a rate)/i] },

  // Before the sender's volume rows: "mailbox full: too many messages" is still a full mailbox.
  { name: 'mailbox-full', class: 'mailbox-full', statuses: ['5.2.2'], texts: [
    /mailbox (?:is )?full|full mailbox|mailbox has exceeded/i,
    /over ?quota|(?<!sending |relay )quota (?:exceeded|exceed)|exceeded (?:his|her|their|the|its)? ?(?:storage|mailbox|disk)? ?quota/i,
    /out of storage space|insufficient (?:system )?storage|exceeded storage allocation|mailbox size limit/i,
    /QuotaExceeded|disk quota/i,
  ] },

  // Our sending volume: daily quotas, rate limits ("sending quota exceeded" is not a full mailbox).
  {
    name: 'sender-volume',
    class: 'sender',
    statuses: ['5.4.5', '5.7.28'],
    texts: [
      /\b(?:daily|hourly)\b.{0,40}\b(?:quota|limit)/i,
      /\b(?:sending|relay) (?:quota|limit)/i,
      /\brate[- ]?limit/i,
      /\btoo many (?:messages|connections|mails|emails)\b/i,
      /\bunusual (?:rate|amount|traffic)/i,
    ],
  },

  // The sender named in any way: blocklists, spam verdicts, reputation, authentication, reverse
  // DNS, the envelope sender, relaying. These beat every recipient row below.
  { name: 'blocklist', class: 'sender', texts: [
    /spamhaus|spamcop|barracuda|sorbs|uceprotect|spamrats|mailspike|\bdnsbl\b|\brbl\b/i,
    /blocked using|\b(?:is|are|was|been|being|currently) listed (?:at|in|on|by)\b/i,
    /black ?list|block ?list|deny ?list|\bblocked\b/i,
    /messages from .{0,60} weren'?t sent/i, // Outlook.com: "part of their network is on our block list"
  ] },
  { name: 'spam', class: 'sender', texts: [/\bspam\b|unsolicited|\bjunk\b|\bbulk mail|\bvirus\b|malware|phishing/i] },
  { name: 'reputation', class: 'sender', texts: [/reputation|\bcomplaints?\b/i] },
  {
    name: 'authentication',
    class: 'sender',
    statuses: ['5.7.20', '5.7.21', '5.7.22', '5.7.23', '5.7.24', '5.7.26', '5.7.27', '5.7.30', '5.7.32', '5.7.40', '5.7.57', '5.7.515'],
    texts: [
      /\bspf\b|\bdkim\b|\bdmarc\b|sender policy framework/i,
      /unauthenticated|not authenticated|authentication (?:level|check|fail|required|result)|address is not verified/i,
    ],
  },
  { name: 'reverse-dns', class: 'sender', statuses: ['5.7.25'], texts: [
    /\bptr\b|\brdns\b|reverse (?:dns|hostname|lookup)|cannot find your (?:reverse )?hostname/i,
    /client host rejected|helo command rejected/i,
  ] },
  // 5.1.7/5.1.8 are the *sender's* address, although 5.1.x is otherwise the recipient's.
  { name: 'sender-address', class: 'sender', statuses: ['5.1.7', '5.1.8'], texts: [
    /sender address rejected|sender verify|unroutable sender|domain of sender|sender (?:address )?domain|a valid from\b/i,
  ] },
  // Through a smarthost this is our own credentials; at a recipient's MX, a stale MX. Either way
  // the reader is not shown dead, and the operator should look.
  { name: 'relay-denied', class: 'sender', statuses: ['5.7.64'], texts: [
    /relay(?:ing)? (?:access )?(?:denied|not permitted|prohibited)|not (?:configured|permitted|allowed) to relay|unable to relay/i,
  ] },

  // "Try again later" on a permanent code: the server says itself it is not final.
  { name: 'temporary-text', class: 'other', texts: [/try (?:again )?later|temporar(?:il)?y|please retry/i] },

  // The reader's address is dead. Texts first, because the status code is often generic (5.0.0,
  // 554) while the text is plain ("user unknown", Yahoo's "doesn't have a yahoo.com account").
  { name: 'user-unknown', class: 'recipient', texts: [
    /user(?:name)? (?:is )?unknown|unknown (?:user|recipient|mailbox|alias|address|local[- ]part)|unknown or illegal/i,
    /no such (?:user|mailbox|recipient|account|address|local user)/i,
    /recipient(?:s)? (?:address )?(?:not found|unknown|invalid|rejected)|RecipientNotFound|RecipNotFound/i,
    /(?:user|mailbox|address|account) (?:was |is )?not found|invalid (?:recipient|mailbox|user)\b/i,
    /doesn'?t have an? .{0,30}account|does not have an? .{0,30}account|unrouteable address/i,
    /address (?:could ?n[o']?t|cannot) be found|not a (?:registered|valid|known) (?:\w+ )?(?:user|recipient|mailbox|address)/i,
    /no longer (?:on (?:this |the )?server|active|available|valid|in use)|no mailbox here|not our customer/i,
  ] },
  { name: 'mailbox-disabled', class: 'recipient', statuses: ['5.2.1'], texts: [
    /(?:account|mailbox|address|user) (?:has been |is |was )?(?:disabled|deactivated|inactive|closed|discontinued|terminated|expired)/i,
  ] },
  { name: 'address-status', class: 'recipient', statuses: ['5.1.', '5.7.17', '5.7.18'] },
  { name: 'domain-unknown', class: 'recipient', texts: [
    /host or domain name not found|domain (?:name )?not found|no such domain|domain does not exist|invalid domain|unknown host|null mx/i,
  ] },
  // Vague on their own ("550 mailbox unavailable" also refuses spam): the recipient only when
  // the refusal answered RCPT TO, or when nobody says which command it answered.
  { name: 'recipient-vague', class: 'recipient', commands: ['RCPT TO', 'UNKNOWN'], texts: [
    /mailbox (?:is )?(?:unavailable|not available)|does not exist|doesn'?t exist|not exist/i,
  ] },

  // Everything else on 5.7, and any refusal "for policy reasons", is the receiver's policy on
  // what we send: the sender's problem, not the reader's.
  { name: 'policy', class: 'sender', statuses: ['5.7.'], texts: [/policy reasons|(?:denied|rejected) (?:by|for|per|due to) (?:local )?policy|policy violation/i] },

  // Permanent, but neither the address nor the sender: message size, loops, protocol.
  { name: 'message-too-big', class: 'other', statuses: ['5.2.3', '5.3.4'], texts: [/too (?:big|large)|size (?:limit|exceed)/i] },
  { name: 'loop', class: 'other', statuses: ['5.4.6', '5.4.14'], texts: [/\bloop/i] },
  // Syntax and sequence errors: at SMTP time a bug on our side, never the reader's address.
  { name: 'protocol', class: 'other', statuses: ['5.5.', '5.6.'], codes: [500, 501, 502, 503, 504, 555] },
];

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
 * address error 550-'5.7.1 …'", Amazon SES) yields the remote server's own code.
 */
export function extractEnhancedStatus(text: string): string | undefined {
  const afterReply = /(?<![\w.:/[\]-])[45][0-5]\d[ -]+['"#([]*([45]\.\d{1,3}\.\d{1,3})(?!\.?\d)/.exec(text);
  if (afterReply) return afterReply[1];
  // Not inside an IP address or a version number: no digit or dot on either side.
  const alone = /(?<![\d.])([45]\.\d{1,3}\.\d{1,3})(?!\.?\d)/.exec(text);
  return alone?.[1];
}

/** The first three-digit 4xx/5xx reply code in a text ("host x said: 550 …" → 550). */
export function extractReplyCode(text: string): number | undefined {
  const m = /(?<![\w.:/[\]=#-])([45][0-5]\d)(?=[ -]|$)/m.exec(text);
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

/** Postfix says "(in reply to RCPT TO command)", Exim "SMTP error … after RCPT TO:<x>". */
function commandFromText(text: string): Command {
  const m =
    /in reply to (RCPT TO|MAIL FROM|end of DATA|DATA|HELO|EHLO|BDAT)\b/i.exec(text) ??
    /\bafter (RCPT TO|MAIL FROM|end of data|initial connection|DATA|HELO|EHLO|pipelined \w+ \w+)/i.exec(text);
  if (m) return normaliseCommand(m[1]!.replace(/^pipelined /i, '')) ?? 'UNKNOWN';
  if (/refused to talk to me/i.test(text)) return 'CONNECT';
  return 'UNKNOWN';
}
