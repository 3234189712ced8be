// Listener limits and what idle listeners write, from Worker variables (wrangler.toml [vars]).

export interface ListenerLimits {
  perPlayer: number;
  perProject: number;
}

export function listenerLimits(env: { MAX_LISTENERS_PER_PLAYER?: string; MAX_LISTENERS_PER_PROJECT?: string }): ListenerLimits {
  return {
    perPlayer: positive(env.MAX_LISTENERS_PER_PLAYER, 4),
    perProject: positive(env.MAX_LISTENERS_PER_PROJECT, 10_000),
  };
}

/**
 * HANGUP_PROBE_SECONDS (default 0: off): how often a waiting long poll or event stream writes a byte
 * so that a client that hung up is noticed. Deployed, the runtime reports a hang-up itself
 * (`request.signal`, enable_request_signal) and nothing needs writing. `wrangler dev` reports it
 * only when a write to the dead connection fails, which is the second write after the hang-up:
 * `npm start` sets 3, so a slot comes back within about 6 s there.
 */
export function hangUpProbeMs(env: { HANGUP_PROBE_SECONDS?: string }): number {
  return nonNegative(env.HANGUP_PROBE_SECONDS, 0) * 1000;
}

/**
 * STREAM_HEARTBEAT_SECONDS (default 60): an event stream, or a long poll whose deadline is further
 * away, that wrote nothing for this long writes something (a comment, a space), so that
 * intermediaries do not close it as idle (the README's "Battery" section has the numbers behind the
 * default).
 */
export function streamHeartbeatMs(env: { STREAM_HEARTBEAT_SECONDS?: string }): number {
  return positive(env.STREAM_HEARTBEAT_SECONDS, 60) * 1000;
}

/**
 * LISTENER_RECHECK_SECONDS (default 60): a waiting listener (long poll, event stream, WebSocket) reads D1
 * when it is woken, and otherwise once in this long, so that a notification whose wake-up was lost (a
 * failed call, an object reset between the write and the wake-up) still arrives. Each re-read is a D1
 * statement or two per waiting listener: 60 s keeps 10,000 waiting listeners at about 330 a second.
 */
export function listenerRecheckMs(env: { LISTENER_RECHECK_SECONDS?: string }): number {
  return positive(env.LISTENER_RECHECK_SECONDS, 60) * 1000;
}

/** How long a held response (event stream, long poll) stays silent: the heartbeat, or the hang-up probe where that is on and sooner. */
export function keepAliveMs(env: { STREAM_HEARTBEAT_SECONDS?: string; HANGUP_PROBE_SECONDS?: string }): number {
  const probe = hangUpProbeMs(env);
  return probe > 0 ? Math.min(probe, streamHeartbeatMs(env)) : streamHeartbeatMs(env);
}

function positive(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

function nonNegative(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value !== '' && Number.isInteger(n) && n >= 0 ? n : fallback;
}
