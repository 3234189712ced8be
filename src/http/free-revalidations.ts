/**
 * How many conditional polls each caller may send to their tag check before the rate limiter is
 * asked, in this isolate, per window of RATE_LIMIT_PERIOD_SECONDS (FREE_REVALIDATIONS). Past that,
 * their polls are counted first, as any other, so a flood of revalidations is refused without
 * touching D1, while a client polling at any sane pace never spends its budget on a 304.
 *
 * Kept in the isolate's memory: nothing to write, and a flood from one caller reaches few isolates.
 * Fixed windows; the whole map is dropped when a window ends, and it never tracks more than
 * MAX_CALLERS callers (the ones past that are counted first).
 */
const MAX_CALLERS = 10_000;

export type TakeFreeRevalidation = (caller: string, allowance: number, periodMs: number, now?: number) => boolean;

export function createFreeRevalidations(): TakeFreeRevalidation {
  let window = -1;
  const taken = new Map<string, number>();
  return (caller, allowance, periodMs, now = Date.now()) => {
    const current = Math.floor(now / periodMs);
    if (current !== window) {
      window = current;
      taken.clear();
    }
    const count = taken.get(caller) ?? 0;
    if (count >= allowance || (count === 0 && taken.size >= MAX_CALLERS)) return false;
    taken.set(caller, count + 1);
    return true;
  };
}

/** The isolate's allowance, shared by every request it serves. */
export const takeFreeRevalidation = createFreeRevalidations();
