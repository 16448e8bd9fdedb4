import { describe, expect, it } from 'vitest';
import { GIVE_UP_MS, givesUp, nextAttempt } from '../../src/pipeline/retry.js';

const first = '2026-01-05T08:00:00.000Z';
const t = (minutes: number) => new Date(Date.parse(first) + minutes * 60_000);

describe('the retry schedule', () => {
  it('waits 5 min, 15, 30, 1 h, 2 h, then 4 h, stretched by at most 20%, never shortened', () => {
    const expected = [5, 15, 30, 60, 120, 240, 240];
    expected.forEach((minutes, i) => {
      expect(nextAttempt(i + 1, t(0), first, undefined, () => 0).getTime() - t(0).getTime()).toBe(minutes * 60_000);
      expect(nextAttempt(i + 1, t(0), first, undefined, () => 0.999).getTime() - t(0).getTime()).toBeLessThan(minutes * 60_000 * 1.2);
    });
  });

  it('takes the server’s word for when to come back', () => {
    expect(nextAttempt(1, t(0), first, 30_000).getTime() - t(0).getTime()).toBe(30_000);
  });

  it('never schedules past 48 hours, and gives up at 48 hours', () => {
    expect(nextAttempt(9, t(47 * 60), first, undefined, () => 0).toISOString()).toBe(new Date(Date.parse(first) + GIVE_UP_MS).toISOString());
    expect(givesUp(first, t(48 * 60 - 1))).toBe(false);
    expect(givesUp(first, t(48 * 60))).toBe(true);
  });
});
