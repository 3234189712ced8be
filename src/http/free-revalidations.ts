/**
 * How many conditional polls each caller may have answered 304 without asking the rate limiter, in
 * this isolate, per window of RATE_LIMIT_PERIOD_SECONDS (FREE_REVALIDATIONS). Past that, their polls
 * are counted as any other, before anything is read: a flood of revalidations is still refused
 * without touching D1, while a client polling at any sane pace never spends its budget on a 304.
 *
 * Kept in the isolate's memory: nothing to write, and a flood from one caller reaches few isolates.
 * Fixed windows; the whole map is dropped when a window ends, and it never grows past MAX_CALLERS.
 */
const MAX_CALLERS = 10_000;

let window = -1;
const taken = new Map<string, number>();

export function takeFreeRevalidation(caller: string, allowance: number, periodMs: number, now = Date.now()): boolean {
  const current = Math.floor(now / periodMs);
  if (current !== window) {
    window = current;
    taken.clear();
  }
  const count = taken.get(caller) ?? 0;
  if (count >= allowance || (count === 0 && taken.size >= MAX_CALLERS)) return false;
  taken.set(caller, count + 1);
  return true;
}
