/**
 * A small logger: one line per event, to a stream (stderr by default). Messages are built by
 * the caller from values that never include secrets; CR/LF are flattened so that a hostile
 * string cannot forge a log line.
 */
import { oneLine } from './errors.js';

/** What the rest of Paperboy logs through. */
export interface Log {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Writes `paperboy: [level] message` lines; `quiet` drops info lines. */
export function createLog(write: (line: string) => void, opts: { quiet?: boolean } = {}): Log {
  const emit = (level: string, message: string) => write(`${level}${oneLine(message)}\n`);
  return {
    info: (m) => (opts.quiet ? undefined : emit('', m)),
    warn: (m) => emit('warning: ', m),
    error: (m) => emit('error: ', m),
  };
}

/** A logger that discards everything (tests, benchmarks). */
export const silentLog: Log = { info() {}, warn() {}, error() {} };
