import { eq } from 'drizzle-orm';
import type { Db } from './db';
import { singleDatabase, VIRTUAL_SHARDS, type ShardMap } from './placement';
import { shardMap } from './schema';
import { CONTROL } from './stores';

// The shard map as the control database keeps it (schema.ts shard_map): one row, absent until a database
// is added, so a deployment with one database never reads it.

export interface StoredShardMap {
  version: number;
  map: ShardMap;
}

const BINDING = /^DB(_[A-Z0-9_]+)?$/;

/** The current map (version 0, everything on DB, before any database was added). */
export async function loadShardMap(control: Db): Promise<StoredShardMap> {
  const row = await control.select().from(shardMap).where(eq(shardMap.id, 1)).get();
  if (!row) return { version: 0, map: singleDatabase(CONTROL) };
  const map = JSON.parse(row.shards) as unknown;
  if (!Array.isArray(map) || map.length !== VIRTUAL_SHARDS || !map.every((b) => typeof b === 'string' && BINDING.test(b))) {
    throw new Error(`shard_map row ${row.version} is not a map of ${VIRTUAL_SHARDS} bindings`);
  }
  return { version: row.version, map };
}

/** Stores a new map, if the stored one is still `expected` (false: another change came first). */
export async function saveShardMap(control: Db, expected: number, map: ShardMap): Promise<boolean> {
  if (map.length !== VIRTUAL_SHARDS || !map.every((b) => BINDING.test(b))) throw new Error('not a shard map');
  const shards = JSON.stringify(map);
  const { meta } = await control.$client
    .prepare(
      `INSERT INTO shard_map (id, version, shards) SELECT 1, ?1 + 1, ?2 WHERE ?1 = coalesce((SELECT version FROM shard_map WHERE id = 1), 0)
       ON CONFLICT (id) DO UPDATE SET version = excluded.version, shards = excluded.shards WHERE version = ?1`,
    )
    .bind(expected, shards)
    .run();
  return meta.changes > 0;
}
