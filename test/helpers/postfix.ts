/**
 * A private Postfix instance (Debian's postfix, `postfix -c DIR start-fg`) with its config,
 * queue and log in a temp dir: a real MTA that accepts a message on a loopback port, relays it,
 * and writes the real DSN when the relay refuses the recipient. It never touches the machine's
 * own Postfix (/etc/postfix, /var/spool/postfix) and delivers nowhere but the loopback ports it
 * is given.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './dovecot.js';
import { eventually } from './eventually.js';
import { POSTFIX_BIN, missing } from './requires.js';

/** A running private Postfix. */
export interface TestPostfix {
  /** Its smtpd, on 127.0.0.1. */
  port: number;
  dir: string;
  /** The mail log so far (every delivery attempt and its reply). */
  log(): string;
  stop(): Promise<void>;
}

/** Where mail goes: everything to `relayPort`, except the domains in `transports` (domain → port). */
export interface PostfixRoutes {
  relayPort: number;
  transports?: Record<string, number>;
}

/** Starts Postfix and waits for its 220 greeting. */
export async function startPostfix(routes: PostfixRoutes): Promise<TestPostfix> {
  const why = missing('postfix');
  if (why) throw new Error(why);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'paperboy-postfix-'));
  await chmod(dir, 0o755); // the daemons run as the postfix user and must reach data/
  const conf = path.join(dir, 'conf');
  await mkdir(conf);
  // The queue must belong to root (postfix-script fixes the subdirectories); data to the postfix user.
  await mkdir(path.join(dir, 'queue'));
  await mkdir(path.join(dir, 'data'));
  const pw = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postfix:'))!
    .split(':');
  await chown(path.join(dir, 'data'), Number(pw[2]), Number(pw[3]));
  const port = await freePort();
  await writeFile(path.join(conf, 'main.cf'), mainCf(dir, routes));
  await writeFile(path.join(conf, 'master.cf'), masterCf(port));

  const child = spawn(POSTFIX_BIN, ['-c', conf, 'start-fg'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => void (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => void (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log = () => output + (existsSync(path.join(dir, 'maillog')) ? readFileSync(path.join(dir, 'maillog'), 'utf8') : '');
  // If the test process ends without stop(), signal the master (not our direct child) by its pid file.
  const onExit = () => {
    try {
      process.kill(Number(readFileSync(path.join(dir, 'queue', 'pid', 'master.pid'), 'utf8').trim()), 'SIGTERM');
    } catch {
      child.kill('SIGTERM');
    }
  };
  process.once('exit', onExit);
  const stop = async () => {
    process.off('exit', onExit);
    if (child.exitCode === null && child.signalCode === null) {
      // `postfix stop` signals the master through its pid file, whatever process tree start-fg made.
      await promisify(execFile)(POSTFIX_BIN, ['-c', conf, 'stop']).catch(() => child.kill('SIGTERM'));
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForBanner(port, child, log);
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, dir, log, stop };
}

function mainCf(dir: string, routes: PostfixRoutes): string {
  // inline: maps may not contain spaces in main.cf (the value is split on whitespace).
  const transports = Object.entries(routes.transports ?? {}).map(([domain, port]) => `${domain}=smtp:[127.0.0.1]:${port}`);
  return `# A throw-away test instance: written by test/helpers/postfix.ts
compatibility_level = 3.6
queue_directory = ${dir}/queue
data_directory = ${dir}/data
maillog_file = ${dir}/maillog
maillog_file_prefixes = ${dir}
syslog_name = postfix-paperboy-test
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mta.paperboy.test
mydomain = paperboy.test
myorigin = $myhostname
# Nothing is delivered locally: every message leaves through the loopback routes below.
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
relayhost = [127.0.0.1]:${routes.relayPort}
${transports.length ? `transport_maps = inline:{${transports.join(',')}}` : ''}
smtp_tls_security_level = none
smtpd_tls_security_level = none
smtp_dns_support_level = disabled
biff = no
`;
}

/** Only the services a relay that bounces needs; no chroot (the queue is a temp dir). */
function masterCf(port: number): string {
  const services = [
    `127.0.0.1:${port} inet n - n - - smtpd`,
    'pickup unix n - n 60 1 pickup',
    'cleanup unix n - n - 0 cleanup',
    'qmgr unix n - n 300 1 qmgr',
    'rewrite unix - - n - - trivial-rewrite',
    'bounce unix - - n - 0 bounce',
    'defer unix - - n - 0 bounce',
    'trace unix - - n - 0 bounce',
    'verify unix - - n - 1 verify',
    'flush unix n - n 1000? 0 flush',
    'proxymap unix - - n - - proxymap',
    'smtp unix - - n - - smtp',
    'relay unix - - n - - smtp',
    'error unix - - n - - error',
    'retry unix - - n - - error',
    'discard unix - - n - - discard',
    'anvil unix - - n - 1 anvil',
    'scache unix - - n - 1 scache',
    'showq unix n - n - - showq',
    'postlog unix-dgram n - n - 1 postlogd',
  ];
  return `${services.join('\n')}\n`;
}

/** Waits for the smtpd's "220" banner; fails with the mail log if Postfix exits or hangs. */
async function waitForBanner(port: number, child: ChildProcess, log: () => string, ms = 20_000): Promise<void> {
  const greeted = async () => {
    if (child.exitCode !== null) throw new Error(`postfix exited (${child.exitCode}): ${log()}`);
    return new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.setTimeout(1000, () => (s.destroy(), resolve(false)));
      s.once('data', (d: Buffer) => (s.end('QUIT\r\n'), resolve(d.toString().startsWith('220'))));
      s.once('error', () => resolve(false));
    });
  };
  await eventually(greeted, { what: () => `postfix to answer on 127.0.0.1:${port}: ${log()}`, timeoutMs: ms, intervalMs: 100 });
}
