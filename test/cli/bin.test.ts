/**
 * The installed `paperboy` executable (the built dist/, as `npx paperboy` runs it), end to end
 * against a real SMTP server, in a child process.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requires } from '../helpers/requires.js';
import { type TestSmtp, startSmtp } from '../helpers/smtp.js';
import { ROOT, SEED, type Workspace, workspace } from '../helpers/workspace.js';

const run = promisify(execFile);
const BIN = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');

describe.skipIf(requires('build'))('the paperboy executable', () => {
  let smtp: TestSmtp;
  let ws: Workspace;
  beforeAll(async () => {
    smtp = await startSmtp();
    ws = workspace({ SMTP_URL: smtp.url });
  });
  afterAll(async () => {
    await smtp.close();
    ws.cleanup();
  });

  const paperboy = (...args: string[]) => run(process.execPath, [BIN, ...args], { cwd: ws.dir, env: { PATH: process.env.PATH, ...ws.env } }).catch((e) => e);

  it('ingests, adds a subscriber and delivers; a second send delivers nothing', async () => {
    expect((await paperboy('ingest', SEED)).stdout).toMatch(/77 new/);
    expect((await paperboy('subscribers', 'add', 'a@example.org')).stdout).toMatch(/Added a@example.org/);
    expect((await paperboy('send')).stdout).toMatch(/1 sent, 0 failed/);
    expect((await paperboy('send')).stdout).toMatch(/no new papers/);
    expect(smtp.received).toHaveLength(1);
  });

  it('exits non-zero with one line for bad input', async () => {
    const r = await paperboy('subscribers', 'add', 'nope');
    expect(r.code).toBe(65);
    expect(r.stderr).toBe('paperboy: error: invalid email address "nope": expected local-part@domain\n');
  });
});
