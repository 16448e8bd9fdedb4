/**
 * `paperboy doctor [--json] [--timeout SECONDS] [--ca-file PEM]`: checks the sending set-up (SPF, DKIM, DMARC and
 * alignment, the bounce domain's MX, STARTTLS and AUTH on SMTP_URL, PUBLIC_URL and its
 * unsubscribe endpoint, a free-mail From) and prints a checklist, with the fix under each
 * failing line. Exit 0 when nothing fails (warnings included), 1 when a check fails.
 *
 * `--json` prints `{ ok, checks: [{ id, title, status, message, fix?, publish? }] }`, status
 * one of pass | fail | warn | skip; the exit code is the same.
 *
 * It reads the configuration only: no store is opened, so it runs before anything is set up.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { type DoctorOptions, runDoctor } from '../../doctor/checks.js';
import { formatChecklist, tally } from '../../doctor/report.js';
import { AppError } from '../../errors.js';
import { type CliIo, configOf, printJson } from '../io.js';

/** Adds `doctor` to the program. */
export function registerDoctor(program: Command, io: CliIo): void {
  program
    .command('doctor')
    .description('check SPF, DKIM, DMARC, the bounce MX, SMTP TLS and AUTH, PUBLIC_URL; a fix for each failing line')
    .option('--json', 'print JSON')
    .option('--timeout <seconds>', 'for each SMTP session and HTTP request', seconds, 10)
    .option('--ca-file <path>', 'also trust the certificate authority in this PEM file (a private CA in front of SMTP or PUBLIC_URL)')
    .action(async (opts: { json?: boolean; timeout: number; caFile?: string }) => {
      const config = configOf(io);
      const options: DoctorOptions = { timeoutMs: opts.timeout * 1000 };
      if (opts.caFile) options.ca = readCa(path.resolve(io.cwd, opts.caFile));
      const results = await runDoctor(config, options);
      const failed = tally(results).fail;
      if (opts.json) printJson(io, { ok: failed === 0, checks: results });
      else io.stdout(formatChecklist(results));
      if (failed) throw new AppError('DOCTOR_FAILED', `doctor: ${failed} check${failed === 1 ? '' : 's'} failed${opts.json ? '' : ' (the fixes are above)'}`);
    });
}

/** The PEM of --ca-file; a missing file is a usage error, not a failing check. */
function readCa(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new AppError('FILE_NOT_FOUND', `doctor: cannot read --ca-file ${file}`);
  }
}

function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || n > 600) throw new InvalidArgumentError('must be a number of seconds between 0 and 600');
  return n;
}
