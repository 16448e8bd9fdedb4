/**
 * The SMTP checks of `paperboy doctor`: SMTP_URL answers, the session is encrypted (smtps, or
 * STARTTLS with a certificate that verifies), and AUTH is offered and accepts the credentials
 * when the URL carries some. One session through nodemailer's SMTPConnection, as the sender
 * uses it (`parseSmtpUrl`): what it negotiates is what a send would get.
 *
 * What the server offered is read from public properties: `secure` (TLS in place, from the
 * start or after STARTTLS, which nodemailer does whenever the server offers it), `allowsAuth`
 * and `lastServerResponse` (the last EHLO reply, where the AUTH line lists the mechanisms).
 *
 * The password is never printed, and never sent over a connection that is not encrypted
 * unless the server is this machine.
 */
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { isIP } from 'node:net';
import { redactUrl } from '../config.js';
import { parseSmtpUrl } from '../send/smtp-pool.js';
import { type Dns, isLoopback } from './dns.js';
import { type CheckResult, check } from './report.js';

/** Probe settings. */
export interface SmtpProbeOptions {
  timeoutMs: number;
  /** The certificate authorities to trust instead of Node's own (see `DoctorOptions.ca`). */
  ca?: string[] | undefined;
}

/** What one session showed. */
interface Probe {
  error?: { code: string; message: string; tls: boolean };
  secure: boolean;
  allowsAuth: boolean;
  mechanisms: string[];
  ehloName: string;
  login?: { ok: true } | { ok: false; message: string };
}

type ConnectionOptions = NonNullable<ConstructorParameters<typeof SMTPConnection>[0]>;

/** A certificate or handshake problem, as opposed to a server that cannot be reached at all. */
const TLS_ERROR = /certificate|self[- ]signed|CERT_|unable to verify|altnames|handshake|ssl|tls/i;

/** Connects once, reads what the server offers, tries the credentials when it is safe to. */
async function probe(url: string, dns: Dns, opts: SmtpProbeOptions): Promise<Probe> {
  const { options, auth } = parseSmtpUrl(url);
  const host = options.host!;
  // Resolved through the doctor's DNS (DNS_SERVERS); the certificate is still checked against the name.
  let address = host;
  if (!isIP(host) && host !== 'localhost') {
    const found = await dns.addresses(host);
    if (found.ok && found.records[0]) address = found.records[0];
  }
  const connection = new SMTPConnection({
    ...options,
    host: address,
    ...(address !== host ? { servername: host } : {}),
    connectionTimeout: opts.timeoutMs,
    greetingTimeout: opts.timeoutMs,
    socketTimeout: opts.timeoutMs,
    logger: false,
    tls: { ...(options.tls ?? {}), ...(opts.ca ? { ca: opts.ca } : {}) },
  } as ConnectionOptions);
  // An error after the handshake (a reset during QUIT) must not crash the doctor: it has what it needs.
  connection.on('error', () => {});
  const state: Probe = { secure: false, allowsAuth: false, mechanisms: [], ehloName: '' };
  try {
    await new Promise<void>((resolve, reject) => {
      connection.once('error', reject);
      connection.connect(() => {
        connection.removeListener('error', reject);
        resolve();
      });
    });
    state.secure = connection.secure;
    state.allowsAuth = connection.allowsAuth;
    const ehlo = String(connection.lastServerResponse || '');
    state.ehloName = /^250[ -](\S+)/.exec(ehlo)?.[1] ?? '';
    state.mechanisms =
      /^250[ -]AUTH[ =](.*)$/im
        .exec(ehlo)?.[1]
        ?.trim()
        .split(/\s+/)
        .map((m) => m.toUpperCase()) ?? [];
    if (auth && state.allowsAuth && (state.secure || isLoopback(host))) {
      state.login = await new Promise((resolve) =>
        connection.login(auth, (err) => resolve(err ? { ok: false, message: scrub(oneReply(err), auth.pass) } : { ok: true })),
      );
    }
    connection.quit();
  } catch (err) {
    const e = err as Error & { code?: string; response?: string };
    const message = scrub(oneReply(e), auth?.pass);
    state.error = { code: e.code ?? 'ERROR', message, tls: e.code === 'ETLS' || TLS_ERROR.test(message) };
    connection.close();
  }
  return state;
}

/** The server's reply or the error, on one short line. */
function oneReply(err: Error & { response?: string }): string {
  return (err.response || err.message).replace(/\s+/g, ' ').trim().slice(0, 200);
}

/** Takes the password out of a message, in case a server echoes it. */
function scrub(message: string, pass: string | undefined): string {
  return pass && pass.length >= 3 ? message.split(pass).join('***') : message;
}

/** The three SMTP lines: `smtp` (connects), `smtp-tls`, `smtp-auth`; one skipped line when SMTP_URL is unset. */
export async function checkSmtp(smtpUrl: string | undefined, outboxDir: string, dns: Dns, opts: SmtpProbeOptions): Promise<CheckResult[]> {
  if (!smtpUrl) return [check('smtp', 'SMTP', 'skip', `SMTP_URL not set: digests are written as .eml files to ${outboxDir}`)];
  const shown = redactUrl(smtpUrl)!;
  const { options, auth } = parseSmtpUrl(smtpUrl);
  const server: Server = {
    host: options.host!,
    port: options.port,
    secure: Boolean(options.secure),
    local: isLoopback(options.host!),
    insecure: new URL(smtpUrl).searchParams.get('tls') === 'insecure',
  };
  const p = await probe(smtpUrl, dns, opts);

  if (p.error && !p.error.tls) {
    return [
      check('smtp', 'SMTP', 'fail', `cannot talk to ${shown}: ${p.error.message} (${p.error.code})`, {
        fix: `check the host and port in SMTP_URL and that this machine may connect to them (many networks block outbound 25 and 587)`,
      }),
      check('smtp-tls', 'SMTP TLS', 'skip', 'not checked: no session'),
      check('smtp-auth', 'SMTP AUTH', 'skip', 'not checked: no session'),
    ];
  }
  const out: CheckResult[] = [check('smtp', 'SMTP', 'pass', `${shown} answers${p.ehloName ? ` as ${p.ehloName}` : ''}`)];
  if (p.error) {
    out.push(failedHandshake(p.error.message, server), check('smtp-auth', 'SMTP AUTH', 'skip', 'not checked: no encrypted session'));
    return out;
  }
  out.push(tlsLine(p, server), authLine(p, server, Boolean(auth)));
  return out;
}

/** The server SMTP_URL names, as the TLS and AUTH lines speak of it. */
interface Server {
  host: string;
  port: string | number | undefined;
  /** smtps: TLS from the first byte. */
  secure: boolean;
  /** This machine: plaintext is acceptable. */
  local: boolean;
  /** `?tls=insecure`: the certificate is not verified. */
  insecure: boolean;
}

/** The `smtp-tls` line when the TLS handshake (smtps, or STARTTLS) failed. */
function failedHandshake(message: string, { host, port, secure }: Server): CheckResult {
  // smtps:// on a port that speaks plain SMTP first: OpenSSL reads "220 …" as a broken TLS record.
  const plainPort = /wrong version number|packet length too long|unknown protocol/i.test(message);
  return check('smtp-tls', 'SMTP TLS', 'fail', `${secure ? 'the TLS handshake' : 'STARTTLS'} with ${host} failed: ${message}`, {
    fix: plainPort
      ? `port ${port} speaks plain SMTP first: use smtp://…@${host}:${port} (STARTTLS), or smtps:// with the implicit-TLS port (465)`
      : `install a certificate valid for ${host} from a public authority on the server (or, for a relay you trust on a private network, add ?tls=insecure to SMTP_URL)`,
  });
}

/** The `smtp-tls` line after a session: encrypted (and whether the certificate was verified), or plaintext. */
function tlsLine(p: Probe, { host, secure, local, insecure }: Server): CheckResult {
  const verified = insecure ? ', certificate NOT verified (tls=insecure)' : ', certificate verified';
  if (p.secure) {
    const how = secure ? 'TLS from the first byte (smtps)' : 'STARTTLS offered and used';
    return insecure
      ? check('smtp-tls', 'SMTP TLS', 'warn', `${how}${verified}: anyone on the path can pose as the server`, {
          fix: `install a certificate valid for ${host} and drop ?tls=insecure from SMTP_URL`,
        })
      : check('smtp-tls', 'SMTP TLS', 'pass', `${how}${verified}`);
  }
  if (local) {
    return check('smtp-tls', 'SMTP TLS', 'warn', `${host} does not offer STARTTLS: plaintext, acceptable only because the server is this machine`, {
      fix: 'turn STARTTLS on in the server if it is ever reached over a network',
    });
  }
  return check('smtp-tls', 'SMTP TLS', 'fail', `${host} does not offer STARTTLS: the password and every digest would cross the network in plaintext`, {
    fix: `turn STARTTLS on in the server (Postfix: smtpd_tls_security_level = may, with smtpd_tls_cert_file and smtpd_tls_key_file), or use its implicit-TLS port: smtps://…@${host}:465`,
  });
}

/** The `smtp-auth` line: no credentials, not tried (and why), not offered, accepted or refused. */
function authLine(p: Probe, { host, local }: Server, hasCredentials: boolean): CheckResult {
  const offered = p.mechanisms.length ? `AUTH ${p.mechanisms.join(' ')}` : 'AUTH';
  if (!hasCredentials) {
    return check(
      'smtp-auth',
      'SMTP AUTH',
      'skip',
      `no credentials in SMTP_URL (the server must relay for this machine without them)${p.allowsAuth ? `; it offers ${offered}` : ''}`,
    );
  }
  if (!p.login && !p.secure && !local) {
    // Many servers offer AUTH only after STARTTLS, and the doctor does not send a password in clear: see the TLS line.
    return check('smtp-auth', 'SMTP AUTH', 'skip', `${p.allowsAuth ? `${offered} offered; ` : ''}the credentials were not tried over an unencrypted connection`);
  }
  if (!p.allowsAuth) {
    return check(
      'smtp-auth',
      'SMTP AUTH',
      'fail',
      `SMTP_URL has credentials but ${host} does not offer AUTH${p.secure ? ' (after STARTTLS)' : ''}: every send would fail at login`,
      {
        fix: `enable SMTP AUTH on the server, or take the user and password out of SMTP_URL if it relays for this machine without them`,
      },
    );
  }
  if (!p.login) return check('smtp-auth', 'SMTP AUTH', 'skip', `${offered} offered; the credentials were not tried`);
  if (p.login.ok) return check('smtp-auth', 'SMTP AUTH', 'pass', `${offered} offered; the credentials in SMTP_URL are accepted`);
  return check('smtp-auth', 'SMTP AUTH', 'fail', `${offered} offered, but the credentials in SMTP_URL are refused: ${p.login.message}`, {
    fix: 'check the user and password in SMTP_URL (percent-encode @ : / and % inside them)',
  });
}
