/**
 * The built `paperboy` executable in a child process (`npm run build` first), with what it
 * prints kept, a way to wait for a line, and its exit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { eventually } from './eventually.js';
import { ROOT, type Workspace } from './workspace.js';

export const BIN = path.join(ROOT, 'dist', 'src', 'cli', 'main.js');

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
      await eventually(() => re.test(out) || re.test(err), { what: () => `${re}\nstdout: ${out}\nstderr: ${err}`, timeoutMs: ms });
    },
  };
}
