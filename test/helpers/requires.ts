/**
 * What a test needs from the machine beyond Node and npm: Debian's Chromium, Dovecot, Postfix,
 * SpamAssassin, Postfix's smtp-sink and GNU time (benchmarks), a PostgreSQL server, the built
 * executable, a tmpfs it may mount. One place decides whether a test file, or a part of one, runs:
 *
 *   const skip = requires('dovecot');                      // describe.skipIf(skip)(…)
 *   const skipImap = requires('dovecot', { part: 'the IMAP part' });
 *
 * Where something is missing, `requires` prints one `SKIPPING <file>: <why>` line and returns true,
 * so `npm test` passes on a laptop without these. Under PAPERBOY_REQUIRE_ALL=1 (`.ci/run` sets it
 * for both passes) it throws instead: the file fails to load, and CI fails loudly rather than
 * passing with fewer tests.
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { BIN } from './child.js';
import { PG_URL, postgresReachable } from './database.js';

/** Debian's Chromium (or CHROMIUM_PATH). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Where Debian's dovecot-core puts the server. */
export const DOVECOT_BIN = '/usr/sbin/dovecot';
/** Debian's postfix command. */
export const POSTFIX_BIN = '/usr/sbin/postfix';
/** Postfix's SMTP sink and blaster (the send benchmark's baseline). */
export const SMTP_SINK = '/usr/sbin/smtp-sink';
/** GNU time (a benchmark's CPU and memory figures). */
export const GNU_TIME = '/usr/bin/time';

/** PAPERBOY_REQUIRE_ALL=1 (CI): nothing may skip. */
export const REQUIRE_ALL = process.env.PAPERBOY_REQUIRE_ALL === '1';

/** What a test may need. */
export type Need = 'chromium' | 'dovecot' | 'postfix' | 'spamassassin' | 'smtp-sink' | 'gnu-time' | 'postgres' | 'build' | 'tmpfs';

/** Why each part is missing here, or undefined when it is present. */
const PROBES: Record<Need, () => string | undefined> = {
  chromium: () => (existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`),
  dovecot: () => (existsSync(DOVECOT_BIN) ? undefined : 'dovecot not found (apt-get install dovecot-imapd)'),
  // A private Postfix's master must start as root (it drops to the `postfix` user), which CI containers are.
  postfix: () =>
    !existsSync(POSTFIX_BIN)
      ? 'postfix not found (apt-get install postfix)'
      : os.userInfo().uid !== 0
        ? 'a private postfix instance needs root'
        : !/^postfix:/m.test(readFileSync('/etc/passwd', 'utf8'))
          ? 'no postfix user (apt-get install postfix)'
          : undefined,
  spamassassin: () => (onPath('spamassassin') ? undefined : 'spamassassin not found (apt-get install spamassassin)'),
  'smtp-sink': () => (existsSync(SMTP_SINK) ? undefined : `${SMTP_SINK} not found: Postfix's smtp-sink (apt-get install postfix)`),
  'gnu-time': () => (existsSync(GNU_TIME) ? undefined : `${GNU_TIME} not found: GNU time (apt-get install time)`),
  postgres: () => (postgresReachable() ? undefined : `no PostgreSQL server answers at ${PG_URL} (start one, or set PAPERBOY_PG_URL)`),
  build: () => (existsSync(BIN) ? undefined : 'dist/src/cli/main.js is missing (run `npm run build`)'),
  tmpfs: () => canMountTmpfs(),
};

const known = new Map<Need, string | undefined>();

/** Why `need` is missing on this machine, or undefined when it is there (each looked at once). */
export function missing(need: Need): string | undefined {
  if (!known.has(need)) known.set(need, PROBES[need]());
  return known.get(need);
}

/**
 * True when the calling test file (or `part` of it) must skip: one of `needs` is missing here. It
 * says so in one `SKIPPING` line; under PAPERBOY_REQUIRE_ALL=1 it throws instead.
 */
export function requires(needs: Need | Need[], opts: { part?: string } = {}): boolean {
  const why = [needs]
    .flat()
    .map(missing)
    .filter((w): w is string => w !== undefined);
  if (why.length === 0) return false;
  const file = path.relative(process.cwd(), expect.getState().testPath ?? '') || 'a test file';
  const who = opts.part ? `${opts.part} of ${file}` : file;
  if (REQUIRE_ALL) throw new Error(`${who} cannot run: ${why.join('; ')} (PAPERBOY_REQUIRE_ALL=1: nothing may skip)`);
  console.warn(`SKIPPING ${who}: ${why.join('; ')}`);
  return true;
}

/** The executable `name` on PATH, or undefined. */
export function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Mounts and unmounts a 1 MB tmpfs (the disk-full tests fill one); why not, when this machine does not let us. */
function canMountTmpfs(): string | undefined {
  const dir = mkdtempSync(path.join(tmpdir(), 'paperboy-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0777', 'tmpfs', dir], { stdio: 'pipe' });
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return `cannot mount a tmpfs (${String((err as Error).message).split('\n')[0]})`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
