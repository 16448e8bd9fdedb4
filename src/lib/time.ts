/**
 * Time, the one module of it: calendar dates and weekdays in a time zone, times written for people
 * (in UTC and in a zone), IANA zone names, the UTC instant of a wall-clock time in a zone (right
 * across daylight-saving changes), and the delivery time in words. Intl only (Node 20 has no
 * Temporal): a zone's offset at an instant is read from `formatToParts`. Pure functions of their
 * arguments: the clock itself is the app's (`App.now`), never read here.
 */
import type { Frequency } from '../domain.js';

/** Days of the week as `WEEKLY_DAY` names them, in `Date#getDay` order. */
export const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
/** A day of the week, spelled as `WEEKLY_DAY` holds it once parsed ("monday"). */
export type Weekday = (typeof WEEKDAYS)[number];

/** `HH:MM`, 00:00 to 23:59 (`DELIVER_AT`). */
export const CLOCK_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** True when Intl knows `tz` as a time zone (the check of `TZ` in the config). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** YYYY-MM-DD of `date` in time zone `tz`. */
export function dateIn(date: Date, tz: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(date);
}

/** The calendar date (YYYY-MM-DD) and weekday of `at` in time zone `tz`. */
export function dayIn(at: Date, tz: string): { date: string; weekday: Weekday } {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'long' }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { date: `${part('year')}-${part('month')}-${part('day')}`, weekday: part('weekday').toLowerCase() as Weekday };
}

/** "2026-03-18 08:00 UTC" (with `seconds`: "2026-03-18 08:00:01 UTC"), from an ISO timestamp or a Date. */
export function utcTime(at: Date | string, opts: { seconds?: boolean } = {}): string {
  const iso = typeof at === 'string' ? at : at.toISOString();
  return `${iso.slice(0, opts.seconds ? 19 : 16).replace('T', ' ')} UTC`;
}

/** "2026-03-18 09:00" in `tz`. */
export function localTime(date: Date, tz: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-CA', {
      timeZone: tz,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(date)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

/** "2026-03-18 09:00 Europe/Paris (08:00 UTC)", or "2026-03-18 08:00 UTC" when `tz` is UTC. */
export function whenIn(date: Date, tz: string): string {
  const utc = utcTime(date);
  if (tz === 'UTC' || tz === 'Etc/UTC') return utc;
  const local = localTime(date, tz);
  // The UTC date only when it differs from the local one.
  return `${local} ${tz} (${local.slice(0, 10) === utc.slice(0, 10) ? utc.slice(11) : utc})`;
}

/**
 * When the digest goes out, in words, for the welcome email and the pages: "every day at 08:00
 * (UTC)", "every Monday at 08:00 (UTC)" for `frequency` under cron `schedule` in time zone `tz`.
 * A SCHEDULE that is not a plain daily time is quoted.
 */
export function describeWhen(schedule: string, tz: string, frequency: Frequency, weeklyDay: string): string {
  const fields = schedule.trim().split(/\s+/);
  const [minute, hour, dom, month, dow] = fields.length === 6 ? fields.slice(1) : fields;
  const plainDaily = /^\d{1,2}$/.test(minute ?? '') && /^\d{1,2}$/.test(hour ?? '') && dom === '*' && month === '*' && dow === '*';
  const at = plainDaily ? ` at ${hour!.padStart(2, '0')}:${minute!.padStart(2, '0')} (${tz})` : ` (schedule "${schedule}", ${tz})`;
  const day = weeklyDay.charAt(0).toUpperCase() + weeklyDay.slice(1).toLowerCase();
  return frequency === 'weekly' ? `every ${day}${at}` : `every day${at}`;
}

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

/** A wall-clock time, to the second: year, month (1–12), day, hour, minute, second. */
export interface WallClock {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

/** The wall-clock time of instant `ts` in `tz`. */
export function wallClockIn(ts: number, tz: string): WallClock {
  const w = new Date(Math.floor(ts / 1000) * 1000 + offsetAt(ts, tz));
  return { y: w.getUTCFullYear(), mo: w.getUTCMonth() + 1, d: w.getUTCDate(), h: w.getUTCHours(), mi: w.getUTCMinutes(), s: w.getUTCSeconds() };
}

/** The instant of wall-clock time `l` in `tz` (in a DST gap: shifted by the gap, as clocks do). */
export function instantOfWallClock(l: WallClock, tz: string): number {
  return instantOfWallTime(Date.UTC(l.y, l.mo - 1, l.d, l.h, l.mi, l.s), tz);
}

/** True when the wall clock of `tz` reads exactly `l` at instant `ts` (false inside a DST gap). */
export function readsWallClock(ts: number, l: WallClock, tz: string): boolean {
  const p = wallClockIn(ts, tz);
  return p.y === l.y && p.mo === l.mo && p.d === l.d && p.h === l.h && p.mi === l.mi && p.s === l.s;
}
