/**
 * One error type for everything Paperboy reports to a person, with one code table.
 * Codes map to process exit codes (sysexits.h) and HTTP statuses here and nowhere else,
 * so the CLI and the HTTP server agree on what each failure means.
 */
import { controlsAsSpace } from './lib/controls.js';

/** Every error code Paperboy raises, with its exit code and HTTP status. */
export const ERROR_CODES = {
  USAGE: { exit: 64, http: 400 }, // EX_USAGE: unknown option, missing argument
  INPUT_INVALID: { exit: 65, http: 400 }, // EX_DATAERR: broken digest, bad CSV, malformed value
  EMAIL_INVALID: { exit: 65, http: 400 },
  TOKEN_INVALID: { exit: 65, http: 400 },
  FILE_NOT_FOUND: { exit: 66, http: 404 }, // EX_NOINPUT
  NOT_FOUND: { exit: 67, http: 404 }, // EX_NOUSER: no such subscriber
  SUPPRESSED: { exit: 67, http: 409 },
  SMTP_UNAVAILABLE: { exit: 69, http: 503 }, // EX_UNAVAILABLE: dead or unreachable SMTP server
  INTERNAL: { exit: 70, http: 500 }, // EX_SOFTWARE
  STORE: { exit: 74, http: 500 }, // EX_IOERR
  SEND_PAUSED: { exit: 75, http: 503 }, // EX_TEMPFAIL: run again later to resume
  LOCKED: { exit: 75, http: 503 }, // EX_TEMPFAIL: another process is building the issue; nothing changed
  SMTP_AUTH: { exit: 77, http: 503 }, // EX_NOPERM: credentials or sender refused
  CONFIG_INVALID: { exit: 78, http: 500 }, // EX_CONFIG
  DOCTOR_FAILED: { exit: 1, http: 500 }, // `paperboy doctor` found a failing check (1: the set-up, not the tool, is wrong)
} as const;

/** A code from {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** An error meant for a person: `message` is one line, without secrets. */
export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(oneLine(message), options);
  }

  /** Exit code for the CLI. */
  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }

  /** Status for the HTTP server. */
  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }
}

/**
 * Collapses a message to one line so that it never breaks a log or a terminal: line breaks, NUL,
 * escapes and every other control character (some echo what a person typed) become spaces.
 */
export function oneLine(message: string): string {
  return controlsAsSpace(message).trim();
}

/** Wraps anything thrown into an AppError, keeping AppErrors as they are. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new AppError('INTERNAL', message, { cause: err });
}
