/**
 * `paperboy doctor`'s checks, run against the configuration: the From domain, SPF, DKIM,
 * DMARC and alignment, the bounce domain's MX, SMTP_URL, PUBLIC_URL. The DNS, SMTP and HTTP
 * parts run at the same time; the results come back in a fixed order, one per line.
 */
import { rootCertificates } from 'node:tls';
import type { Config } from '../config.js';
import { domainOf, parseMailbox } from '../lib/email.js';
import { checkAlignment, checkDmarc, checkFreeMail, findDmarc } from './dmarc.js';
import { checkDkim, checkDkimEd25519 } from './dkim.js';
import { Dns } from './dns.js';
import { checkPublicUrl } from './http.js';
import { type CheckResult, check } from './report.js';
import { checkSmtp } from './smtp.js';
import { checkSpf } from './spf.js';

/** How the doctor reaches out; the defaults suit a real run. */
export interface DoctorOptions {
  /** For an SMTP session or an HTTP request, in milliseconds (default 10 s). */
  timeoutMs?: number;
  /** Per DNS try, in milliseconds (default 3 s, two tries). */
  dnsTimeoutMs?: number;
  /** A certificate authority (PEM) to trust besides Node's, for SMTP and HTTPS: a private CA, or a test's self-signed certificate. */
  ca?: string | Buffer;
}

/** Runs every check; never throws for a failing check (each becomes a line). */
export async function runDoctor(config: Config, opts: DoctorOptions = {}): Promise<CheckResult[]> {
  const dns = new Dns({ servers: config.DNS_SERVERS, timeoutMs: opts.dnsTimeoutMs ?? 3000, tries: 2 });
  // `ca` replaces Node's trusted roots: keep them, so that a private CA does not untrust the public ones.
  const net = { timeoutMs: opts.timeoutMs ?? 10_000, ca: opts.ca ? [...rootCertificates, opts.ca.toString()] : undefined };
  const fromAddress = parseMailbox(config.MAIL_FROM)!.address;
  const fromDomain = domainOf(fromAddress)!;
  const envelopeDomain = config.BOUNCE_DOMAIN ?? fromDomain;
  const smtpHost = config.SMTP_URL ? new URL(config.SMTP_URL).hostname : undefined;

  const [spf, dkim, dkimEd, dmarcFound, mx, smtp, http] = await Promise.all([
    checkSpf(dns, envelopeDomain, smtpHost),
    checkDkim(config, dns),
    checkDkimEd25519(config, dns),
    findDmarc(dns, fromDomain),
    checkBounceMx(dns, config.BOUNCE_DOMAIN, fromAddress, config.BOUNCE_IMAP_URL),
    checkSmtp(config.SMTP_URL, config.OUTBOX_DIR, dns, net),
    checkPublicUrl(config.PUBLIC_URL, dns, net),
  ]);
  return [
    checkFreeMail(fromDomain, fromAddress),
    spf,
    dkim,
    dkimEd,
    checkDmarc(fromDomain, dmarcFound),
    ...checkAlignment({ fromDomain, dkimDomain: config.DKIM_DOMAIN, bounceDomain: config.BOUNCE_DOMAIN, dmarc: dmarcFound.record }),
    mx,
    ...smtp,
    ...http,
  ];
}

/** The bounce domain must receive mail: asynchronous bounces and complaints come back to it. */
export async function checkBounceMx(dns: Dns, bounceDomain: string | undefined, fromAddress: string, imapUrl: string | undefined): Promise<CheckResult> {
  const id = 'bounce-mx';
  const title = 'Bounce MX';
  if (!bounceDomain) return check(id, title, 'skip', `BOUNCE_DOMAIN not set: bounces go to the MAIL_FROM address ${fromAddress}`);
  const found = await dns.mx(bounceDomain);
  if (!found.ok)
    return check(id, title, 'fail', `could not be decided: ${found.error}`, { fix: 'check DNS_SERVERS (or the system resolver) and run the doctor again' });
  // The mailbox BOUNCE_IMAP_URL reads is the natural exchange to propose.
  const host = imapUrl ? safeHost(imapUrl) : undefined;
  const proposal = { name: bounceDomain, type: 'MX' as const, value: `10 ${host ?? `mail.${bounceDomain}`}.` };
  if (found.records.length === 0) {
    return check(
      id,
      title,
      'fail',
      `${bounceDomain} has no MX record: bounces and complaints sent to bounces+…@${bounceDomain} are lost, and dead addresses never get suppressed`,
      {
        fix: host
          ? `publish an MX record for ${bounceDomain} pointing at the server whose mailbox BOUNCE_IMAP_URL reads:`
          : `publish an MX record for ${bounceDomain} pointing at a mail server that keeps its mail in a mailbox Paperboy reads (BOUNCE_IMAP_URL), e.g.:`,
        publish: proposal,
      },
    );
  }
  // RFC 7505 null MX: "this domain accepts no mail".
  if (found.records.every((r) => r.exchange === '' || r.exchange === '.')) {
    return check(id, title, 'fail', `${bounceDomain} publishes a null MX (RFC 7505): it accepts no mail, so bounces are lost`, {
      fix: `replace it with an MX pointing at the bounce mailbox's server:`,
      publish: proposal,
    });
  }
  const first = found.records[0]!;
  const addresses = await dns.addresses(first.exchange);
  if (addresses.ok && addresses.records.length === 0) {
    return check(id, title, 'fail', `${bounceDomain} MX ${first.priority} ${first.exchange}, but ${first.exchange} has no address (A/AAAA)`, {
      fix: `give ${first.exchange} an A record, or point the MX at a host that has one`,
    });
  }
  const list = found.records.map((r) => `${r.priority} ${r.exchange}`).join(', ');
  return check(id, title, 'pass', `${bounceDomain} MX ${list}`);
}

/** The host of a URL that may carry a password, without it. */
function safeHost(url: string): string | undefined {
  try {
    return new URL(url).hostname || undefined;
  } catch {
    return undefined;
  }
}
