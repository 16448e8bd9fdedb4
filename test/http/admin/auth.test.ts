import { afterEach, describe, expect, it } from 'vitest';
import type { StdinIo } from '../../../src/cli/commands/admin.js';
import { runCli } from '../../../src/cli/program.js';
import { loadConfig } from '../../../src/config.js';
import { deviceOf, hashPassword, newDevice, verifyPassword } from '../../../src/http/admin/auth.js';
import { FAILURES_PER_CLIENT, LoginLimits, PACE_AFTER_FAILURES, PACE_MS } from '../../../src/http/admin/login-limits.js';
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
  it('past 50 failures from anywhere, pace unrecognised clients one check a second, in turn, and refuse none of them', () => {
    let t = 0;
    const limits = new LoginLimits(() => new Date(t));
    for (let i = 0; i < PACE_AFTER_FAILURES; i++) {
      expect(limits.take(`address:10.0.${i >> 8}.${i & 255}`, false)).toEqual({ ok: true, waitMs: 0, countedAt: t });
      t += 1000;
    }
    // The clock stands still: each new unrecognised attempt waits one more second than the last.
    const waits = Array.from({ length: 4 }, (_, i) => limits.take(`address:192.0.2.${i}`, false)).map((turn) => (turn.ok ? turn.waitMs : -1));
    expect(waits).toEqual([0, PACE_MS, 2 * PACE_MS, 3 * PACE_MS]);
    // A browser that signed in before is not paced, nor held back.
    expect(limits.take('device:operator', true)).toEqual({ ok: true, waitMs: 0, countedAt: t });
    // Once the failures leave the 15-minute window, nobody waits.
    t += 15 * 60_000 + 60_000;
    expect(limits.take('address:192.0.2.99', false)).toMatchObject({ ok: true, waitMs: 0 });
  });

  it('hold one client at 5 failures (429 until the oldest leaves the window); a success clears them', () => {
    let t = 0;
    const limits = new LoginLimits(() => new Date(t));
    for (let i = 0; i < FAILURES_PER_CLIENT; i++) {
      expect(limits.take('a', false).ok).toBe(true);
      t += 60_000;
    }
    expect(limits.take('a', false)).toEqual({ ok: false, retryAfterSeconds: 10 * 60 });
    expect(limits.take('b', false).ok).toBe(true);
    t = 15 * 60_000 + 1;
    expect(limits.take('a', false).ok).toBe(true);
    const turns = [limits.take('c', false), limits.take('c', false), limits.take('c', false)];
    const last = turns[2]!;
    if (!last.ok) throw new Error('refused');
    limits.succeed('c', last);
    for (let i = 0; i < FAILURES_PER_CLIENT; i++) expect(limits.take('c', false).ok).toBe(true);
  });
});

describe('the device cookie', () => {
  it('is a random id and its MAC; an altered or foreign one proves nothing', () => {
    const mac = (id: string) => `mac-of-${id}`.replace(/[^A-Za-z0-9_-]/g, '_');
    const { id, cookie } = newDevice(mac);
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(deviceOf(cookie, mac)).toBe(id);
    expect(newDevice(mac).id).not.toBe(id);
    for (const bad of [undefined, '', id, `${id}.`, `${id}.mac-of-other`, `${id.slice(1)}A.${cookie.split('.')[1]}`, `${cookie}x`]) {
      expect(deviceOf(bad, mac), String(bad)).toBeUndefined();
    }
  });
});
