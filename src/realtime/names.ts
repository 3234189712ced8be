// Which Durable Object a listener lives in: one per player, and the project's count in shards.
//
// The project-wide count is kept by shard objects, not by one object per project: a player always
// maps to the same shard, and each shard enforces its share of MAX_LISTENERS_PER_PROJECT. About 1000
// listeners per shard keeps every shard far below a Durable Object's ~1000 requests/s (a listener
// costs two requests per long poll). The price: with several shards the 503 can come a little
// before the exact project total, when players hash unevenly. One shard (limits up to 1000) is exact.

const LISTENERS_PER_SHARD = 1000;

export function playerRoomName(projectId: string, userId: string): string {
  return JSON.stringify([projectId, userId]);
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

function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
