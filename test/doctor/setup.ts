/**
 * A sending set-up for `paperboy doctor` on loopback, all real parts: an authoritative DNS
 * server for example.org, SMTP servers (STARTTLS with AUTH, implicit TLS, STARTTLS without
 * AUTH, plaintext), and Paperboy's own HTTP app over https and http. The TLS certificate is a
 * self-signed one made by openssl for news.example.org, mail.example.org and 127.0.0.1; the
 * doctor is told to trust it (`ca`), as an operator with a private CA would with --ca-file.
 */
import { execFileSync } from 'node:child_process';
import { type KeyObject, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { expect } from 'vitest';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { type App, createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { runDoctor } from '../../src/doctor/checks.js';
import { dkimRecord } from '../../src/doctor/dkim.js';
import type { CheckResult, CheckStatus } from '../../src/doctor/report.js';
import { createHttpApp } from '../../src/http/server.js';
import { silentLog } from '../../src/log.js';
import { type TestDns, type Zone, startDns } from '../helpers/dns-server.js';
import { type TestSmtp, startSmtp } from '../helpers/smtp.js';
import { type Workspace, workspace } from '../helpers/workspace.js';

/** The SMTP credentials the lab's servers accept (tests check the password is never printed). */
export const USER = 'digest-sender';
export const PASS = 'sw0rdfish-Secret-9';

/** A key pair as PEM (private) and KeyObject (public). */
export interface Key {
  pem: string;
  publicKey: KeyObject;
}

/** The running set-up; `close()` stops every server. */
export interface Lab {
  dir: string;
  dns: TestDns;
  /** The zone the DNS server answers from: change it in a test, `resetZone()` puts the good one back. */
  zone: Zone;
  resetZone(): void;
  /** A configuration where every check passes. */
  env: Record<string, string>;
  /** The self-signed certificate's PEM, to trust. */
  cert: string;
  certFile: string;
  keys: { rsa: Key; otherRsa: Key; rsa1024: Key; rsa512: Key; ed: Key };
  smtp: { starttls: number; smtps: number; noAuth: number; plain: number; closed: number };
  /** Ports of Paperboy's HTTP app. */
  web: { https: number; http: number; closed: number };
  close(): Promise<void>;
}

function key(type: 'rsa' | 'ed25519', bits = 2048): Key {
  const { privateKey } = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: bits }) : generateKeyPairSync('ed25519');
  return { pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), publicKey: createPublicKey(privateKey) };
}

/** A self-signed certificate valid for the lab's names (node:crypto makes keys, not certificates). */
function certificate(dir: string): { key: string; cert: string; certFile: string } {
  const keyFile = path.join(dir, 'tls-key.pem');
  const certFile = path.join(dir, 'tls-cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=news.example.org',
      '-addext',
      'subjectAltName=DNS:news.example.org,DNS:mail.example.org,IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile };
}

async function listen(server: SMTPServer): Promise<number> {
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.server.address() as { port: number }).port;
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

/** Starts every server and makes the keys; takes about a second (the RSA keys). */
export async function startLab(): Promise<Lab> {
  const dir = mkdtempSync(path.join(tmpdir(), 'paperboy-doctor-'));
  const tls = certificate(dir);
  const keys = { rsa: key('rsa'), otherRsa: key('rsa'), rsa1024: key('rsa', 1024), rsa512: key('rsa', 512), ed: key('ed25519') };

  const base: SMTPServerOptions = {
    logger: false,
    disableReverseLookup: true,
    key: tls.key,
    cert: tls.cert,
    onAuth: (auth, _s, cb) =>
      auth.username === USER && auth.password === PASS
        ? cb(null, { user: USER })
        : cb(Object.assign(new Error('Invalid username or password'), { responseCode: 535 })),
    onData: (stream, _s, cb) => stream.on('data', () => {}).on('end', () => cb()),
  };
  const servers = [
    new SMTPServer({ ...base }),
    new SMTPServer({ ...base, secure: true }),
    new SMTPServer({ ...base, disabledCommands: ['AUTH'], authOptional: true }),
  ];
  const [starttls, smtps, noAuth] = await Promise.all(servers.map(listen));
  const plain: TestSmtp = await startSmtp({ auth: { user: USER, pass: PASS } });

  // Paperboy's real HTTP app over a throwaway workspace, served over https and over http.
  const ws: Workspace = workspace();
  const app: App = await createApp(loadConfig(ws.env, ws.dir), silentLog);
  const http = createHttpApp(app);
  const secureWeb = serve({ fetch: http.fetch, port: 0, hostname: '127.0.0.1', createServer: createHttpsServer, serverOptions: { key: tls.key, cert: tls.cert } });
  const plainWeb = serve({ fetch: http.fetch, port: 0, hostname: '127.0.0.1', createServer: createHttpServer });
  await Promise.all([secureWeb, plainWeb].map((s) => new Promise<void>((resolve) => (s.listening ? resolve() : s.once('listening', () => resolve())))));
  const portOf = (s: typeof secureWeb) => (s.address() as { port: number }).port;

  const zone: Zone = {};
  const web = { https: portOf(secureWeb), http: portOf(plainWeb), closed: await closedPort() };
  const good = (): Zone => ({
    'example.org': { TXT: ['v=spf1 a:mail.example.org ~all', 'google-site-verification=abc'], MX: [{ priority: 10, exchange: 'mail.example.org' }] },
    'bounces.example.org': { TXT: ['v=spf1 include:_spf.example.net ~all'], MX: [{ priority: 10, exchange: 'mail.example.org' }] },
    '_spf.example.net': { TXT: ['v=spf1 ip4:192.0.2.0/24 a:relay.example.net -all'] },
    'mail.example.org': { A: ['127.0.0.1'] },
    'news.example.org': { A: ['127.0.0.1'] },
    'paperboy._domainkey.example.org': { TXT: [dkimRecord('rsa', keys.rsa.publicKey)] },
    'ed._domainkey.example.org': { TXT: [dkimRecord('ed25519', keys.ed.publicKey)] },
    '_dmarc.example.org': { TXT: ['v=DMARC1; p=quarantine; rua=mailto:dmarc@example.org'] },
  });
  const resetZone = () => {
    for (const k of Object.keys(zone)) delete zone[k];
    Object.assign(zone, good());
  };
  resetZone();
  const dns = await startDns(zone);

  const smtpPorts = { starttls: starttls!, smtps: smtps!, noAuth: noAuth!, plain: plain.port, closed: await closedPort() };
  const env: Record<string, string> = {
    MAIL_FROM: 'Paperboy <digest@example.org>',
    BOUNCE_DOMAIN: 'bounces.example.org',
    DKIM_DOMAIN: 'example.org',
    DKIM_SELECTOR: 'paperboy',
    DKIM_PRIVATE_KEY: keys.rsa.pem,
    DKIM_ED25519_SELECTOR: 'ed',
    DKIM_ED25519_PRIVATE_KEY: keys.ed.pem,
    SMTP_URL: `smtp://${USER}:${PASS}@mail.example.org:${smtpPorts.starttls}`,
    PUBLIC_URL: `https://news.example.org:${web.https}`,
    DNS_SERVERS: dns.server,
    SECRET_KEY: 'test-secret-key-0123456789abcdef0123456789',
  };

  return {
    dir,
    dns,
    zone,
    resetZone,
    env,
    cert: tls.cert,
    certFile: tls.certFile,
    keys,
    smtp: smtpPorts,
    web,
    async close() {
      await dns.close();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
      await plain.close();
      for (const s of [secureWeb, plainWeb]) {
        (s as { closeAllConnections?: () => void }).closeAllConnections?.();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
      await app.close();
      ws.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs the doctor on the lab's good configuration with `env` changed (`undefined` removes a key); results by id. */
export async function doctorWith(lab: Lab, env: Record<string, string | undefined> = {}, timeoutMs = 5000): Promise<Map<string, CheckResult>> {
  const merged: Record<string, string | undefined> = { ...lab.env, ...env };
  for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
  const results = await runDoctor(loadConfig(merged, lab.dir), { ca: lab.cert, timeoutMs, dnsTimeoutMs: 1000 });
  return new Map(results.map((r) => [r.id, r]));
}

/** Each check's status, by id. */
export const statuses = (m: Map<string, CheckResult>) => Object.fromEntries([...m].map(([id, r]) => [id, r.status]));

/** Every line of a good set-up, in the order the doctor prints them. */
export const ALL_PASS: Record<string, CheckStatus> = {
  'from-domain': 'pass',
  spf: 'pass',
  dkim: 'pass',
  'dkim-ed25519': 'pass',
  dmarc: 'pass',
  'dkim-alignment': 'pass',
  'spf-alignment': 'pass',
  'bounce-mx': 'pass',
  smtp: 'pass',
  'smtp-tls': 'pass',
  'smtp-auth': 'pass',
  'public-url': 'pass',
  unsubscribe: 'pass',
};

/** Asserts that every check passed but those in `changed`, which have the status given. */
export function expectOnly(m: Map<string, CheckResult>, changed: Record<string, CheckStatus>): void {
  expect(statuses(m)).toEqual({ ...ALL_PASS, ...changed });
}
