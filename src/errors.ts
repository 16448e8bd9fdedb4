/**
 * One error type for everything Paperboy reports to a person, with one code table.
 * Codes map to process exit codes (sysexits.h) and HTTP statuses here and nowhere else,
 * so the CLI and the HTTP server agree on what each failure means.
 */
import { controlsAsSpace } from './lib/controls.js';

/**
 * Every error code Paperboy raises, with its exit code and HTTP status. The HTTP server answers
 * every refusal with one of these statuses (`statusOf`), never with a number of its own.
 */
export const ERROR_CODES = {
  USAGE: { exit: 64, http: 400 }, // EX_USAGE: unknown option, missing argument
  INPUT_INVALID: { exit: 65, http: 400 }, // EX_DATAERR: broken digest, bad CSV, malformed value or request
  EMAIL_INVALID: { exit: 65, http: 400 },
  TOKEN_INVALID: { exit: 65, http: 400 }, // a link or token that does not verify (forged, cut, another purpose)
  LINK_EXPIRED: { exit: 65, http: 410 }, // a genuine link past its time or superseded: Gone, a new one can be asked for
  TOO_LARGE: { exit: 65, http: 413 }, // a body or file over its limit; nothing was read into the store
  CONFLICT: { exit: 65, http: 409 }, // the request does not fit the state it finds (nothing new to send, sent already)
  FILE_NOT_FOUND: { exit: 66, http: 404 }, // EX_NOINPUT
  NOT_FOUND: { exit: 67, http: 404 }, // EX_NOUSER: no such subscriber (or issue, variant, page)
  SUPPRESSED: { exit: 67, http: 409 },
  SMTP_UNAVAILABLE: { exit: 69, http: 503 }, // EX_UNAVAILABLE: dead or unreachable SMTP server
  UPSTREAM_FAILED: { exit: 69, http: 502 }, // a service we called for the request failed (an SNS confirmation URL)
  INTERNAL: { exit: 70, http: 500 }, // EX_SOFTWARE
  STORE: { exit: 74, http: 500 }, // EX_IOERR
  SEND_PAUSED: { exit: 75, http: 503 }, // EX_TEMPFAIL: run again later to resume
  // EX_TEMPFAIL: another process (or this one) is building or sending the issue, or ingesting; nothing
  // changed. 409, not 503: the server is well, the request conflicts with work in progress on the
  // same thing, and asking again once that work is done succeeds (the admin page always said 409).
  LOCKED: { exit: 75, http: 409 },
  RATE_LIMITED: { exit: 75, http: 429 }, // over a limit per address or overall; try again later (Retry-After)
  UNAVAILABLE: { exit: 75, http: 503 }, // a part the request needs failed for now (storing events, a certificate fetch): retry
  UNAUTHORIZED: { exit: 77, http: 401 }, // EX_NOPERM: no or wrong credentials, signature or password
  FORBIDDEN: { exit: 77, http: 403 }, // authenticated or not, not accepted: another site's form, an expired CSRF token, a foreign topic
  SMTP_AUTH: { exit: 77, http: 503 }, // EX_NOPERM: credentials or sender refused
  CONFIG_INVALID: { exit: 78, http: 500 }, // EX_CONFIG
  DOCTOR_FAILED: { exit: 1, http: 500 }, // `paperboy doctor` found a failing check (1: the set-up, not the tool, is wrong)
} as const;

/** A code from {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The HTTP status of `code` (its literal type, so that a router accepts it as a status). */
export type HttpStatusOf<C extends ErrorCode> = (typeof ERROR_CODES)[C]['http'];

/** Every HTTP status a code of the table answers with. */
export type ErrorStatus = HttpStatusOf<ErrorCode>;

/** The HTTP status the table gives `code`: how the server answers a refusal of that kind. */
export function statusOf<C extends ErrorCode>(code: C): HttpStatusOf<C> {
  return ERROR_CODES[code].http;
}

/**
 * The statuses of the server's answers that are not failures (redirects), kept beside the table
 * so that every status number the server sends is written in this one file.
 */
export const REDIRECT = {
  /** After a form's POST: the browser GETs the next page (POST/redirect/GET). */
  AFTER_POST: 303,
  /** A page that lives elsewhere for now (the admin's login form, or its overview once signed in). */
  ELSEWHERE: 302,
} as const;

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
  get httpStatus(): ErrorStatus {
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
