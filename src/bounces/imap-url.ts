/**
 * BOUNCE_IMAP_URL read into what the IMAP client needs (`imap.ts`): host, port, TLS, the login and
 * the mailbox path, with a one-line error that never shows the password.
 */
import { redactUrl } from '../config.js';
import { AppError } from '../errors.js';

/** The parts of BOUNCE_IMAP_URL, validated. */
export interface ImapTarget {
  host: string;
  port: number;
  secure: boolean;
  user: string;
  pass: string;
  /** Mailbox path segments ('/' in the URL separates levels). */
  mailbox: string[];
  /** Accept any certificate (`?tls=insecure`): a self-signed test or in-house server. */
  insecureTls: boolean;
  /** The URL with its password replaced by ***, for messages. */
  redacted: string;
}

/** Parses BOUNCE_IMAP_URL; throws AppError('CONFIG_INVALID') with one line and no password. */
export function parseImapUrl(url: string): ImapTarget {
  const redacted = redactUrl(url) ?? '';
  const bad = (why: string) => new AppError('CONFIG_INVALID', `BOUNCE_IMAP_URL ${redacted}: ${why}`);
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw bad('not a URL (imap://user:pass@host[:port]/MAILBOX)');
  }
  if (u.protocol !== 'imap:' && u.protocol !== 'imaps:') throw bad('the scheme must be imap:// or imaps://');
  if (!u.hostname) throw bad('no host');
  if (!u.username || !u.password) throw bad('user and password are required (imap://user:pass@host/MAILBOX)');
  for (const [key, value] of u.searchParams) {
    if (key !== 'tls' || value !== 'insecure') throw bad(`unknown option ${key}=${value} (only tls=insecure)`);
  }
  const secure = u.protocol === 'imaps:';
  let mailbox: string[];
  try {
    mailbox = decodeURIComponent(u.pathname).split('/').filter(Boolean);
  } catch {
    throw bad('the mailbox name is not valid percent-encoding');
  }
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: u.port ? Number(u.port) : secure ? 993 : 143,
    secure,
    user: decodeURIComponent(u.username),
    pass: decodeURIComponent(u.password),
    mailbox: mailbox.length ? mailbox : ['INBOX'],
    insecureTls: u.searchParams.get('tls') === 'insecure',
    redacted,
  };
}
