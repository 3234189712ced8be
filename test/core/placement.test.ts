import { describe, expect, it } from 'vitest';
import { hash64 } from '../../src/core/hash';
import { databaseOf, databasesOf, entryOf, inTransition, parseEntry, sharesFor, singleDatabase, VIRTUAL_SHARDS, virtualShard, type ShardMap } from '../../src/core/placement';

// Placement of users over D1 databases (issue 26): pure functions.

/** A map after adding each database in turn, moving the shares sharesFor chooses. */
function grown(...added: string[]): ShardMap {
  let map = singleDatabase();
  for (const binding of added) {
    const next = [...map];
    for (const { shard } of sharesFor(map, binding)) next[shard] = binding;
    map = next;
  }
  return map;
}

describe('placement', () => {
  it('puts every user on the default database when there is one', () => {
    const map = singleDatabase();
    expect(map).toHaveLength(VIRTUAL_SHARDS);
    expect(databaseOf(map, 'acme', 'alice')).toBe('DB');
    expect(databasesOf(map)).toEqual(['DB']);
  });

  it('is stable, separates project from user, and spreads users evenly over the virtual shards', () => {
    expect(virtualShard('acme', 'alice')).toBe(virtualShard('acme', 'alice'));
    expect(virtualShard('ab', 'c')).not.toBe(virtualShard('a', 'bc'));
    const counts = new Array<number>(VIRTUAL_SHARDS).fill(0);
    const users = 200_000;
    for (let i = 0; i < users; i++) counts[virtualShard('game', `player-${i}`)]!++;
    const mean = users / VIRTUAL_SHARDS;
    // A binomial spread: about sqrt(mean) = 14 around 195; nothing near twice or half the mean.
    expect(Math.max(...counts)).toBeLessThan(mean * 1.35);
    expect(Math.min(...counts)).toBeGreaterThan(mean * 0.65);
    // Sequential UUID-like ids spread as well as names do.
    const uuids = new Set(Array.from({ length: 4096 }, (_, i) => virtualShard('p', `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`)));
    expect(uuids.size).toBeGreaterThan(VIRTUAL_SHARDS * 0.95);
  });

  it('keeps hash64 as it was (ETags already issued stay valid)', () => {
    // Values of hash64 before it was split into hash32x2.
    expect(['', 'counts', '["a",1]'].map(hash64)).toEqual(['Gu6Ng0iL3Lg', 'rGAV9OCfbBo', 'k6h6af4v02o']);
  });

  it('adds a database by moving only its even share, from the fullest, leaving every database within one shard', () => {
    const two = grown('DB_2');
    expect(two.filter((b) => b === 'DB_2')).toHaveLength(VIRTUAL_SHARDS / 2);
    const three = grown('DB_2', 'DB_3');
    const sizes = databasesOf(three).map((binding) => three.filter((b) => b === binding).length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    // Only shards moved onto DB_3 changed: every user either stayed or went to the new database.
    const moved = three.filter((binding, shard) => binding !== two[shard]);
    expect(new Set(moved)).toEqual(new Set(['DB_3']));
    expect(moved.length).toBe(Math.floor(VIRTUAL_SHARDS / 3));
    // Adding a database that already holds its share moves nothing.
    expect(sharesFor(three, 'DB_3')).toEqual([]);
  });
});

describe('a move in the map', () => {
  it('reads A>B as served by A and moving to B, B<A as served by B, and writes broadcasts to both sides', () => {
    expect(parseEntry('DB')).toEqual({ binding: 'DB' });
    expect(parseEntry('DB>DB_2')).toEqual({ binding: 'DB', movingTo: 'DB_2' });
    expect(parseEntry('DB_2<DB')).toEqual({ binding: 'DB_2', movedFrom: 'DB' });
    const map = singleDatabase().map((binding, shard) => (shard === 7 ? 'DB>DB_2' : shard === 9 ? 'DB_3<DB' : binding));
    expect(inTransition(map)).toBe(true);
    expect(inTransition(singleDatabase())).toBe(false);
    expect(databasesOf(map)).toEqual(['DB', 'DB_2', 'DB_3']);
    const user = Array.from({ length: 50_000 }, (_, i) => `u${i}`).find((u) => virtualShard('p', u) === 7)!;
    expect(databaseOf(map, 'p', user)).toBe('DB');
    expect(entryOf(map, 'p', user)).toEqual({ binding: 'DB', movingTo: 'DB_2' });
    // A new move is planned only on a settled map.
    expect(() => sharesFor(map, 'DB_4')).toThrow('a move is under way');
  });
});

describe('the sharded test deployment', () => {
  it('has three migrated databases, each its own store', async () => {
    const { env } = await import('cloudflare:workers');
    const tables = async (db: D1Database) =>
      (await db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('notifications', 'receipts', 'inbox_changes') ORDER BY name").all<{ name: string }>()).results.map((row) => row.name);
    for (const db of [env.DB, env.EXTRA_DB_2, env.EXTRA_DB_3]) expect(await tables(db)).toEqual(['inbox_changes', 'notifications', 'receipts']);
    await env.EXTRA_DB_2.prepare("INSERT INTO projects (id, name, created_at) VALUES ('only-in-db-2', 'x', 0)").run();
    const where = async (db: D1Database) => (await db.prepare("SELECT count(*) AS n FROM projects WHERE id = 'only-in-db-2'").first<{ n: number }>())!.n;
    expect([await where(env.DB), await where(env.EXTRA_DB_2), await where(env.EXTRA_DB_3)]).toEqual([0, 1, 0]);
  });
});
