/**
 * The SPF check of `paperboy doctor`: the envelope-sender domain (BOUNCE_DOMAIN, else the
 * MAIL_FROM domain: that is the domain receivers check SPF for) has exactly one `v=spf1`
 * record, which does not end in `+all`; its includes are followed one level deep.
 *
 * Whether the relay's outbound address is among the allowed ones is not evaluated: the doctor
 * cannot know which address a relay sends from.
 */
import { isIP } from 'node:net';
import { type Dns, isLoopback } from './dns.js';
import { type CheckResult, check } from './report.js';

const SPF_RE = /^v=spf1(\s|$)/i;
/** Terms that cost a DNS lookup at the receiver (RFC 7208 §4.6.4 allows 10). */
const LOOKUP_TERM = /^[+\-~?]?(include:|a$|a[:/]|mx$|mx[:/]|ptr|exists:|redirect=)/i;
const LOOKUP_LIMIT = 10;

/** The terms of an SPF record after `v=spf1`. */
function termsOf(record: string): string[] {
  return record.trim().split(/\s+/).slice(1);
}

/** The `all` term with its qualifier ('+' when none is written), or undefined. */
function allOf(terms: string[]): string | undefined {
  const t = terms.find((x) => /^[+\-~?]?all$/i.test(x));
  return t === undefined ? undefined : /^[+\-~?]/.test(t) ? t[0] : '+';
}

/** A record to propose when there is none: the SMTP relay's address or name, else the domain's MX. */
export function proposedSpf(smtpHost: string | undefined): string {
  if (smtpHost && !isLoopback(smtpHost)) {
    const host = smtpHost.replace(/^\[|\]$/g, '');
    const v = isIP(host);
    return `v=spf1 ${v === 4 ? `ip4:${host}` : v === 6 ? `ip6:${host}` : `a:${host}`} ~all`;
  }
  return 'v=spf1 mx ~all';
}

/** One record from two or more: every term but `all` once, ending in `~all`. */
export function mergedSpf(records: string[]): string {
  const terms = [...new Set(records.flatMap(termsOf).filter((t) => !/^[+\-~?]?all$/i.test(t)))];
  return ['v=spf1', ...terms, '~all'].join(' ');
}

/** Checks the SPF record of `domain` (the envelope sender's). */
export async function checkSpf(dns: Dns, domain: string, smtpHost: string | undefined): Promise<CheckResult> {
  const title = 'SPF';
  const found = await dns.txt(domain);
  if (!found.ok)
    return check('spf', title, 'fail', `could not be decided: ${found.error}`, { fix: 'check DNS_SERVERS (or the system resolver) and run the doctor again' });
  const records = found.records.filter((r) => SPF_RE.test(r.trim()));
  if (records.length === 0) {
    const value = proposedSpf(smtpHost);
    return check('spf', title, 'fail', `no SPF record (v=spf1) at ${domain}, the envelope-sender domain`, {
      fix: `publish one TXT record at ${domain} naming the servers that send for it (your relay may document an include: to use instead):`,
      publish: { name: domain, type: 'TXT', value },
    });
  }
  if (records.length > 1) {
    return check('spf', title, 'fail', `${records.length} SPF records at ${domain}: receivers treat more than one as a permanent error (RFC 7208 §4.5)`, {
      fix: `merge them into one record at ${domain}:`,
      publish: { name: domain, type: 'TXT', value: mergedSpf(records) },
    });
  }
  const record = records[0]!.trim();
  const terms = termsOf(record);
  const all = allOf(terms);
  if (all === '+') {
    const value = ['v=spf1', ...terms.filter((t) => !/^[+]?all$/i.test(t)), '~all'].join(' ');
    return check('spf', title, 'fail', `${domain}: "${record}" ends in +all: any server on the internet may send as ${domain}`, {
      fix: `replace the record with one that ends in ~all (or -all):`,
      publish: { name: domain, type: 'TXT', value },
    });
  }

  const followed = await followIncludes(dns, terms);
  if (followed.broken.length) {
    return check('spf', title, 'fail', `${domain}: "${record}": ${followed.broken.join('; ')}: receivers get a permanent error`, {
      fix: 'correct or remove those terms (an include must name a domain with exactly one SPF record)',
    });
  }
  const lookups = terms.filter((t) => LOOKUP_TERM.test(t)).length + followed.lookups;
  if (lookups > LOOKUP_LIMIT) {
    return check('spf', title, 'fail', `${domain}: "${record}" needs at least ${lookups} DNS lookups; SPF allows ${LOOKUP_LIMIT} (RFC 7208 §4.6.4)`, {
      fix: 'replace includes with the ip4:/ip6: ranges they stand for, or drop the ones no longer used',
    });
  }
  const notes = [...followed.undecided];
  if (followed.count) notes.push(`${followed.count} include${followed.count === 1 ? '' : 's'} followed one level`);
  const note = notes.length ? ` (${notes.join('; ')})` : '';
  if (followed.undecided.length) {
    return check('spf', title, 'warn', `${domain}: "${record}"${note}`, { fix: 'run the doctor again, or check those includes by hand' });
  }
  if (all === '?' || (all === undefined && !terms.some((t) => /^redirect=/i.test(t)))) {
    return check(
      'spf',
      title,
      'warn',
      `${domain}: "${record}" ends ${all === '?' ? 'in ?all' : 'without an all term'}: mail from other servers gets "neutral", not a failure${note}`,
      {
        fix: 'end the record with ~all (or -all)',
        publish: { name: domain, type: 'TXT', value: ['v=spf1', ...terms.filter((t) => !/^[?]all$/i.test(t)), '~all'].join(' ') },
      },
    );
  }
  return check('spf', title, 'pass', `${domain}: "${record}"${note}`);
}

interface Followed {
  /** Includes (and a redirect) looked at. */
  count: number;
  /** Lookups the included records cost (their own includes are not followed). */
  lookups: number;
  broken: string[];
  undecided: string[];
}

/** Looks at each include:/redirect= target once: one level is enough to catch the usual mistakes. */
async function followIncludes(dns: Dns, terms: string[]): Promise<Followed> {
  const targets = terms.map((t) => /^[+\-~?]?include:(.+)$/i.exec(t)?.[1] ?? /^redirect=(.+)$/i.exec(t)?.[1]).filter((d): d is string => Boolean(d));
  const out: Followed = { count: 0, lookups: 0, broken: [], undecided: [] };
  await Promise.all(
    targets.map(async (target) => {
      // A macro (%{i}…) depends on the connecting client: it cannot be resolved here.
      if (target.includes('%')) {
        out.undecided.push(`${target} uses a macro: not followed`);
        return;
      }
      out.count++;
      const found = await dns.txt(target);
      if (!found.ok) {
        out.undecided.push(`${target} could not be decided: ${found.error}`);
        return;
      }
      const spf = found.records.filter((r) => SPF_RE.test(r.trim()));
      if (spf.length !== 1) {
        out.broken.push(`${target} has ${spf.length === 0 ? 'no SPF record' : `${spf.length} SPF records`}`);
        return;
      }
      out.lookups += termsOf(spf[0]!).filter((t) => LOOKUP_TERM.test(t)).length;
    }),
  );
  return out;
}
