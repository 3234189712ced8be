import type { Db } from './db';
import { databasesOf, entryOf, parseEntry, singleDatabase, type ShardMap } from './placement';

// The databases one request may use (issue 26). The control database (binding DB) holds what belongs to no
// user (projects, keys, Idempotency-Keys, the shard map, copies still to write); a user's inbox lives in the
// database its virtual shard is mapped to (core/placement.ts). With one database, all of them are DB.

export const CONTROL = 'DB';

export interface Stores {
  /** Projects, keys, Idempotency-Keys, the shard map, pending copies. */
  readonly control: Db;
  /** The databases that hold inboxes, in a fixed order (a broadcast is written to each). */
  readonly inboxes: readonly string[];
  /** The binding of the database holding this user's inbox. */
  bindingOf(projectId: string, userId: string): string;
  /** The database this user's inbox is being moved to (core/shard-moves.ts), if it is. */
  movingTo(projectId: string, userId: string): string | undefined;
  /** Whether this user's inbox is being copied right now: what the user changes would be lost behind the copy. */
  frozen(projectId: string, userId: string): boolean;
  /** Whether this user's inbox was just moved here: its copies may not have reached every replica yet. */
  justMoved(projectId: string, userId: string): boolean;
  /** The databases being moved to: what the operator changes reaches them after the others (core/notifications.ts). */
  readonly targets: readonly string[];
  /** A database by binding, opened once per request (the control database is CONTROL). */
  open(binding: string): Db;
}

/** Stores over a shard map; `open` gives a database by binding (called once per binding); `copying`: the move's users are being copied. */
export function storesOver(map: ShardMap, open: (binding: string) => Db, copying = false): Stores {
  const opened = new Map<string, Db>();
  const get = (binding: string) => {
    let db = opened.get(binding);
    if (!db) opened.set(binding, (db = open(binding)));
    return db;
  };
  return {
    get control() {
      return get(CONTROL);
    },
    inboxes: databasesOf(map),
    bindingOf: (projectId, userId) => entryOf(map, projectId, userId).binding,
    movingTo: (projectId, userId) => entryOf(map, projectId, userId).movingTo,
    frozen: (projectId, userId) => copying && entryOf(map, projectId, userId).movingTo !== undefined,
    justMoved: (projectId, userId) => entryOf(map, projectId, userId).movedFrom !== undefined,
    targets: [...new Set(map.map(parseEntry).flatMap((entry) => (entry.movingTo ? [entry.movingTo] : [])))],
    open: get,
  };
}

/** One database for everything: a deployment without sharding, and core tests. */
export const oneStore = (db: Db): Stores => storesOver(singleDatabase(CONTROL), () => db);

/** The database of one user's inbox. */
export const inboxOf = (stores: Stores, projectId: string, userId: string): Db => stores.open(stores.bindingOf(projectId, userId));

/**
 * Every database that must receive what is written to this user's inbox by the operator (a notification, its
 * archive or delete): theirs, and the one they are being copied to (whatever the copy already took is kept
 * alike there; what it takes later, it takes as it is then).
 */
export function inboxesOf(stores: Stores, projectId: string, userId: string): string[] {
  const to = stores.movingTo(projectId, userId);
  return [stores.bindingOf(projectId, userId), ...(to ? [to] : [])];
}

/**
 * Runs `write` on each database: those being moved to last, so that a copy in flight (core/move.ts) that read the
 * source before this write, and wrote the target after it, finds the write when it reads the source again.
 */
export async function inOrder<T>(stores: Stores, bindings: readonly string[], write: (db: Db) => Promise<T>): Promise<T[]> {
  const last = bindings.filter((binding) => stores.targets.includes(binding));
  const first = await Promise.all(bindings.filter((binding) => !last.includes(binding)).map((binding) => write(stores.open(binding))));
  return [...first, ...(await Promise.all(last.map((binding) => write(stores.open(binding)))))];
}

/** Whether anything of the project may live outside the control database. */
export const isSharded = (stores: Stores): boolean => stores.inboxes.length > 1 || stores.inboxes[0] !== CONTROL;
