/**
 * The one error table (`src/errors.ts`): every code maps to an exit code and an HTTP status, and
 * AppError reads both from it. Issue 17, item 4: `LOCKED` was 503 in the table and 409 on the
 * admin page; the table now says 409 and the page asks it.
 */
import { describe, expect, it } from 'vitest';
import { AppError, ERROR_CODES, type ErrorCode, REDIRECT, statusOf } from '../src/errors.js';

describe('the error table', () => {
  it('gives every code a sysexits-style exit code and an HTTP error status', () => {
    for (const [code, { exit, http }] of Object.entries(ERROR_CODES)) {
      expect(exit === 1 || (exit >= 64 && exit <= 78), code).toBe(true);
      expect(http >= 400 && http <= 599, code).toBe(true);
      expect(statusOf(code as ErrorCode), code).toBe(http);
      const err = new AppError(code as ErrorCode, 'x');
      expect([err.exitCode, err.httpStatus], code).toEqual([exit, http]);
    }
  });

  it('answers a build already in progress with 409 and exit 75 (try again later)', () => {
    expect(ERROR_CODES.LOCKED).toEqual({ exit: 75, http: 409 });
  });

  it('keeps the redirects the server answers with beside it', () => {
    expect(REDIRECT).toEqual({ AFTER_POST: 303, ELSEWHERE: 302 });
  });
});
