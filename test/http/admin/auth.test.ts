import { afterEach, describe, expect, it } from 'vitest';
import type { StdinIo } from '../../../src/cli/commands/admin.js';
import { runCli } from '../../../src/cli/program.js';
import { loadConfig } from '../../../src/config.js';
import { FAILURES_OVERALL, LoginLimits, hashPassword, verifyPassword } from '../../../src/http/admin/auth.js';
import { type AdminRig, PASSWORD, adminRig } from './helpers.js';

let rig: AdminRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

/** Runs `paperboy admin hash-password` in-process with `input` on stdin. */
async function hashCli(input: string) {
  let stdout = '';
  let stderr = '';
  const io: StdinIo = {
    env: {},
    cwd: process.cwd(),
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    stdin: async () => input,
  };
  const code = await runCli(['admin', 'hash-password'], io);
  return { code, stdout, stderr };
}

describe('paperboy admin hash-password', () => {
  it('prints an scrypt hash (N=2^15, r=8, p=1, 16-byte salt) that ADMIN_PASSWORD_HASH accepts and /admin signs in with', async () => {
    const r = await hashCli(`${PASSWORD}\n`);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    const hash = r.stdout.trim();
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect(r.stdout).toBe(`${hash}\n`);
    expect(await verifyPassword(PASSWORD, hash)).toBe(true);
    expect(await verifyPassword(`${PASSWORD} `, hash)).toBe(false);
    expect(loadConfig({ ADMIN_PASSWORD_HASH: hash }, process.cwd()).ADMIN_PASSWORD_HASH).toBe(hash);
    rig = await adminRig({ ADMIN_PASSWORD_HASH: hash });
    expect((await rig.login('wrong password here')).res.status).toBe(401);
    expect((await rig.login(PASSWORD)).res.status).toBe(303);
  });

  it('salts: the same password hashes differently each time', async () => {
    const [a, b] = [await hashPassword(PASSWORD), await hashPassword(PASSWORD)];
    expect(a).not.toBe(b);
    expect(await verifyPassword(PASSWORD, b)).toBe(true);
  });

  it('refuses a password under 12 characters with one line and exit 65, printing nothing', async () => {
    for (const input of ['short pass\n', '\n', '']) {
      const r = await hashCli(input);
      expect(r.code).toBe(65);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe('paperboy: error: the password must be at least 12 characters\n');
    }
  });
});

describe('admin configuration', () => {
  const load = (env: Record<string, string>) => () => loadConfig(env, process.cwd());

  it('refuses a malformed ADMIN_PASSWORD_HASH without echoing it', () => {
    expect(load({ ADMIN_PASSWORD_HASH: 'hunter2-plain-password' })).toThrow(/^config: ADMIN_PASSWORD_HASH must be the output of `paperboy admin hash-password`/);
    expect(load({ ADMIN_PASSWORD_HASH: 'hunter2-plain-password' })).not.toThrow(/hunter2/);
  });

  it('refuses an ADMIN_PASSWORD under 12 characters without echoing it', () => {
    expect(load({ ADMIN_PASSWORD: 'hunter2' })).toThrow('config: ADMIN_PASSWORD must be at least 12 characters');
    expect(load({ ADMIN_PASSWORD: 'hunter2' })).not.toThrow(/hunter2/);
  });

  it('refuses both at once with one line', async () => {
    const hash = await hashPassword(PASSWORD);
    expect(load({ ADMIN_PASSWORD_HASH: hash, ADMIN_PASSWORD: PASSWORD })).toThrow(/^config: set ADMIN_PASSWORD_HASH or ADMIN_PASSWORD, not both$/);
  });

  it('verifies nothing against a hash with an absurd cost (a typo must not eat the memory)', async () => {
    const hash = (await hashPassword(PASSWORD)).replace('$32768$', '$1073741824$');
    expect(await verifyPassword(PASSWORD, hash)).toBe(false);
  });
});

describe('the login limits', () => {
  it('lock every address out after 50 failures in 15 minutes from anywhere, until the window passes', () => {
    let t = 0;
    const limits = new LoginLimits(() => new Date(t));
    for (let i = 0; i < FAILURES_OVERALL; i++) {
      expect(limits.blocked(`10.0.${i >> 8}.${i & 255}`)).toBeNull();
      limits.fail(`10.0.${i >> 8}.${i & 255}`);
      t += 1000;
    }
    expect(limits.blocked('192.0.2.1')).toBe('overall');
    t = 15 * 60_000 + 1;
    expect(limits.blocked('192.0.2.1')).toBeNull();
  });

  it('hold one address at 5 failures; a success clears them', () => {
    let t = 0;
    const limits = new LoginLimits(() => new Date(t));
    for (let i = 0; i < 4; i++) limits.fail('a');
    expect(limits.blocked('a')).toBeNull();
    limits.fail('a');
    expect(limits.blocked('a')).toBe('address');
    expect(limits.blocked('b')).toBeNull();
    t += 15 * 60_000;
    expect(limits.blocked('a')).toBeNull();
    for (let i = 0; i < 4; i++) limits.fail('a');
    limits.succeed('a');
    limits.fail('a');
    expect(limits.blocked('a')).toBeNull();
  });
});
