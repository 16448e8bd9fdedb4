/**
 * The built `paperboy` executable in a child process (`npm run build` first), with what it
 * prints kept, a way to wait for a line, and its exit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT, type Workspace } from './workspace.js';

export const BIN = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');
export const BUILT = existsSync(BIN);

export interface Child {
  process: ChildProcess;
  pid: number;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code, or the signal's name when a signal ended it. */
  exited: Promise<number | NodeJS.Signals>;
  /** Waits until stdout or stderr matches `re` (fails after `ms`, with what was printed). */
  waitFor(re: RegExp, ms?: number): Promise<void>;
}

/** Starts `paperboy ARGS` in the workspace's folder with its environment (plus `env`). */
export function paperboy(ws: Workspace, args: string[], env: Record<string, string> = {}): Child {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: ws.dir,
    env: { PATH: process.env.PATH, ...ws.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => void (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => void (err += d.toString()));
  const exited = new Promise<number | NodeJS.Signals>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code ?? -1)));
  return {
    process: child,
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    exited,
    async waitFor(re, ms = 15_000) {
      const until = Date.now() + ms;
      while (!re.test(out) && !re.test(err)) {
        if (Date.now() > until) throw new Error(`timed out waiting for ${re}\nstdout: ${out}\nstderr: ${err}`);
        await sleep(20);
      }
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it is true (fails after `ms`, saying `what`). */
export async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
