import type { Db } from './db';
import { databaseOf, databasesOf, singleDatabase, type ShardMap } from './placement';

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
  /** A database by binding, opened once per request (the control database is CONTROL). */
  open(binding: string): Db;
}

/** Stores over a shard map; `open` gives a database by binding (called once per binding). */
export function storesOver(map: ShardMap, open: (binding: string) => Db): Stores {
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
    bindingOf: (projectId, userId) => databaseOf(map, projectId, userId),
    open: get,
  };
}

/** One database for everything: a deployment without sharding, and core tests. */
export const oneStore = (db: Db): Stores => storesOver(singleDatabase(CONTROL), () => db);

/** The database of one user's inbox. */
export const inboxOf = (stores: Stores, projectId: string, userId: string): Db => stores.open(stores.bindingOf(projectId, userId));

/** Whether anything of the project may live outside the control database. */
export const isSharded = (stores: Stores): boolean => stores.inboxes.length > 1 || stores.inboxes[0] !== CONTROL;
