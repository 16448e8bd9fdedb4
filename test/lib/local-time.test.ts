/**
 * Local time for DELIVER_AT: the UTC instant of a reader's 08:00, across daylight-saving changes
 * (the hour skipped in spring, the hour repeated in autumn), and the zone names accepted.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { canonicalTimeZone, nextLocalTime } from '../../src/lib/time.js';
import { parseTimeZone } from '../../src/subscriptions/inputs.js';

const at = (iso: string, clock: string, zone: string) => nextLocalTime(new Date(iso), clock, zone).toISOString();

describe('nextLocalTime', () => {
  it('finds the next 08:00 in each zone, today or tomorrow', () => {
    // 20:00 UTC on 6 March 2026 is 05:00 the next morning in Tokyo, 21:00 in Paris, 12:00 in Los Angeles.
    expect(at('2026-03-06T20:00:00Z', '08:00', 'Asia/Tokyo')).toBe('2026-03-06T23:00:00.000Z');
    expect(at('2026-03-06T20:00:00Z', '08:00', 'Europe/Paris')).toBe('2026-03-07T07:00:00.000Z');
    expect(at('2026-03-06T20:00:00Z', '08:00', 'America/Los_Angeles')).toBe('2026-03-07T16:00:00.000Z');
    expect(at('2026-03-06T20:00:00Z', '08:00', 'UTC')).toBe('2026-03-07T08:00:00.000Z');
    expect(at('2026-03-06T20:00:00Z', '23:30', 'Asia/Kolkata')).toBe('2026-03-07T18:00:00.000Z');
  });

  it('counts an issue written during the minute of 08:00 as 08:00, and a minute later as tomorrow', () => {
    expect(at('2026-03-07T08:00:00.000Z', '08:00', 'UTC')).toBe('2026-03-07T08:00:00.000Z');
    expect(at('2026-03-07T08:00:59.999Z', '08:00', 'UTC')).toBe('2026-03-07T08:00:00.000Z');
    expect(at('2026-03-07T08:01:00.000Z', '08:00', 'UTC')).toBe('2026-03-08T08:00:00.000Z');
  });

  it('uses the offset of the day itself when the clocks change overnight', () => {
    // Los Angeles springs forward on 8 March 2026 (PST −8 → PDT −7), Paris on 29 March (+1 → +2).
    expect(at('2026-03-07T20:00:00Z', '08:00', 'America/Los_Angeles')).toBe('2026-03-08T15:00:00.000Z');
    expect(at('2026-03-28T20:00:00Z', '08:00', 'Europe/Paris')).toBe('2026-03-29T06:00:00.000Z');
    // And back: Paris on 25 October (+2 → +1), Los Angeles on 1 November (−7 → −8).
    expect(at('2026-10-24T20:00:00Z', '08:00', 'Europe/Paris')).toBe('2026-10-25T07:00:00.000Z');
    expect(at('2026-10-31T20:00:00Z', '08:00', 'America/Los_Angeles')).toBe('2026-11-01T16:00:00.000Z');
    // Southern hemisphere: Sydney leaves daylight time on 5 April 2026 (+11 → +10).
    expect(at('2026-04-04T12:00:00Z', '08:00', 'Australia/Sydney')).toBe('2026-04-04T22:00:00.000Z');
  });

  it('moves a time the clocks skip forward by the gap, and takes the first of a time that happens twice', () => {
    // 02:30 does not exist in Paris on 29 March 2026: it is read as 03:30 CEST.
    expect(at('2026-03-28T20:00:00Z', '02:30', 'Europe/Paris')).toBe('2026-03-29T01:30:00.000Z');
    expect(at('2026-03-08T00:00:00Z', '02:30', 'America/Los_Angeles')).toBe('2026-03-08T10:30:00.000Z');
    // 01:30 happens twice in Los Angeles on 1 November 2026: the first, still PDT.
    expect(at('2026-11-01T00:00:00Z', '01:30', 'America/Los_Angeles')).toBe('2026-11-01T08:30:00.000Z');
    // Between the two: after the first 01:30, the next one is the day after.
    expect(at('2026-11-01T08:31:00Z', '01:30', 'America/Los_Angeles')).toBe('2026-11-02T09:30:00.000Z');
  });

  it('survives a zone that skipped a whole day (Samoa, 30 December 2011)', () => {
    expect(at('2011-12-30T09:00:00Z', '08:00', 'Pacific/Apia')).toBe('2011-12-30T18:00:00.000Z');
  });
});

describe('time zone names', () => {
  it('takes IANA names in any case and aliases, as their canonical spelling; refuses the rest', () => {
    expect(canonicalTimeZone('europe/paris')).toBe('Europe/Paris');
    expect(canonicalTimeZone(' Asia/Tokyo ')).toBe('Asia/Tokyo');
    expect(canonicalTimeZone('US/Pacific')).toBe('America/Los_Angeles');
    expect(canonicalTimeZone('utc')).toBe('UTC');
    for (const bad of ['Mars/Olympus_Mons', '+01:00', 'Europe/Paris\r\nBcc: x', '../etc', '', 'x'.repeat(80)]) {
      expect(canonicalTimeZone(bad), bad).toBeUndefined();
    }
    expect(parseTimeZone('')).toBeNull();
    expect(parseTimeZone(undefined)).toBeNull();
    expect(() => parseTimeZone('Mars/Olympus_Mons')).toThrow(/^invalid time zone "Mars\/Olympus_Mons": use an IANA name such as Europe\/Paris/);
  });
});

describe('DELIVER_AT', () => {
  it('is unset by default, HH:MM when set, and one line naming the key when wrong', () => {
    expect(loadConfig({}, '/nonexistent').DELIVER_AT).toBeUndefined();
    expect(loadConfig({ DELIVER_AT: '08:00' }, '/nonexistent').DELIVER_AT).toBe('08:00');
    expect(loadConfig({ DELIVER_AT: '7:30' }, '/nonexistent').DELIVER_AT).toBe('07:30');
    for (const bad of ['24:00', '8', '08:60', 'eight']) {
      expect(() => loadConfig({ DELIVER_AT: bad }, '/nonexistent')).toThrow(`config: DELIVER_AT must be a time of day HH:MM such as 08:00 (got "${bad}")`);
    }
  });
});
