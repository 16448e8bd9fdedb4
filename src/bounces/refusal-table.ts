/**
 * The table of SMTP refusals: which reply codes, enhanced status codes (RFC 3463) and phrases mean
 * a refusal of the reader's address, of the sender, a full mailbox, or something else. One table,
 * read by `classifyRefusal` (`refusals.ts`) for the replies the sender meets at SMTP time and for
 * the diagnostics of asynchronous bounces alike.
 *
 * The phrases were learned from public bounce corpora and classifiers (sisimai's set-of-emails
 * and reason tables, the test messages of Mail::DeliveryStatus::BounceParser, PHP-Bounce-Handler,
 * flufl.bounce, bounce_email) and from the providers' published reply references; they are
 * written here as this project's own patterns. Rows are tried in order and the first match wins.
 *
 * The rows keep their hand layout (hence `prettier-ignore`): a row's name, class and codes on its
 * first line, then one pattern per line with its source beside it.
 */

/** What a refusal says about the address and the sender; see `classifyRefusal`. */
export type RefusalClass = 'recipient' | 'sender' | 'mailbox-full' | 'transient' | 'other';

/** Which session step was refused; UNKNOWN when neither the caller nor the text says. */
export type Command = 'CONNECT' | 'EHLO' | 'MAIL FROM' | 'RCPT TO' | 'DATA' | 'UNKNOWN';

/**
 * One row of the table. A row matches when any of its statuses, codes or texts match (a row
 * with none of these matches any reply) and, if it names commands, the command is one of them.
 */
export interface RefusalRule {
  name: string;
  class: Exclude<RefusalClass, 'transient'>;
  /** Exact enhanced codes ("5.2.2") or a prefix ending in a dot ("5.1."). */
  statuses?: readonly string[];
  codes?: readonly number[];
  texts?: readonly RegExp[];
  commands?: readonly Command[];
}

/** Before anything that names the sender or the address: refusals that are about neither for sure. */
// prettier-ignore
const FIRST: readonly RefusalRule[] = [
  // Texts that hedge between the address and the sender or the mailbox: soft, so neither a
  // reader is dropped nor a whole domain paused on a guess.
  { name: 'ambiguous', class: 'other', texts: [
    /account or domain may not exist, they may be blacklisted/i, // cPanel's Exim, for many causes
    /(?:unknown|desconocido|inexistente|inconnu)\b.{0,25}\b(?:or|o|ou)\b.{0,25}\b(?:full|lleno|plein)/i,
  ] },
  // The message's size, wherever it was refused (even "534 SIZE=… in reply to MAIL FROM"): ours to
  // fix, and the address is fine.
  { name: 'message-too-big', class: 'other', texts: [
    /message (?:is )?too (?:big|large)|too (?:big|large) for (?:this|the)|\bSIZE=message too big|Class=size\b/i,
    /message (?:size|length) (?:\d+ )?exceeds|exceeds? (?:the )?(?:max(?:imum)?|administrative) (?:incoming )?(?:message )?(?:size|limit)/i,
    /max(?:imum)? (?:incoming |inbound )?message size|size limit exceeded for (?:this )?message/i,
  ] },
  // A refusal before any recipient was named is about the sender, whatever its text says.
  { name: 'session-refused', class: 'sender', commands: ['CONNECT', 'EHLO', 'MAIL FROM'] },
  // A reader who receives too fast is alive: neither dead nor our fault (Gmail says it with 5.2.1).
  { name: 'recipient-rate', class: 'other', texts: [/receiving (?:e-?mail|mail|messages) (?:too quickly|at a rate)/i] },
];

/** The mailbox is full or over quota: soft, before the volume rows ("quota" is in both). */
// prettier-ignore
const MAILBOX: readonly RefusalRule[] = [
  { name: 'mailbox-full', class: 'mailbox-full', statuses: ['5.2.2'], texts: [
    /mail-?(?:box|folder) (?:is )?full|full mailbox|mailbox (?:has )?exceeded|boite du destinataire pleine/i,
    /over ?quota|over the (?:allowed )?quota|(?<!sending |relay )quota (?:exceeded|exceed|usage exceeded|violation)|exceeded (?:his|her|their|the|its)? ?(?:storage|mailbox|disk)? ?quota/i,
    /out of storage space|insufficient (?:system |disk )?(?:storage|space)|not enough (?:storage )?space|(?:does not|doesn't) have enough space/i,
    /exceeded storage allocation|mailbox size limit|disk ?space (?:quota|limit)|disc quota|QuotaExceeded|disk quota/i,
    /account is full|too many messages (?:on the server|in (?:the|this) mailbox)|space has been used up|no space left on device/i,
  ] },
  // A mailbox suspended, locked or blocked is not dead, and not our fault either: soft. Before the
  // blocklist row, whose "blocked" would otherwise read it as a refusal of the sender.
  { name: 'mailbox-suspended', class: 'other', texts: [
    /(?:recipient|destinataire|mailbox|mail-box)(?:'s)? (?:account |mailbox )?(?:is |has been |currently |est )*(?:blocked|bloque|suspended|locked|frozen)/i,
    /\[SUSPEND\]|account (?:has been |is )?(?:temporarily )?suspended|user (?:is )?suspended|compte du destinataire/i,
  ] },
];

/** The sender named in any way: its volume, its IP or domain, its reputation, its content. */
// prettier-ignore
const SENDER: readonly RefusalRule[] = [
  // Our HELO/EHLO name, named in the reply ("HELO=" in a transcript is a field, not a verdict).
  { name: 'helo', class: 'sender', texts: [/\b(?:HELO|EHLO)\b(?!\s*=)|\bmy name was rejected/i] },
  // Our sending volume: daily quotas, rate limits ("sending quota exceeded" is not a full mailbox).
  { name: 'sender-volume', class: 'sender', statuses: ['5.4.5', '5.7.28'], texts: [
    /\b(?:daily|hourly)\b.{0,40}\b(?:quota|limit)|\b(?:sending|relay) (?:quota|limit)|\brate[- ]?limit/i,
    /\btoo many (?:messages|connections|mails|emails|sessions|concurrent)\b|\bunusual (?:rate|amount|traffic)/i,
    /too many recipients this hour|sent to too many recipients|max(?:imum)? emails per hour|connection limit/i,
  ] },
  { name: 'blocklist', class: 'sender', texts: [
    /spamhaus|spamcop|barracuda|sorbs|uceprotect|spamrats|mailspike|\bdnsbl\b|\brbl\b|uribl/i,
    /blocked using|\b(?:is|are|was|been|being|currently) (?:black)?listed (?:at|in|on|by)\b|\blisted by\b/i,
    /black ?list|block ?list|deny ?list|\bblocked\b/i,
    /messages from .{0,60} weren'?t sent/i, // Outlook.com: "part of their network is on our block list"
    /invalid ip for sending|(?:banned|bad) (?:sending )?ip|host network not allowed|not allowed to (?:send|connect)/i,
    /not (?:currently )?accepting (?:connections|mail (?:from|with))|service refus|your server requires confirmation|confirm this mail server/i,
    /access from ip address .{0,40}blocked|open (?:proxy|relay)\b|dynamic ip/i,
  ] },
  { name: 'spam', class: 'sender', texts: [
    /\bspam|spam(?:signature|profiler|filter)|unsolicited|\bjunk\b|\bbulk (?:e-?)?mail|\bUBE\b|mass mailer|\bvirus\b|malware|phishing/i,
    /content filter|message content rejected|rejecting (?:banned|mail) content|(?:rejected|blocked) (?:due to|by) (?:security|content)/i,
  ] },
  { name: 'reputation', class: 'sender', texts: [/reputation|\bcomplaints?\b/i] },
  { name: 'authentication', class: 'sender',
    statuses: ['5.7.20', '5.7.21', '5.7.22', '5.7.23', '5.7.24', '5.7.26', '5.7.27', '5.7.30', '5.7.32', '5.7.40', '5.7.57', '5.7.515'],
    texts: [
      /\bspf\b|\bdkim\b|\bdmarc\b|sender policy framework/i,
      /unauthenticated|not authenticated|authentication (?:level|check|fail|required|result)|address is not verified/i,
      /is not allowed to send (?:mail )?from|mismatches client ip/i,
    ] },
  { name: 'reverse-dns', class: 'sender', statuses: ['5.7.25'], texts: [
    /\bptr\b|\brdns\b|reverse (?:dns|hostname|lookup)|cannot find your (?:reverse )?hostname|name lookup failed/i,
    /client host rejected|may not be mail exchanger|unresolvable relay host/i,
  ] },
  // 5.1.7/5.1.8 are the *sender's* address, although 5.1.x is otherwise the recipient's.
  { name: 'sender-address', class: 'sender', statuses: ['5.1.7', '5.1.8'], texts: [
    /sender address rejected|sender verify|unroutable sender|domain of sender|sender (?:address )?domain|a valid from\b/i,
    /\bsender (?:was |is )?(?:rejected|refused|blacklisted|invalid|not allowed)|invalid sender|bogus mail from|envelope sender/i,
  ] },
  // Through a smarthost this is our own credentials; at a recipient's MX, a stale MX. Either way
  // the reader is not shown dead, and the operator should look.
  { name: 'relay-denied', class: 'sender', statuses: ['5.7.64'], texts: [
    /relay(?:ing)? (?:access )?(?:denied|not permitted|prohibited)|not (?:configured|permitted|allowed) to relay|unable to relay/i,
    /\bas a relay\b|\bno relaying\b|insecure mail relay|list of allowed rcpthosts|we don'?t handle mail for/i,
  ] },
  // A list or group that takes posts from its members only (Google Groups words it so whether or
  // not the group exists): the sender is refused, the address not shown dead.
  { name: 'posting-refused', class: 'sender', texts: [
    /(?:not (?:have )?permission|not (?:be )?allowed|not authori[sz]ed) to post|refused the post|members-only list|not a member of (?:this|the) (?:mailing )?list/i,
  ] },
  // Headers the receiver will not take: what we sent, not whom we sent it to.
  { name: 'headers', class: 'sender', texts: [
    /no resent-from|without (?:a )?(?:to|from|date|message-id):? fields?|headers? (?:are|is) not accepted|duplicate header/i,
    /not rfc ?(?:2822|5322) compliant|multiple addresses in the from/i,
  ] },
  // "Try again later" on a permanent code: the server says itself it is not final.
  { name: 'temporary-text', class: 'other', texts: [/try (?:again )?later|temporar(?:il)?y|please retry/i] },
  // A name server that failed to answer says nothing about the domain (5.4.4 would call it dead).
  { name: 'dns-trouble', class: 'other', texts: [/malformed (?:or unexpected )?name ?server reply|name ?server (?:timeout|failure)/i] },
];

/** The reader's address is dead. Texts first: the code is often generic (5.0.0, 554), the text plain. */
// prettier-ignore
const RECIPIENT: readonly RefusalRule[] = [
  { name: 'user-unknown', class: 'recipient', texts: [
    /user(?:name)? (?:is )?(?:unknown|not known)|unknown (?:user|recipient|mailbox|alias|address|local[- ]part)|unknown or illegal|(?:addressee|address) unknown/i,
    /no such (?:user|mailbox|recipient|account|address|local user|person)|non-?existent (?:user|recipient|address|mailbox)/i,
    // "Recipient address rejected: <reason>" is Postfix's prefix for any reason: the reason decides.
    /recipients? (?:address )?(?:not found|unknown|invalid)|recipient (?:address )?rejected(?!\s*:\s*\w)|RecipientNotFound|RecipNotFound/i,
    // Office 365's directory-based edge blocking: the address is not in the tenant's directory.
    /5\.4\.1\b.{0,80}recipient address(?:es)? rejected ?: access denied|recipient address rejected: access denied\. AS\(\d+\)/i,
    /(?:user|mail-?box|address|account) (?:was |is )?not found|invalid (?:recipient|mailbox|user)\b|bad_?recipient|badrcptto/i,
    /doesn'?t have an? .{0,30}account|does not have an? .{0,30}account|unrouteable address/i,
    /address (?:could ?n[o']?t|cannot) be found|not a (?:registered|valid|known) (?:\w+ )?(?:user|recipient|mailbox|address)/i,
    /no longer (?:on (?:this |the )?server|active|available|valid|in use)|no mail-? ?box\b|not our customer/i,
    /(?:user|recipient|address|rcpt\b.{0,60}) (?:does not|doesn'?t) exist|no account by that name|not an active address/i,
    /recipient name is not recognized|not listed in (?:the )?(?:public )?(?:Domino Directory|Name (?:&|and) Address Book)/i,
    /invalid final delivery userid|does not have a final (?:e-?mail )?delivery point|no matches to nameserver query/i,
    /wrong or no longer valid|no longer accepts mail|there is no one at this address/i,
    /n'existe pas|nie istnieje|utilisateur inconnu|inv.lido ou inexistente|nessun utente|no existe (?:dicha|ese)/i,
  ] },
  { name: 'mailbox-disabled', class: 'recipient', statuses: ['5.2.1', '5.7.13'], texts: [
    /\b(?:account|mailbox|address|user) (?:has been |is |was )?(?:disabled|deactivated|inactive|closed|discontinued|terminated|expired)\b/i,
    /\b(?:disabled|deactivated|inactive|closed|archived) (?:recipient|mailbox|account|user|address)|casilla ha expirado/i,
  ] },
  { name: 'address-status', class: 'recipient', statuses: ['5.1.', '5.7.17', '5.7.18'] },
  { name: 'domain-unknown', class: 'recipient', statuses: ['5.4.4'], texts: [
    /host or domain name not found|domain (?:name )?not found|no such domain|domain does not exist|invalid domain|unknown host|\bhost unknown\b|null mx/i,
    /name or service not known|couldn'?t find (?:any host (?:named|by that name)|a mail exchanger)|no (?:valid )?mx (?:hosts?|records?)|unrout(?:e)?able mail domain/i,
    /domain is not reachable|no smtp service|does not accept mail|mail domain mentioned in email address is unknown|\bhost [\w.-]+ not found\b/i,
  ] },
  // Vague on their own ("550 mailbox unavailable" also refuses spam): the recipient only when
  // the refusal answered RCPT TO, or when nobody says which command it answered.
  { name: 'recipient-vague', class: 'recipient', commands: ['RCPT TO', 'UNKNOWN'], texts: [
    /mailbox (?:is )?(?:unavailable|not available)|does not exist|doesn'?t exist|not exist/i,
  ] },
];

/** After the address rows: what is left of a refusal of what we sent, then neither party. */
// prettier-ignore
const LAST: readonly RefusalRule[] = [
  // "Mail rejected", "message refused" with no other reason: what we sent was refused.
  { name: 'message-refused', class: 'sender', texts: [/\b(?:mail|message|e-?mail) (?:was |has been )?(?:rejected|refused|rejete)\b/i] },
  // Everything else on 5.7, and any refusal "for policy reasons", is the receiver's policy on
  // what we send: the sender's problem, not the reader's.
  { name: 'policy', class: 'sender', statuses: ['5.7.'], texts: [
    /policy reasons|(?:denied|rejected) (?:by|for|per|due to) (?:local |security )?polic|policy violation|security polic|delivery not authorized/i,
  ] },
  // Permanent, but neither the address nor the sender: message size, loops, protocol.
  { name: 'size-status', class: 'other', statuses: ['5.2.3', '5.3.4'], texts: [/too (?:big|large)|size (?:limit|exceed)/i] },
  { name: 'loop', class: 'other', statuses: ['5.4.6', '5.4.14'], texts: [/\bloop/i] },
  // Syntax and sequence errors: at SMTP time a bug on our side, never the reader's address.
  { name: 'protocol', class: 'other', statuses: ['5.5.', '5.6.'], codes: [500, 501, 502, 503, 504, 555] },
];

/** The table, in the order the rows are tried. */
export const REFUSAL_RULES: readonly RefusalRule[] = [...FIRST, ...MAILBOX, ...SENDER, ...RECIPIENT, ...LAST];
