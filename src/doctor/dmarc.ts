/**
 * DMARC, alignment and the free-mail check of `paperboy doctor`.
 *
 * DMARC passes when SPF or DKIM passes *and* its domain is aligned with the From domain: the
 * same organisational domain (relaxed, the default) or the very same domain (strict, adkim=s /
 * aspf=s). The organisational domain is taken as the last two labels, a simplification of the
 * Public Suffix List that RFC 7489 uses (it is wrong for domains under co.uk and the like).
 */
import { type Dns, orgDomain } from './dns.js';
import { type CheckResult, check } from './report.js';

const DMARC_RE = /^v\s*=\s*DMARC1\s*(;|$)/i;

/** A DMARC record found for the From domain. */
export interface DmarcRecord {
  /** Where it was found: `_dmarc.<from>` or, failing that, `_dmarc.<organisational domain>`. */
  name: string;
  record: string;
  tags: Map<string, string>;
  /** True when it is the organisational domain's (then sp= applies, when present). */
  inherited: boolean;
}

/** What the DMARC lookup gave: the record, none, or a reason it could not be decided. */
export type DmarcLookup = { record?: DmarcRecord; count: number; error?: string; name: string };

/** `k=v; k=v` tags, keys lower-cased. */
export function parseTags(record: string): Map<string, string> {
  const tags = new Map<string, string>();
  for (const part of record.split(';')) {
    const i = part.indexOf('=');
    if (i > 0) tags.set(part.slice(0, i).trim().toLowerCase(), part.slice(i + 1).trim());
  }
  return tags;
}

/** Finds the DMARC record that applies to `fromDomain` (the From domain's, else its organisational domain's). */
export async function findDmarc(dns: Dns, fromDomain: string): Promise<DmarcLookup> {
  const names = [`_dmarc.${fromDomain}`];
  const org = orgDomain(fromDomain);
  if (org !== fromDomain) names.push(`_dmarc.${org}`);
  for (const [i, name] of names.entries()) {
    const found = await dns.txt(name);
    if (!found.ok) return { count: 0, error: found.error, name };
    const records = found.records.filter((r) => DMARC_RE.test(r.trim()));
    if (records.length > 1) return { count: records.length, name };
    if (records.length === 1) {
      const record = records[0]!.trim();
      return { count: 1, name, record: { name, record, tags: parseTags(record), inherited: i > 0 } };
    }
  }
  return { count: 0, name: names[0]! };
}

/** Checks the DMARC policy that applies to the From domain. */
export function checkDmarc(fromDomain: string, found: DmarcLookup): CheckResult {
  const title = 'DMARC';
  const org = orgDomain(fromDomain);
  const proposal = { name: `_dmarc.${fromDomain}`, type: 'TXT' as const, value: `v=DMARC1; p=none; rua=mailto:dmarc-reports@${org}` };
  if (found.error)
    return check('dmarc', title, 'fail', `could not be decided: ${found.error}`, { fix: 'check DNS_SERVERS (or the system resolver) and run the doctor again' });
  if (found.count > 1) {
    return check('dmarc', title, 'fail', `${found.count} DMARC records at ${found.name}: receivers then apply none (RFC 7489 §6.6.3)`, {
      fix: `keep exactly one record at ${found.name}`,
    });
  }
  const r = found.record;
  const looked =
    org !== fromDomain ? `_dmarc.${fromDomain} nor _dmarc.${org} (organisational domain taken as the last two labels, a simplification)` : `_dmarc.${fromDomain}`;
  if (!r) {
    return check('dmarc', title, 'fail', `no DMARC record at ${looked}: Gmail and Yahoo require one from bulk senders`, {
      fix: `publish one (rua= is an address of yours that receives the daily reports); start with p=none, then move to p=quarantine once the reports show your mail passing:`,
      publish: proposal,
    });
  }
  const where = r.inherited ? `${r.name} (the organisational domain's, taken as the last two labels: a simplification)` : r.name;
  // A subdomain under an organisational record gets sp= when it is there (RFC 7489 §6.3).
  const policy = (r.inherited ? (r.tags.get('sp') ?? r.tags.get('p')) : r.tags.get('p'))?.toLowerCase();
  const policyTag = r.inherited && r.tags.has('sp') ? 'sp' : 'p';
  if (!r.tags.has('p')) {
    return check('dmarc', title, 'fail', `${where}: "${r.record}" has no p= tag, so it is not a valid DMARC record`, {
      fix: `add a policy: p=none to start, p=quarantine or p=reject once the reports are clean`,
      publish: { name: r.name, type: 'TXT', value: r.record.replace(/^(v\s*=\s*DMARC1\s*;?)\s*/i, 'v=DMARC1; p=none; ') },
    });
  }
  if (!['none', 'quarantine', 'reject'].includes(policy ?? '')) {
    return check('dmarc', title, 'fail', `${where}: ${policyTag}=${policy} is not a DMARC policy (none, quarantine or reject)`, {
      fix: `set ${policyTag}=none, quarantine or reject`,
    });
  }
  const pct = r.tags.get('pct');
  const pctNote = pct && pct !== '100' ? `; pct=${pct}: the policy applies to ${pct} % of failing mail` : '';
  if (policy === 'none') {
    return check(
      'dmarc',
      title,
      'warn',
      `${where}: ${policyTag}=none: monitoring only, receivers act on nothing and mail forged as ${fromDomain} still gets through${pctNote}`,
      {
        fix: `once the reports (rua=) show your own mail passing, move to ${policyTag}=quarantine:`,
        publish: { name: r.name, type: 'TXT', value: r.record.replace(new RegExp(`(^|;)(\\s*)${policyTag}\\s*=\\s*none`, 'i'), `$1$2${policyTag}=quarantine`) },
      },
    );
  }
  return check('dmarc', title, 'pass', `${where}: ${policyTag}=${policy}${pctNote}`);
}

/** Relaxed: the same organisational domain; strict: the very same domain. */
export function aligned(a: string, b: string, strict: boolean): boolean {
  return strict ? a === b : orgDomain(a) === orgDomain(b);
}

/** Inputs of the alignment checks. */
export interface AlignmentInput {
  fromDomain: string;
  /** DKIM_DOMAIN, when mail is signed. */
  dkimDomain: string | undefined;
  /** BOUNCE_DOMAIN, when set (else the envelope sender is the From address itself). */
  bounceDomain: string | undefined;
  dmarc: DmarcRecord | undefined;
}

/**
 * DKIM and SPF alignment with the From domain. DKIM alignment is what survives forwarding, so
 * an unaligned DKIM_DOMAIN fails; unaligned SPF only warns when DKIM aligns (DMARC needs one).
 */
export function checkAlignment(input: AlignmentInput): CheckResult[] {
  const { fromDomain, dkimDomain, bounceDomain, dmarc } = input;
  const strictDkim = dmarc?.tags.get('adkim')?.toLowerCase() === 's';
  const strictSpf = dmarc?.tags.get('aspf')?.toLowerCase() === 's';
  const how = (strict: boolean) => (strict ? 'strict: the same domain' : 'relaxed: the same organisational domain, taken as the last two labels');
  const out: CheckResult[] = [];

  const dkimOk = dkimDomain !== undefined && aligned(dkimDomain, fromDomain, strictDkim);
  if (!dkimDomain) {
    out.push(
      check(
        'dkim-alignment',
        'DKIM alignment',
        'skip',
        'mail is not DKIM-signed (DKIM_DOMAIN not set): DMARC rests on SPF alone, which breaks when mail is forwarded',
      ),
    );
  } else if (dkimOk) {
    out.push(check('dkim-alignment', 'DKIM alignment', 'pass', `d=${dkimDomain} aligns with the From domain ${fromDomain} (${how(strictDkim)})`));
  } else {
    out.push(
      check(
        'dkim-alignment',
        'DKIM alignment',
        'fail',
        `DKIM_DOMAIN ${dkimDomain} is not aligned with the From domain ${fromDomain} (${how(strictDkim)}): DMARC ignores the signature`,
        {
          fix: strictDkim
            ? `set DKIM_DOMAIN=${fromDomain} (adkim=s asks for the very domain) and publish the key under it`
            : `set DKIM_DOMAIN=${fromDomain} (or a domain under ${orgDomain(fromDomain)}) and publish the key under it`,
        },
      ),
    );
  }

  if (!bounceDomain) {
    out.push(check('spf-alignment', 'SPF alignment', 'pass', `the envelope sender is the From address itself (BOUNCE_DOMAIN not set): aligned`));
  } else if (aligned(bounceDomain, fromDomain, strictSpf)) {
    out.push(check('spf-alignment', 'SPF alignment', 'pass', `the envelope-sender domain ${bounceDomain} aligns with ${fromDomain} (${how(strictSpf)})`));
  } else {
    const suggestion = strictSpf ? fromDomain : `bounces.${orgDomain(fromDomain)}`;
    out.push(
      check(
        'spf-alignment',
        'SPF alignment',
        dkimOk ? 'warn' : 'fail',
        `the envelope-sender domain ${bounceDomain} (BOUNCE_DOMAIN) is not aligned with ${fromDomain} (${how(strictSpf)})${dkimOk ? ': DMARC still passes through DKIM' : ', and DKIM does not align either: DMARC fails'}`,
        { fix: `set BOUNCE_DOMAIN=${suggestion} (with its MX and SPF)` },
      ),
    );
  }
  return out;
}

/** Mailbox providers whose DMARC policy (p=reject or quarantine) fails mail "from" them sent by anyone else. */
const FREE_MAIL = new Set([
  'gmail.com',
  'googlemail.com',
  'yahoo.com',
  'ymail.com',
  'rocketmail.com',
  'outlook.com',
  'hotmail.com',
  'live.com',
  'msn.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'aol.com',
  'proton.me',
  'protonmail.com',
  'pm.me',
  'zoho.com',
  'yandex.com',
  'yandex.ru',
  'mail.ru',
  'web.de',
  'mail.com',
  'tutanota.com',
  'tuta.io',
  'fastmail.com',
  'qq.com',
  '163.com',
]);
/** Families that exist under many country domains: gmx.de, yahoo.co.uk, hotmail.fr… */
const FREE_MAIL_FAMILY = /^(gmx|yahoo|hotmail|outlook|live|aol|yandex)\.[a-z]{2,3}(\.[a-z]{2})?$/;

/** True for a free-mail provider's domain. */
export function isFreeMail(domain: string): boolean {
  const d = domain.toLowerCase();
  return FREE_MAIL.has(d) || FREE_MAIL_FAMILY.test(d);
}

/** The From domain must be one the operator controls: nobody can publish SPF or DKIM for gmail.com. */
export function checkFreeMail(fromDomain: string, fromAddress: string): CheckResult {
  if (!isFreeMail(fromDomain)) return check('from-domain', 'From domain', 'pass', `${fromDomain} is not a free-mail domain`);
  return check(
    'from-domain',
    'From domain',
    'fail',
    `MAIL_FROM ${fromAddress} is at ${fromDomain}, a free-mail domain: its DMARC policy makes mail "from" it sent through any other server fail`,
    {
      fix: `send from a domain you control (MAIL_FROM="Name <digest@news.your-domain.org>"), with its own SPF, DKIM and DMARC; a free-mail address can still receive replies`,
    },
  );
}
