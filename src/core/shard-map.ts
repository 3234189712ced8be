import { eq } from 'drizzle-orm';
import type { Db } from './db';
import { singleDatabase, VIRTUAL_SHARDS, type ShardMap } from './placement';
import { shardMap } from './schema';
import { CONTROL } from './stores';

// The shard map as the control database keeps it (schema.ts shard_map): one row, absent until a database
// is added, so a deployment with one database never reads it.

/** A move under way (core/shard-moves.ts): the database shards go to, and how far it got. */
export interface MoveState {
  to: string;
  /** When its shards were marked `A>B`: nothing is copied until every isolate has read that map. */
  markedAt: number;
  /** seed: the broadcasts (a database new to the map holds none); copy: the users; drop: the sources' old copies. */
  phase: 'seed' | 'copy' | 'drop';
  /** The database broadcasts are seeded from (any that held the map's broadcasts); none: the target has them. */
  seedFrom?: string;
  /**
   * Where the phase got to: the last sequence seeded; or the source and the last (project, user) done, and, for a
   * user whose copy stopped halfway, who (`partialProject`, `partialUser`) and after which sequence (`seq`).
   */
  cursor?: { seq?: number; source?: string; project?: string; user?: string; partialProject?: string; partialUser?: string };
  /** When the copy phase began (with the phase): the moving users' writes are refused from then on, and nothing is copied until every isolate knows. */
  frozenAt?: number;
  /** When the moved shards were flipped to `B<A`: nothing is dropped until every request that read the old map is over. */
  flippedAt?: number;
  /** Until when a step holds the move (another waits). */
  lease?: number;
}

export interface StoredShardMap {
  version: number;
  map: ShardMap;
  move: MoveState | null;
}

const ENTRY = /^DB(_[A-Z0-9_]+)?([<>]DB(_[A-Z0-9_]+)?)?$/;

const isMap = (map: unknown): map is ShardMap =>
  Array.isArray(map) && map.length === VIRTUAL_SHARDS && map.every((entry) => typeof entry === 'string' && ENTRY.test(entry));

/** The current map (version 0, everything on DB, before any database was added). */
export async function loadShardMap(control: Db): Promise<StoredShardMap> {
  const row = await control.select().from(shardMap).where(eq(shardMap.id, 1)).get();
  if (!row) return { version: 0, map: singleDatabase(CONTROL), move: null };
  const map = JSON.parse(row.shards) as unknown;
  if (!isMap(map)) throw new Error(`shard_map row ${row.version} is not a map of ${VIRTUAL_SHARDS} bindings`);
  return { version: row.version, map, move: row.move === null ? null : (JSON.parse(row.move) as MoveState) };
}

/** Stores a new map, if the stored one is still `expected` (false: another change came first). */
export async function saveShardMap(control: Db, expected: number, map: ShardMap, move: MoveState | null = null): Promise<boolean> {
  if (!isMap(map)) throw new Error('not a shard map');
  const { meta } = await control.$client
    .prepare(
      `INSERT INTO shard_map (id, version, shards, move) SELECT 1, ?1 + 1, ?2, ?3 WHERE ?1 = coalesce((SELECT version FROM shard_map WHERE id = 1), 0)
       ON CONFLICT (id) DO UPDATE SET version = excluded.version, shards = excluded.shards, move = excluded.move WHERE version = ?1`,
    )
    .bind(expected, JSON.stringify(map), move === null ? null : JSON.stringify(move))
    .run();
  return meta.changes > 0;
}
