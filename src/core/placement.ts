import { hash32x2 } from './hash';

// Where a user's inbox lives when a deployment has several D1 databases (issue 26). A user (project and
// user id) hashes to one of a fixed number of virtual shards; a shard map assigns each virtual shard to one
// database. Adding a database moves whole virtual shards onto it, so no user's placement changes except the
// users of the shards that move, and a user never spans two databases.

/** Virtual shards: fixed for the life of a deployment (a change would move every user). 1024 spreads users evenly over up to a few hundred databases. */
export const VIRTUAL_SHARDS = 1024;

/** The virtual shard of a user: stable, and spread evenly whatever the ids look like. */
export function virtualShard(projectId: string, userId: string): number {
  // A separator that ids cannot contain, so that ("ab", "c") and ("a", "bc") differ.
  return hash32x2(`${projectId}\u0000${userId}`)[0] % VIRTUAL_SHARDS;
}

/**
 * A shard map: for each virtual shard, the binding name of the database that holds it. While a database is
 * added (core/shard-moves.ts), a moving shard reads `A>B` (still served by A, being copied to B) and then `B<A`
 * (served by B; A's old copies not yet dropped).
 */
export type ShardMap = readonly string[];

/** One shard's entry read: where its users are served, and the other side of a move in progress. */
export interface ShardEntry {
  binding: string;
  /** `A>B`: B, which receives the users' new notifications too, and serves them once they are copied. */
  movingTo?: string;
  /** `B<A`: A, which still holds old copies of the users (dropped at the move's end). */
  movedFrom?: string;
}

export function parseEntry(entry: string): ShardEntry {
  const moving = entry.indexOf('>');
  if (moving > 0) return { binding: entry.slice(0, moving), movingTo: entry.slice(moving + 1) };
  const moved = entry.indexOf('<');
  if (moved > 0) return { binding: entry.slice(0, moved), movedFrom: entry.slice(moved + 1) };
  return { binding: entry };
}

/** The entry of a user's virtual shard. */
export function entryOf(map: ShardMap, projectId: string, userId: string): ShardEntry {
  const entry = map[virtualShard(projectId, userId)];
  if (entry === undefined) throw new Error(`shard map has ${map.length} entries, not ${VIRTUAL_SHARDS}`);
  return parseEntry(entry);
}

/** Whether a move is under way (an isolate then reads the map more often: http/databases.ts). */
export const inTransition = (map: ShardMap): boolean => map.some((entry) => entry.includes('>') || entry.includes('<'));

/** Every virtual shard on one database: a deployment with the single default database. */
export const singleDatabase = (binding = 'DB'): ShardMap => Array<string>(VIRTUAL_SHARDS).fill(binding);

/** The database binding that holds a user's inbox. */
export const databaseOf = (map: ShardMap, projectId: string, userId: string): string => entryOf(map, projectId, userId).binding;

/**
 * The databases a map uses, in the order they first appear: a broadcast is written to each, both sides of a move
 * included (the target must hold every broadcast when its users arrive).
 */
export const databasesOf = (map: ShardMap): string[] =>
  [...new Set(map.flatMap((entry) => entry.split(/[<>]/)))];

/**
 * The virtual shards to move so that `added` holds its even share (VIRTUAL_SHARDS / databases), taking from
 * the fullest databases first: the fewest users move, and every database ends within one shard of the others.
 */
export function sharesFor(map: ShardMap, added: string): { shard: number; from: string }[] {
  if (inTransition(map)) throw new Error('a move is under way');
  const databases = databasesOf(map).filter((binding) => binding !== added);
  const count = databases.length + 1;
  const target = Math.floor(VIRTUAL_SHARDS / count);
  const held = new Map<string, number[]>(databases.map((binding) => [binding, []]));
  map.forEach((binding, shard) => held.get(binding)?.push(shard));
  const moves: { shard: number; from: string }[] = [];
  let already = map.filter((binding) => binding === added).length;
  while (already < target) {
    // The fullest database gives its highest-numbered shard (any would do; this one is deterministic).
    const [from, shards] = [...held].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1))[0]!;
    moves.push({ shard: shards.pop()!, from });
    already++;
  }
  return moves;
}
