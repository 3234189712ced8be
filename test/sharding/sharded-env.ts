import { env } from 'cloudflare:workers';
import { openDb } from '../../src/core/db';
import { databaseOf, sharesFor, singleDatabase, type ShardMap } from '../../src/core/placement';
import { loadShardMap, saveShardMap } from '../../src/core/shard-map';
import { forgetShardMap } from '../../src/http/databases';
import { fetcherFor } from '../realtime/fault-env';
import { ADMIN } from '../helpers';

// A deployment of three D1 databases (issue 26): the pool's DB, and its EXTRA_DB_2 and EXTRA_DB_3 bound as
// DB_2 and DB_3. Requests sent through `shardedFetch` reach the Worker with this environment.

export const BINDINGS = ['DB', 'DB_2', 'DB_3'] as const;
export type Binding = (typeof BINDINGS)[number];

// The map is read every second (not every 30): a move's steps wait that long, plus 5 s.
export const sharded = { ...env, DB_2: env.EXTRA_DB_2, DB_3: env.EXTRA_DB_3, SHARD_MAP_TTL_SECONDS: '1' } as Env;
export const shardedFetch = fetcherFor(sharded);

export const d1Of = (binding: Binding): D1Database => ({ DB: env.DB, DB_2: env.EXTRA_DB_2, DB_3: env.EXTRA_DB_3 })[binding];

/** A third of the virtual shards on each database, as `shards add DB_2` then `add DB_3` leave an empty deployment. */
export function spreadMap(): ShardMap {
  let map = singleDatabase();
  for (const added of ['DB_2', 'DB_3']) {
    const next = [...map];
    for (const { shard } of sharesFor(map, added)) next[shard] = added;
    map = next;
  }
  return map;
}

/** Stores `map` as the deployment's shard map (in the test's own storage) and makes the Worker read it. */
export async function useShardMap(map: ShardMap): Promise<void> {
  const control = openDb(env.DB);
  const { version } = await loadShardMap(control);
  if (!(await saveShardMap(control, version, map))) throw new Error('shard map changed meanwhile');
  forgetShardMap(sharded);
}

/** User ids of a project that live on the given database under `map` (found by trying names). */
export function usersOn(map: ShardMap, project: string, binding: Binding, count = 1, prefix = 'u'): string[] {
  const found: string[] = [];
  for (let i = 0; found.length < count; i++) {
    const id = `${prefix}-${i}`;
    if (databaseOf(map, project, id) === binding) found.push(id);
  }
  return found;
}

/** A project created through the sharded Worker (projects live in the control database). */
export async function shardedProject(prefix: string): Promise<string> {
  const id = `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const res = await shardedFetch('/v1/projects', { method: 'POST', headers: { ...ADMIN, 'content-type': 'application/json' }, body: JSON.stringify({ id, name: id }) });
  if (res.status !== 201) throw new Error(`project: ${res.status} ${await res.text()}`);
  return id;
}

/** Producer create through the sharded Worker. */
export function shardedSend(project: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> {
  return shardedFetch(`/v1/projects/${project}/notifications`, {
    method: 'POST',
    headers: { ...ADMIN, 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ title: 'Hello', ...body }),
  });
}

/** How many copies of a notification each database holds. */
export async function copiesOf(id: string): Promise<Record<Binding, number>> {
  const counts = await Promise.all(BINDINGS.map(async (b) => (await d1Of(b).prepare('SELECT count(*) AS n FROM notifications WHERE id = ?1').bind(id).first<{ n: number }>())!.n));
  return Object.fromEntries(BINDINGS.map((b, i) => [b, counts[i]])) as Record<Binding, number>;
}
