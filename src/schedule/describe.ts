/**
 * When the digest goes out, in words, for the welcome email and the pages: "every day at 08:00
 * (UTC)", "every Monday at 08:00 (UTC)". A SCHEDULE that is not a plain daily time is quoted.
 */
import type { Frequency } from '../domain.js';

/** Describes the delivery time of `frequency` under cron `schedule` in time zone `tz`. */
export function describeWhen(schedule: string, tz: string, frequency: Frequency, weeklyDay: string): string {
  const fields = schedule.trim().split(/\s+/);
  const [minute, hour, dom, month, dow] = fields.length === 6 ? fields.slice(1) : fields;
  const plainDaily = /^\d{1,2}$/.test(minute ?? '') && /^\d{1,2}$/.test(hour ?? '') && dom === '*' && month === '*' && dow === '*';
  const at = plainDaily ? ` at ${hour!.padStart(2, '0')}:${minute!.padStart(2, '0')} (${tz})` : ` (schedule "${schedule}", ${tz})`;
  const day = weeklyDay.charAt(0).toUpperCase() + weeklyDay.slice(1).toLowerCase();
  return frequency === 'weekly' ? `every ${day}${at}` : `every day${at}`;
}
