// Pure timing rules, so tests can call them directly.

/**
 * `base` doubled `times` times, capped, less up to `spread` of it at random: reconnects spread by a quarter
 * (clients that failed together, e.g. at a deploy, come back apart); idle polls by a tenth (they drift apart
 * anyway, and each shortening costs a phone a wake-up: at the 60 s maximum, 63 polls an hour on average).
 */
export const grow = (times: number, base: number, cap: number, random: number, spread = 1 / 4): number =>
  Math.min(cap, base * 2 ** times) * (1 - random * spread);

export interface PollPace {
  minIntervalMs: number;
  maxIntervalMs: number;
  backgroundIntervalMs: number;
  pauseInBackground: boolean;
}

/**
 * The delay before the next poll, or null for none (paused in the background).
 * `idle`: polls in a row that changed nothing; `urgent`: the last change brought a high/critical notification.
 * Foreground: the minimum after a change, then doubling with jitter toward the maximum. Background: the
 * background pace, except right after something urgent, which grows from the minimum again.
 */
export function pollDelay(pace: PollPace, idle: number, urgent: boolean, visible: boolean, random: number): number | null {
  if (!visible && pace.pauseInBackground) return null;
  if (!visible && !urgent) return pace.backgroundIntervalMs;
  return idle ? grow(idle, pace.minIntervalMs, visible ? pace.maxIntervalMs : pace.backgroundIntervalMs, random, 1 / 10) : pace.minIntervalMs;
}

/** `Retry-After` in ms (seconds or an HTTP date), or undefined. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return;
  const ms = /^\d+$/.test(header) ? +header * 1000 : Date.parse(header) - now;
  return ms >= 0 ? ms : undefined;
}
