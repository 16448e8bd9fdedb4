/**
 * A real Dovecot IMAP server for the bounce-mailbox tests: Debian's dovecot-imapd started as a
 * child process (`dovecot -c CONF -F`) on 127.0.0.1 at a free port, with its whole state (config,
 * passwd-file, Maildirs, sockets, log) in a temp dir that stop() removes. Mail is stored the way
 * a stock Dovecot stores it (Maildir, "." as the hierarchy delimiter), so the code under test
 * meets a server's real folder naming, UID MOVE and error replies.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, chmod, chown, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { eventually, sleep } from './eventually.js';
import { DOVECOT_BIN } from './requires.js';

/** A running Dovecot. */
export interface TestDovecot {
  host: string;
  /** Plain IMAP port. */
  port: number;
  /** Implicit-TLS port (self-signed certificate), when started with `tls: true`. */
  tlsPort?: number;
  dir: string;
  /** imap://user:pass@127.0.0.1:PORT/MAILBOX (user and password URL-encoded). */
  url(user: string, mailbox?: string): string;
  /**
   * Adds a user. Dovecot looks at the passwd-file at most once a second, so this waits past the
   * next second: give the users to startDovecot() instead when you can.
   */
  addUser(user: string, password: string): Promise<void>;
  /** Drops messages into the user's INBOX as Maildir files in new/, as a local delivery agent would. */
  seedMaildir(user: string, messages: Buffer[]): Promise<void>;
  /** IMAP APPEND as the user: how a message reaches a folder other than INBOX, or a server not on this disk. */
  append(user: string, raw: Buffer | string, mailbox?: string): Promise<void>;
  /** The raw messages of a folder ('/' separates levels), in UID order; [] when it does not exist. */
  messages(user: string, mailbox?: string): Promise<Buffer[]>;
  /** Mailbox names as the server lists them (with its own delimiter). */
  folders(user: string): Promise<string[]>;
  /** Dovecot's log so far (for a failing test's message). */
  log(): string;
  stop(): Promise<void>;
}

/** Starts Dovecot; users are name → password. Retries on a port taken between probing and binding. */
export async function startDovecot(opts: { users?: Record<string, string>; tls?: boolean } = {}): Promise<TestDovecot> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      if (attempt >= 3 || !/Address already in use/.test(String(err))) throw err;
    }
  }
}

async function startOnce(opts: { users?: Record<string, string>; tls?: boolean }): Promise<TestDovecot> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'paperboy-dovecot-'));
  const ids = processUsers();
  // The mail and auth processes run as other users when we are root: they must reach the dir.
  await chmod(dir, 0o755);
  await mkdir(path.join(dir, 'mail'));
  await chown(path.join(dir, 'mail'), ids.mailUid, ids.mailGid);
  const port = await freePort();
  const tlsPort = opts.tls ? await freePort() : undefined;
  if (opts.tls) selfSignedCert(dir);
  const passwd = path.join(dir, 'passwd');
  await writeFile(passwd, '');
  await chmod(passwd, 0o644);
  await writeFile(path.join(dir, 'dovecot.conf'), config(dir, ids, port, tlsPort));

  const addUser = async (user: string, password: string) => {
    if (!/^[\w.@+-]+$/.test(user) || /[:\n]/.test(password)) throw new Error(`unusable test user ${user}`);
    await appendFile(passwd, `${user}:{PLAIN}${password}:${ids.mailUid}:${ids.mailGid}::${path.join(dir, 'mail', user)}::\n`);
  };
  for (const [user, password] of Object.entries(opts.users ?? {})) await addUser(user, password);
  const addUserLater = async (user: string, password: string) => {
    await addUser(user, password);
    await sleep(1100);
  };
  const passwords = () =>
    new Map(
      readFileSync(passwd, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => [l.split(':')[0]!, l.split(':')[1]!.replace('{PLAIN}', '')]),
    );

  const child = spawn(DOVECOT_BIN, ['-c', path.join(dir, 'dovecot.conf'), '-F'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => void (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => void (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const log = () => output + (existsSync(path.join(dir, 'dovecot.log')) ? readFileSync(path.join(dir, 'dovecot.log'), 'utf8') : '');

  // If the test process ends without stop() (a crash, a killed worker), take the server with it.
  const onExit = () => child.kill('SIGTERM');
  process.once('exit', onExit);
  const stop = async () => {
    process.off('exit', onExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killer);
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForGreeting(port, child, log);
  } catch (err) {
    await stop();
    throw err;
  }

  const session = async <T>(user: string, fn: (c: ImapFlow) => Promise<T>): Promise<T> => {
    const c = new ImapFlow({
      host: '127.0.0.1',
      port,
      secure: false,
      auth: { user, pass: passwords().get(user) ?? '' },
      logger: false,
      disableAutoIdle: true,
      tls: { rejectUnauthorized: false },
    });
    c.on('error', () => {});
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.logout().catch(() => c.close());
    }
  };
  let seq = 0;
  return {
    host: '127.0.0.1',
    port,
    ...(tlsPort ? { tlsPort } : {}),
    dir,
    url: (user, mailbox = 'INBOX') =>
      `imap://${encodeURIComponent(user)}:${encodeURIComponent(passwords().get(user) ?? '')}@127.0.0.1:${port}/${mailbox.split('/').map(encodeURIComponent).join('/')}`,
    addUser: addUserLater,
    async seedMaildir(user, messages) {
      const maildir = path.join(dir, 'mail', user, 'Maildir');
      for (const sub of ['', 'new', 'cur', 'tmp']) {
        await mkdir(path.join(maildir, sub), { recursive: true });
        await chown(path.join(maildir, sub), ids.mailUid, ids.mailGid);
      }
      await chown(path.join(dir, 'mail', user), ids.mailUid, ids.mailGid);
      for (const raw of messages) {
        // Maildir delivery: write in tmp/, then rename into new/ under a name unique to this host.
        const name = `${Math.floor(Date.now() / 1000)}.P${process.pid}Q${++seq}.paperboy-test`;
        await writeFile(path.join(maildir, 'tmp', name), raw);
        await chown(path.join(maildir, 'tmp', name), ids.mailUid, ids.mailGid);
        await rename(path.join(maildir, 'tmp', name), path.join(maildir, 'new', name));
      }
    },
    append: (user, raw, mailbox = 'INBOX') =>
      session(user, async (c) => {
        await c.append(mailbox.split('/').length > 1 ? mailbox.split('/') : mailbox, raw);
      }) as Promise<void>,
    messages: (user, mailbox = 'INBOX') =>
      session(user, async (c) => {
        const exists = await c.status(mailbox.split('/'), { messages: true }).catch(() => undefined);
        if (!exists) return [];
        const lock = await c.getMailboxLock(mailbox.split('/'), { readOnly: true });
        try {
          if (!exists.messages) return [];
          const rows = await c.fetchAll('1:*', { uid: true, source: true });
          return rows.sort((a, b) => a.uid - b.uid).map((m) => m.source ?? Buffer.alloc(0));
        } finally {
          lock.release();
        }
      }),
    folders: (user) => session(user, async (c) => (await c.list()).map((m) => m.pathAsListed)),
    log,
    stop,
  };
}

/** Which system users Dovecot's processes run as. */
interface Ids {
  internalUser: string;
  internalGroup: string;
  loginUser: string;
  mailUid: number;
  mailGid: number;
}

/**
 * As an ordinary user everything runs as that user (Dovecot's documented unprivileged mode).
 * As root (CI containers), imap-login refuses to run as root and the passwd-file may not give
 * UID 0, so the Debian package's own `dovecot` and `dovenull` users are used.
 */
function processUsers(): Ids {
  const me = os.userInfo();
  if (me.uid !== 0) {
    // Listeners are chowned to the internal group: it must be one we are in (our primary group).
    const group = readFileSync('/etc/group', 'utf8')
      .split('\n')
      .find((l) => l.split(':')[2] === String(me.gid))
      ?.split(':')[0];
    return { internalUser: me.username, internalGroup: group ?? me.username, loginUser: me.username, mailUid: me.uid, mailGid: me.gid };
  }
  const passwd = readFileSync('/etc/passwd', 'utf8');
  const find = (name: string) =>
    passwd
      .split('\n')
      .find((l) => l.startsWith(`${name}:`))
      ?.split(':');
  const dovecot = find('dovecot');
  if (!dovecot || !find('dovenull')) throw new Error('running as root needs the dovecot and dovenull users (apt-get install dovecot-imapd)');
  return { internalUser: 'dovecot', internalGroup: 'dovecot', loginUser: 'dovenull', mailUid: Number(dovecot[2]), mailGid: Number(dovecot[3]) };
}

function config(dir: string, ids: Ids, port: number, tlsPort: number | undefined): string {
  return `# A throw-away test instance: written by test/helpers/dovecot.ts
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
instance_name = paperboy-test-${port}
protocols = imap
listen = 127.0.0.1
default_internal_user = ${ids.internalUser}
default_internal_group = ${ids.internalGroup}
default_login_user = ${ids.loginUser}
first_valid_uid = ${ids.mailUid}
last_valid_uid = ${ids.mailUid}
auth_mechanisms = plain login
# A wrong password answers at once (production waits 2 s). Dovecot's per-IP auth penalty still
# delays the next logins from 127.0.0.1 after a failure: run wrong-password tests last.
auth_failure_delay = 0
disable_plaintext_auth = no
${tlsPort ? `ssl = yes\nssl_cert = <${dir}/cert.pem\nssl_key = <${dir}/key.pem` : 'ssl = no'}
mail_location = maildir:${dir}/mail/%u/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%u ${dir}/passwd
}
service imap-login {
  chroot =
  inet_listener imap {
    port = ${port}
  }
  inet_listener imaps {
    port = ${tlsPort ?? 0}
  }
}
service anvil {
  chroot =
}
`;
}

/** A self-signed certificate for 127.0.0.1 (what `?tls=insecure` exists for). */
function selfSignedCert(dir: string): void {
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-keyout', `${dir}/key.pem`, '-out', `${dir}/cert.pem`],
    { stdio: 'ignore' },
  );
}

/** A port nothing listens on right now (the kernel picks it). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Waits until the server sends its "* OK" greeting; fails with Dovecot's log if it exits or hangs. */
async function waitForGreeting(port: number, child: ChildProcess, log: () => string, ms = 15_000): Promise<void> {
  const greeted = async () => {
    if (child.exitCode !== null) throw new Error(`dovecot exited (${child.exitCode}): ${log()}`);
    if (/Address already in use/.test(log())) throw new Error(`dovecot: Address already in use: ${log()}`);
    return new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.setTimeout(1000, () => (s.destroy(), resolve(false)));
      s.once('data', (d: Buffer) => (s.destroy(), resolve(d.toString().startsWith('* OK'))));
      s.once('error', () => resolve(false));
    });
  };
  await eventually(greeted, { what: () => `dovecot to answer on 127.0.0.1:${port}: ${log()}`, timeoutMs: ms, intervalMs: 50 });
}
