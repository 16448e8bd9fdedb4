/**
 * Helpers for the send benchmark: Postfix's smtp-sink as a child process on a free port, and
 * running a command in a child process with its wall-clock time, output and (on Linux) a trace
 * of the resident memory of the process it runs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { eventually } from '../helpers/eventually.js';
import { GNU_TIME, SMTP_SINK } from '../helpers/requires.js';

export { SMTP_SINK };
export const SMTP_SOURCE = '/usr/sbin/smtp-source';
export const TIME = GNU_TIME;

export interface Sink {
  port: number;
  url: string;
  /** What smtp-sink wrote to stderr so far (warnings, errors). */
  stderr(): string;
  stop(): Promise<void>;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves once an SMTP server on `port` answers with its 220 greeting. */
function greeting(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('data', (d) => {
      const ok = d.toString('latin1').startsWith('220');
      if (ok) socket.write('QUIT\r\n');
      done(ok);
    });
    socket.once('error', () => done(false));
  });
}

/** Starts `smtp-sink [-u nobody] 127.0.0.1:PORT 1000` on a free port and waits for its greeting. */
export async function startSink(backlog = 1000): Promise<Sink> {
  let lastError = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    // As root, smtp-sink must drop privileges to some user.
    const args = [...(process.getuid?.() === 0 ? ['-u', 'nobody'] : []), `127.0.0.1:${port}`, String(backlog)];
    const child = spawn(SMTP_SINK, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (s: string) => void (stderr += s));
    let exited = false;
    const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
    child.once('error', (err) => void (stderr += `${err.message}\n`));
    // Should the test runner die before `stop()`, the sink goes with it.
    const orphan = () => void child.kill('SIGKILL');
    process.once('exit', orphan);
    void exit.then(() => process.removeListener('exit', orphan));
    const heard = await eventually(async () => (exited ? 'exited' : (await greeting(port, 500)) && 'greeted'), {
      what: `smtp-sink's greeting on port ${port}`,
      timeoutMs: 5_000,
      intervalMs: 100,
    }).catch(() => 'silent');
    if (heard === 'greeted') {
      return {
        port,
        url: `smtp://127.0.0.1:${port}`,
        stderr: () => stderr,
        stop: async () => {
          if (!exited) child.kill('SIGTERM');
          await exit;
        },
      };
    }
    if (!exited) child.kill('SIGKILL');
    await exit;
    lastError = stderr.trim() || 'no greeting';
  }
  throw new Error(`smtp-sink did not start: ${lastError}`);
}

export interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall clock from spawn to exit. */
  ms: number;
  /** Resident memory (MB) of the traced process, sampled every `sampleMs` (Linux only). */
  rssTrace: number[];
}

/** The pids of the children of `pid` (Linux). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** VmRSS of `pid` in MB (Linux), or undefined. */
function rssOf(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs `command args` to its exit and times it. With `traceChild`, the resident memory of the
 * command's first child (the program under `/usr/bin/time`) is sampled while it runs.
 */
export function run(command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; traceChild?: boolean; sampleMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    let child: ChildProcess;
    try {
      child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      reject(err);
      return;
    }
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => void (stdout += s));
    child.stderr!.setEncoding('utf8').on('data', (s: string) => void (stderr += s));
    const rssTrace: number[] = [];
    const timer =
      opts.traceChild && existsSync('/proc/self/status')
        ? setInterval(() => {
            const target = child.pid === undefined ? undefined : childrenOf(child.pid)[0];
            const rss = target === undefined ? undefined : rssOf(target);
            if (rss !== undefined) rssTrace.push(rss);
          }, opts.sampleMs ?? 250)
        : undefined;
    child.once('error', (err) => {
      clearInterval(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearInterval(timer);
      resolve({ code, signal, stdout, stderr, ms: Number(process.hrtime.bigint() - started) / 1e6, rssTrace });
    });
  });
}
