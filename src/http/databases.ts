import { openDb, type Db } from '../core/db';
import { inTransition, singleDatabase, type ShardMap } from '../core/placement';
import { loadShardMap } from '../core/shard-map';
import { CONTROL, storesOver, type Stores } from '../core/stores';
import type { Bindings } from '../env';

// The D1 databases a deployment declares (wrangler.toml: DB, and DB_<NAME> for each added one) and the
// shard map that places users on them, kept per isolate (README "Scaling").

/** How long an isolate keeps the shard map before reading it again (SHARD_MAP_TTL_SECONDS, default 30). */
export function shardMapTtlMs(env: { SHARD_MAP_TTL_SECONDS?: string }): number {
  const seconds = Number(env.SHARD_MAP_TTL_SECONDS);
  return (Number.isInteger(seconds) && seconds > 0 ? seconds : 30) * 1000;
}

/**
 * How long a move waits after marking shards (until every isolate has read the map that marks them) and after
 * flipping them (until no request that read the old map still runs): the map's period and a margin.
 */
export const moveSettleMs = (env: { SHARD_MAP_TTL_SECONDS?: string }): number => shardMapTtlMs(env) + 5_000;

/**
 * How long while a move is under way: its users' writes are refused until their shard flips, and an isolate
 * learns of the flip this soon (a control-database read a second per isolate, for the move's minutes).
 */
export const MOVING_MAP_TTL_MS = 1_000;

/** How long a move waits between saying it copies and copying: every isolate reads the map each second meanwhile, and a write it let through is over. */
export const MOVE_FREEZE_MS = MOVING_MAP_TTL_MS + 2_000;

const DECLARED = /^DB(_[A-Z0-9_]+)?$/;

/** The inbox databases this Worker has bindings for: DB, then the added ones (DB_<NAME>) by name. */
export function declaredDatabases(env: Bindings): string[] {
  const added = Object.keys(env).filter((name) => name !== CONTROL && DECLARED.test(name) && isD1((env as unknown as Record<string, unknown>)[name]));
  return [CONTROL, ...added.sort()];
}

/** The binding itself, for a name the shard map gave (a map naming a database this Worker lacks is a deployment error). */
export function databaseBinding(env: Bindings, binding: string): D1Database {
  const d1 = (env as unknown as Record<string, unknown>)[binding];
  if (!DECLARED.test(binding) || typeof d1 !== 'object' || d1 === null) throw new Error(`The shard map places users on ${binding}, which wrangler.toml does not declare`);
  return d1 as D1Database;
}

function isD1(value: unknown): value is D1Database {
  return typeof value === 'object' && value !== null && 'prepare' in value && 'withSession' in value;
}

interface Cached {
  map: ShardMap;
  version: number;
  /** The move under way is copying its users (their writes are refused). */
  copying: boolean;
  readAt: number;
}

// Per control database (a test may run Workers over several environments in one isolate).
const cache = new WeakMap<D1Database, Cached | Promise<Cached>>();

/**
 * The shard map, read from the control database at most once per shardMapTtlMs per isolate. A deployment
 * that declares DB alone never reads it. Not metered: it is the isolate's, not the request's.
 */
export async function currentShardMap(env: Bindings, now = Date.now()): Promise<ShardMap> {
  return (await currentPlacement(env, now)).map;
}

/** The shard map and whether its move is copying users, as currentShardMap reads them. */
export async function currentPlacement(env: Bindings, now = Date.now()): Promise<{ map: ShardMap; copying: boolean }> {
  if (declaredDatabases(env).length === 1) return { map: ONE, copying: false };
  const held = cache.get(env.DB);
  if (held && !(held instanceof Promise) && now - held.readAt < (inTransition(held.map) ? MOVING_MAP_TTL_MS : shardMapTtlMs(env))) return held;
  if (held instanceof Promise) return held;
  const reading = loadShardMap(openDb(env.DB)).then(
    ({ map, version, move }) => {
      const read = { map, version, copying: move?.phase === 'copy', readAt: Date.now() };
      cache.set(env.DB, read);
      return read;
    },
    (error: unknown) => {
      // Keep serving the last map rather than fail every request while the control database hiccups.
      if (held) cache.set(env.DB, held);
      else cache.delete(env.DB);
      if (held) return held;
      throw error;
    },
  );
  cache.set(env.DB, reading);
  return reading;
}

/** Reads the map again at the next request (after this isolate changed it, and in tests). */
export function forgetShardMap(env: Bindings): void {
  cache.delete(env.DB);
}

const ONE = singleDatabase(CONTROL);

/** The request's stores: `open` wraps a binding (its session and meter); CONTROL is the control database. */
export async function requestStores(env: Bindings, open: (binding: string, d1: D1Database) => Db): Promise<Stores> {
  const { map, copying } = await currentPlacement(env);
  return storesOver(map, (binding) => open(binding, databaseBinding(env, binding)), copying);
}
