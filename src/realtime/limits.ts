// Listener limits (Worker variables) and how the project-wide count is split.
//
// The project-wide count is kept by shard objects, not by one object per project: a player always
// maps to the same shard, and each shard enforces its share of MAX_LISTENERS_PER_PROJECT. About 1000
// listeners per shard keeps every shard far below a Durable Object's ~1000 requests/s (a listener
// costs two requests per long poll). The price: with several shards the 503 can come a little
// before the exact project total, when players hash unevenly. One shard (limits up to 1000) is exact.

export interface ListenerLimits {
  perPlayer: number;
  perProject: number;
}

const LISTENERS_PER_SHARD = 1000;

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

export function projectShard(projectId: string, userId: string, perProject: number): { name: string; limit: number } {
  const shards = shardCount(perProject);
  const index = hash(userId) % shards;
  return { name: shardName(projectId, index), limit: Math.ceil(perProject / shards) };
}

/** Every shard of a project (a broadcast asks each who is listening). */
export function projectShards(projectId: string, perProject: number): string[] {
  return Array.from({ length: shardCount(perProject) }, (_, index) => shardName(projectId, index));
}

function shardCount(perProject: number): number {
  return Math.max(1, Math.ceil(perProject / LISTENERS_PER_SHARD));
}

function shardName(projectId: string, index: number): string {
  return JSON.stringify([projectId, index]);
}

export function playerRoomName(projectId: string, userId: string): string {
  return JSON.stringify([projectId, userId]);
}

function positive(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
