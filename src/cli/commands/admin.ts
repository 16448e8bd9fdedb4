/**
 * `paperboy admin hash-password`: reads a password (one line) from stdin and prints the line for
 * ADMIN_PASSWORD_HASH, so that the password itself never sits in `.env` or in a shell's history:
 *   printf '%s\n' 'a long password' | npx paperboy admin hash-password
 * Needs no configuration and opens no store.
 */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { Command } from 'commander';
import { hashPassword } from '../../http/admin/auth.js';
import type { CliIo } from '../io.js';

/** A CliIo that may bring its own stdin (tests); otherwise the process's is read. */
export type StdinIo = CliIo & { stdin?: () => Promise<string> };

/** The first line of the process's stdin (up to a newline or the end; at most 4 KB). */
export async function readLine(stream: NodeJS.ReadableStream = process.stdin): Promise<string> {
  let text = '';
  for await (const chunk of stream) {
    text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (text.includes('\n') || text.length > 4096) break;
  }
  return text;
}

/**
 * One line typed at a terminal without echoing it (readline writes the echo to a stream that
 * drops it). Ctrl-C or Ctrl-D gives an empty line, which the length check then refuses.
 */
async function readHidden(io: CliIo): Promise<string> {
  const muted = new Writable({ write: (_chunk, _enc, done) => done() });
  const rl = createInterface({ input: process.stdin, output: muted, terminal: true });
  io.stderr('Password (at least 12 characters, not shown): ');
  try {
    return await new Promise<string>((resolve) => {
      rl.once('line', resolve);
      rl.once('SIGINT', () => resolve(''));
      rl.once('close', () => resolve(''));
    });
  } finally {
    rl.close();
    io.stderr('\n');
  }
}

/** `paperboy admin …`: the operator's pages' commands (for now, hash-password). */
export function registerAdmin(program: Command, io: StdinIo): void {
  const admin = program.command('admin').description("the operator's pages at /admin");
  admin
    .command('hash-password')
    .description('read a password (at least 12 characters) from stdin and print the line for ADMIN_PASSWORD_HASH')
    .action(async () => {
      const raw = await (io.stdin ?? (process.stdin.isTTY ? () => readHidden(io) : () => readLine()))();
      const password = raw.split(/\r?\n/)[0] ?? '';
      io.stdout(`${await hashPassword(password)}\n`);
    });
}
