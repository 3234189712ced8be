import { describe, expect, it } from 'vitest';
import { grow, pollDelay, retryAfterMs } from '../src/schedule';

const pace = { minIntervalMs: 5000, maxIntervalMs: 60000, backgroundIntervalMs: 300000, pauseInBackground: false };

describe('grow', () => {
  it('doubles from the base up to the cap, less up to a quarter of jitter', () => {
    expect([0, 1, 2, 3, 4, 5].map((n) => grow(n, 2000, 60000, 0))).toEqual([2000, 4000, 8000, 16000, 32000, 60000]);
    expect(grow(1, 2000, 60000, 1)).toBe(3000);
    expect(grow(10, 2000, 60000, 0.5)).toBe(52500);
  });
});

describe('pollDelay', () => {
  it('is the minimum after a change', () => {
    expect(pollDelay(pace, 0, false, true, 0.9)).toBe(5000);
  });

  it('grows toward the maximum while idle, with jitter, never over it', () => {
    expect([1, 2, 3, 4, 8].map((idle) => pollDelay(pace, idle, false, true, 0))).toEqual([10000, 20000, 40000, 60000, 60000]);
    expect(pollDelay(pace, 1, false, true, 1)).toBe(9000);
    expect(pollDelay(pace, 3, false, true, 0.4)).toBe(38400);
    for (let idle = 1; idle < 12; idle++) expect(pollDelay(pace, idle, false, true, 0.999)!).toBeLessThanOrEqual(60000);
  });

  it('uses the background pace in the background, or none when paused', () => {
    expect(pollDelay(pace, 0, false, false, 0)).toBe(300000);
    expect(pollDelay(pace, 5, false, false, 0.7)).toBe(300000);
    expect(pollDelay({ ...pace, pauseInBackground: true }, 0, true, false, 0)).toBeNull();
  });

  it('comes back to the minimum in the background after something urgent, then grows toward the background pace', () => {
    expect(pollDelay(pace, 0, true, false, 0)).toBe(5000);
    expect(pollDelay(pace, 2, true, false, 0)).toBe(20000);
    expect(pollDelay(pace, 9, true, false, 0)).toBe(300000);
  });
});

describe('retryAfterMs', () => {
  it('reads seconds or an HTTP date', () => {
    expect(retryAfterMs('7', 0)).toBe(7000);
    expect(retryAfterMs('0', 0)).toBe(0);
    const now = Date.parse('2026-03-01T12:00:00Z');
    expect(retryAfterMs('Sun, 01 Mar 2026 12:00:30 GMT', now)).toBe(30000);
  });

  it('ignores what it cannot use', () => {
    expect(retryAfterMs(null, 0)).toBeUndefined();
    expect(retryAfterMs('soon', 0)).toBeUndefined();
    expect(retryAfterMs('Sun, 01 Mar 2026 11:00:00 GMT', Date.parse('2026-03-01T12:00:00Z'))).toBeUndefined();
  });
});
