/**
 * What `paperboy doctor` finds, one line per check, and how it is printed: a checklist for a
 * person (✓ ✗ ! –, with the fix under each failing line) or JSON for a program.
 */

/** pass ✓, fail ✗ (exit 1), warn ! (worth fixing, sending works), skip – (not configured or not checkable). */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

/** A DNS record to publish, exactly as it should appear. */
export interface RecordToPublish {
  name: string;
  type: 'TXT' | 'MX';
  value: string;
}

/** The outcome of one check. */
export interface CheckResult {
  /** A stable id for programs: `spf`, `dkim`, `dmarc`, `smtp-tls`… */
  id: string;
  /** The label a person reads: "SPF", "DKIM"… */
  title: string;
  status: CheckStatus;
  /** One line: what was found. Never a secret. */
  message: string;
  /** What to do about a failing or warning line. */
  fix?: string;
  /** The record the fix asks for, when it is a DNS record. */
  publish?: RecordToPublish;
}

const SYMBOL: Record<CheckStatus, string> = { pass: '✓', fail: '✗', warn: '!', skip: '–' };

/** Builds a result; `extra` holds the fix and the record to publish. */
export function check(id: string, title: string, status: CheckStatus, message: string, extra: Pick<CheckResult, 'fix' | 'publish'> = {}): CheckResult {
  return { id, title, status, message, ...extra };
}

/** Counts per status, for the summary line and the exit code. */
export function tally(results: CheckResult[]): Record<CheckStatus, number> {
  const t: Record<CheckStatus, number> = { pass: 0, fail: 0, warn: 0, skip: 0 };
  for (const r of results) t[r.status]++;
  return t;
}

/**
 * The checklist as text: one line per check, the fix indented under it, then a summary. A
 * record to publish is printed on its own line in zone-file form, long TXT values split into
 * quoted strings of at most 255 characters (the most one DNS character-string holds).
 */
export function formatChecklist(results: CheckResult[]): string {
  const lines: string[] = [];
  for (const r of results) {
    lines.push(`${SYMBOL[r.status]} ${r.title}: ${r.message}`);
    if (r.fix && (r.status === 'fail' || r.status === 'warn')) {
      lines.push(`    fix: ${r.fix}`);
      if (r.publish) lines.push(`      ${zoneLine(r.publish)}`);
    }
  }
  lines.push('', summary(results));
  return `${lines.join('\n')}\n`;
}

/** "2 of 13 checks failed, 1 warning (…)" or "No check failed (…)". */
export function summary(results: CheckResult[]): string {
  const t = tally(results);
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const head = t.fail ? `${t.fail} of ${results.length} checks failed` : 'No check failed';
  return `${head}: ${t.pass} ✓, ${plural(t.warn, 'warning')}, ${t.skip} skipped.`;
}

/** A record as a zone-file line: `name. IN TXT "…" "…"`. */
export function zoneLine(r: RecordToPublish): string {
  if (r.type === 'MX') return `${r.name}. IN MX ${r.value}`;
  return `${r.name}. IN TXT ${splitTxt(r.value)
    .map((s) => `"${s.replace(/(["\\])/g, '\\$1')}"`)
    .join(' ')}`;
}

/** A TXT value cut into the ≤255-byte strings DNS carries (resolvers join them back). */
export function splitTxt(value: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < value.length; i += 255) out.push(value.slice(i, i + 255));
  return out.length ? out : [''];
}
