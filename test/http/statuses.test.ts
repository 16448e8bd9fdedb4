/**
 * One source of truth for statuses (issue 17, item 4): every answer of the HTTP server takes its
 * status from the error table (`statusOf`, `AppError#httpStatus`, `REDIRECT`), so no status
 * number is written in `src/http`; and the archive's issue page and the admin's preview frame
 * send one CSP for an email's HTML, the one they sent before.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { emailPageCsp } from '../../src/http/security.js';
import { ROOT } from '../helpers/workspace.js';

/** Every .ts file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.join(e.parentPath, e.name));
}

/**
 * A status written as a number: an argument (`c.html(page, 404)`), a field (`status: 404`), a
 * comparison (`=== 403`) or a union of them (`400 | 401`). Another server's status read in a
 * comparison (`res.status < 500`) is not an answer and is not matched.
 */
const ANSWERED_STATUS = /, [1-5][0-9][0-9]\)|status: *[1-5][0-9][0-9]\b|[=!]== *[1-5][0-9][0-9]\b|\b[1-5][0-9][0-9] *\| *[1-5][0-9][0-9]\b/;

describe('statuses in src/http', () => {
  it('are never written as numbers: an argument `, 404)`, a `status: 404` field, `=== 403`, `400 | 401`', () => {
    const found: string[] = [];
    for (const file of sources(path.join(ROOT, 'src/http'))) {
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (ANSWERED_STATUS.test(line)) {
            found.push(`${path.relative(ROOT, file)}:${i + 1}: ${line.trim()}`);
          }
        });
    }
    expect(found).toEqual([]);
  });
});

describe('the CSP of an email shown as a page', () => {
  it('is the archive’s: inline styles and remote images, no script, no form, framed by nobody', () => {
    expect(emailPageCsp()).toBe("default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
  });

  it('is the preview frame’s with this site as its only framer, sandboxed', () => {
    expect(emailPageCsp({ framedBy: 'self', sandbox: true })).toBe(
      "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'; sandbox",
    );
  });
});
