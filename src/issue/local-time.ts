/**
 * Local time for delivery at the reader's hour (`DELIVER_AT`): IANA time zone names and the UTC
 * instant of a wall-clock time in a zone, right across daylight-saving changes. Intl only (Node
 * 20 has no Temporal): the zone's offset at an instant is read from `formatToParts`.
 */

/** `HH:MM`, 00:00 to 23:59. */
export const CLOCK_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

/**
 * The zone's canonical spelling ("europe/paris" → "Europe/Paris", "US/Pacific" →
 * "America/Los_Angeles"), or undefined when Intl does not know it. Offsets and odd characters
 * are refused before Intl sees them.
 */
export function canonicalTimeZone(input: string): string | undefined {
  const name = input.trim();
  if (name.length === 0 || name.length > 64 || !/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(name)) return undefined;
  // A CSV of 100,000 readers names a few dozen zones: ask Intl once per name.
  if (known.has(name)) return known.get(name);
  let zone: string | undefined;
  try {
    zone = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    zone = undefined;
  }
  if (known.size < 2000) known.set(name, zone);
  return zone;
}

const known = new Map<string, string | undefined>();

const formats = new Map<string, Intl.DateTimeFormat>();

/** Milliseconds to add to UTC to get the wall clock of `zone` at instant `t`. */
export function offsetAt(t: number, zone: string): number {
  let f = formats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(zone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(t)) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return wall - Math.floor(t / 1000) * 1000;
}

/**
 * The UTC instant at which the wall clock of `zone` reads `wall` (a Date.UTC of the local date
 * and time). Like Temporal's "compatible" disambiguation: a time that happens twice (the hour
 * the clocks go back) is its first occurrence; a time that never happens (the hour skipped when
 * they go forward) is read with the offset before the change, i.e. as much later as the gap.
 */
export function instantOfWallTime(wall: number, zone: string): number {
  const day = 24 * 3600_000;
  const before = offsetAt(wall - day, zone);
  const after = offsetAt(wall + day, zone);
  const fits = [wall - before, wall - after].filter((t) => t + offsetAt(t, zone) === wall);
  if (fits.length > 0) return Math.min(...fits);
  return wall - before;
}

/**
 * The first instant at or after `after` (counted from the start of its minute, so that an issue
 * written during 08:00 still counts as 08:00) at which the wall clock of `zone` reads `clock`
 * (`HH:MM`).
 */
export function nextLocalTime(after: Date, clock: string, zone: string): Date {
  const m = CLOCK_RE.exec(clock);
  if (!m) throw new Error(`invalid time of day ${JSON.stringify(clock)}: expected HH:MM`);
  const hour = Number(m[1]);
  const minute = Number(m[2]);
  const from = Math.floor(after.getTime() / 60_000) * 60_000;
  const local = new Date(from + offsetAt(from, zone));
  // A zone that skipped a whole day (Pacific/Apia, 2011) needs the loop to go on once more.
  for (let d = 0; d < 4; d++) {
    const wall = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + d, hour, minute);
    const at = instantOfWallTime(wall, zone);
    if (at >= from) return new Date(at);
  }
  throw new Error(`no ${clock} in ${zone} after ${after.toISOString()}`);
}
