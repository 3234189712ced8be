import { describe, expect, it } from 'vitest';
import { createFreeRevalidations } from '../../src/http/free-revalidations';

// A private allowance each test, so that the isolate's own (which the Worker's requests use) is untouched.
describe('free revalidations (per caller, per window, in memory)', () => {
  it('allows each caller its allowance per window, then none until the next window', () => {
    const takeFreeRevalidation = createFreeRevalidations();
    const take = (caller: string, now: number) => takeFreeRevalidation(caller, 3, 1000, now);
    expect([take('a', 0), take('a', 10), take('a', 20), take('a', 30)]).toEqual([true, true, true, false]);
    expect(take('b', 40)).toBe(true);
    expect(take('a', 999)).toBe(false);
    expect([take('a', 1000), take('a', 1001), take('a', 1002), take('a', 1003)]).toEqual([true, true, true, false]);
  });

  it('an allowance of 0 (FREE_REVALIDATIONS unset) gives nothing free', () => {
    const takeFreeRevalidation = createFreeRevalidations();
    expect(takeFreeRevalidation('c', 0, 1000, 5000)).toBe(false);
  });

  it('never tracks more than 10,000 callers in a window: the next ones are counted by the limiter', () => {
    const takeFreeRevalidation = createFreeRevalidations();
    for (let i = 0; i < 10_000; i++) expect(takeFreeRevalidation(`caller-${i}`, 2, 1000, 7000)).toBe(true);
    expect(takeFreeRevalidation('one-too-many', 2, 1000, 7000)).toBe(false);
    // Those already tracked keep the rest of their allowance.
    expect(takeFreeRevalidation('caller-0', 2, 1000, 7000)).toBe(true);
    expect(takeFreeRevalidation('caller-0', 2, 1000, 7000)).toBe(false);
    // A new window starts empty.
    expect(takeFreeRevalidation('one-too-many', 2, 1000, 8000)).toBe(true);
  });
});
