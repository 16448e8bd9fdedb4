/**
 * `paperboy start` (what `npm start` runs) on a fresh machine: no .env, no configuration, only
 * the seed fixture where the defaults expect it. Its first lines say where the subscribe page is,
 * where mail goes, when the next issue is due and how to add a subscriber; the seed is ingested
 * and the page answers. Run in-process with a `stopped` promise the test resolves.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/program.js';
import { eventually } from '../helpers/eventually.js';
import { type TestSmtp, startSmtp } from '../helpers/smtp.js';
import { SEED } from '../helpers/workspace.js';

let dir: string | undefined;
let smtp: TestSmtp | undefined;
afterEach(async () => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
  await smtp?.close();
  smtp = undefined;
});

/** A fresh working directory holding only the seed, at the default DIGEST_SOURCE path. */
function freshDir(): string {
  dir = mkdtempSync(path.join(tmpdir(), 'paperboy-fresh-'));
  mkdirSync(path.join(dir, 'fixtures'));
  copyFileSync(SEED, path.join(dir, 'fixtures', 'trending-papers.txt'));
  return dir;
}

/** Starts `paperboy start` and waits for its start-up lines; `stop()` ends it and gives the exit code. */
async function start(env: Record<string, string>, cwd: string) {
  let stop!: () => void;
  let stdout = '';
  let stderr = '';
  const done = runCli(['start'], {
    env,
    cwd,
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    stopped: new Promise<void>((r) => (stop = r)),
  });
  await eventually(() => stdout.includes('Press Ctrl+C'), {
    what: () => `the start-up lines ("Press Ctrl+C")\nstdout: ${stdout}\nstderr: ${stderr}`,
    timeoutMs: 10_000,
    intervalMs: 50,
  });
  return {
    stdout,
    stderr: () => stderr,
    stop: async () => {
      stop();
      return done;
    },
  };
}

describe('paperboy start on a fresh machine', () => {
  it('ingests the seed, serves the page on localhost, writes mail to outbox/, and says so in its first lines', async () => {
    const cwd = freshDir();
    const run = await start({ PORT: '0' }, cwd); // PORT=0: any free port; everything else is a default
    try {
      const port = /HTTP: listening on http:\/\/localhost:(\d+) /.exec(run.stdout)?.[1];
      expect(port).toBeDefined();
      const page = `http://localhost:${port}/`;
      const lines = run.stdout.split('\n');
      expect(lines.slice(0, 6)).toEqual([
        `HTTP: listening on http://localhost:${port} (links in emails use http://localhost:3000)`,
        expect.stringMatching(/^Scheduler: next digest \d{4}-\d\d-\d\d 08:00 UTC \(SCHEDULE "0 8 \* \* \*"\); 0 active subscribers$/),
        `Mail goes to: outbox${path.sep} (.eml files; set SMTP_URL to send for real)`,
        `Subscribe page: ${page}`,
        `Add a subscriber: open ${page} or run npx paperboy subscribers add you@example.org`,
        expect.stringMatching(/^Worker: sending due deliveries via outbox /),
      ]);
      // PORT=0 is not the default PUBLIC_URL's port: it says so (on a real fresh machine both are 3000).
      expect(run.stderr()).toMatch(/warning: PUBLIC_URL http:\/\/localhost:3000 is not this server/);

      const res = await fetch(page);
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/<form[^>]+action="\/subscribe"/);
      expect(existsSync(path.join(cwd, 'outbox'))).toBe(true);

      let out = '';
      const code = await runCli(['status', '--json'], { env: { PORT: '0' }, cwd, stdout: (s) => void (out += s), stderr: () => {} });
      expect(code).toBe(0);
      const status = JSON.parse(out);
      expect(status.papers.total).toBe(77);
      expect(status.lastRun).toMatchObject({ trigger: 'start-up', sources: [{ source: 'fixtures/trending-papers.txt', status: 'ingested', added: 77 }] });
      expect(status.lastRun.issues.map((i: { reason: string }) => i.reason)).toEqual(['start-up', 'start-up']);
    } finally {
      expect(await run.stop()).toBe(0);
    }
  });

  it('with SMTP and a time zone: "SMTP host:port" without the password, and the next digest in TZ and UTC', async () => {
    smtp = await startSmtp({ auth: { user: 'paperboy', pass: 's3cret-pass' } });
    const cwd = freshDir();
    const run = await start({ PORT: '0', SMTP_URL: smtp.url, TZ: 'Europe/Paris', PUBLIC_URL: 'https://news.example.org' }, cwd);
    try {
      expect(run.stdout).toMatch(
        /^Scheduler: next digest \d{4}-\d\d-\d\d 08:00 Europe\/Paris \((0[67]:00 UTC|\d{4}-\d\d-\d\d 0[67]:00 UTC)\) \(SCHEDULE "0 8 \* \* \*"\); 0 active subscribers$/m,
      );
      expect(run.stdout).toContain(`Mail goes to: SMTP 127.0.0.1:${smtp.port}\n`);
      expect(run.stdout).toContain('Subscribe page: https://news.example.org/\n');
      expect(run.stdout + run.stderr()).not.toContain('s3cret-pass');
    } finally {
      expect(await run.stop()).toBe(0);
    }
  });
});
