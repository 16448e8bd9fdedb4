/**
 * What a reader or the operator types, parsed and checked the same way everywhere (the forms,
 * the CLI, imported rows): topics, a frequency, a time zone. Each parser throws
 * AppError('INPUT_INVALID') naming what is accepted.
 */
import type { Frequency } from '../domain.js';
import { AppError } from '../errors.js';
import { canonicalTimeZone } from '../lib/time.js';

/**
 * Parses "rl, diffusion models" into topics: lower case, letters, digits, `.`, `-`, `_`, and
 * single spaces inside (a topic may be a phrase); at most 40 characters each.
 */
export function parseTopics(input: string | undefined): string[] {
  if (!input) return [];
  const topics = input
    .split(/[,;|]/)
    .map((t) => t.trim().replace(/ {2,}/g, ' ').toLowerCase())
    .filter(Boolean);
  for (const t of topics) {
    if (!/^[\p{L}\p{N}][\p{L}\p{N}._ -]{0,39}$/u.test(t)) {
      throw new AppError('INPUT_INVALID', `invalid topic ${JSON.stringify(t)}: use letters, digits, spaces, ".", "-" or "_" (at most 40)`);
    }
  }
  return [...new Set(topics)];
}

/** Parses a frequency, naming the accepted values when it is wrong. */
export function parseFrequency(input: string | undefined, fallback: Frequency): Frequency {
  if (input === undefined || input.trim() === '') return fallback;
  const v = input.trim().toLowerCase();
  if (v !== 'daily' && v !== 'weekly') throw new AppError('INPUT_INVALID', `invalid frequency ${JSON.stringify(input)}: expected daily or weekly`);
  return v;
}

/**
 * Parses an IANA time zone name ("Europe/Paris", any case) into its canonical spelling; empty
 * means none (null). Anything Intl does not know is an error naming an example.
 */
export function parseTimeZone(input: string | undefined): string | null {
  if (input === undefined || input.trim() === '') return null;
  const zone = canonicalTimeZone(input);
  if (!zone) {
    throw new AppError('INPUT_INVALID', `invalid time zone ${JSON.stringify(input.trim().slice(0, 64))}: use an IANA name such as Europe/Paris or America/New_York`);
  }
  return zone;
}
