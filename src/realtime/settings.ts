// Listener limits and heartbeats, from Worker variables (wrangler.toml [vars]).

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

/** How often a held response proves the client is still there (LISTENER_HEARTBEAT_SECONDS, default 10). */
export function heartbeatMs(env: { LISTENER_HEARTBEAT_SECONDS?: string }): number {
  return positive(env.LISTENER_HEARTBEAT_SECONDS, 10) * 1000;
}

/** How often an open stream (SSE comment, lease renewal) proves it is alive (STREAM_HEARTBEAT_SECONDS, default 25). */
export function streamHeartbeatMs(env: { STREAM_HEARTBEAT_SECONDS?: string }): number {
  return positive(env.STREAM_HEARTBEAT_SECONDS, 25) * 1000;
}

function positive(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}
