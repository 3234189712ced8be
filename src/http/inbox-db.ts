import type { Context } from 'hono';
import type { Db } from '../core/db';
import { DomainError } from '../core/errors';
import { entryOf } from '../core/placement';
import { CONTROL, inboxOf } from '../core/stores';
import { currentShardMap } from './databases';
import type { AppEnv } from '../env';
import type { Status } from './openapi';

/**
 * The database holding this user's inbox: every read and write about one user goes there alone. Just after their
 * inbox moved there (until the move drops the old copies), reads go to its primary: a replica may lag the copy.
 */
export function inboxDb(c: Context<AppEnv>, user: { projectId: string; userId: string }): Db {
  const stores = c.get('stores');
  const db = inboxOf(stores, user.projectId, user.userId);
  if (stores.justMoved(user.projectId, user.userId) && db.$session && !db.$session.onPrimary) db.$session.usePrimary();
  return db;
}

/** Seconds a user's write waits while their inbox is copied: a copy takes seconds, and the map is read every second meanwhile. */
export const MOVING_RETRY_AFTER_SECONDS = 2;

/**
 * The user's database, for what the user changes (acknowledges, reads): refused while their inbox is being copied
 * to another database (core/shard-moves.ts: a few seconds), since a change written behind the copy would be lost
 * with the source.
 */
export function inboxForWrite(c: Context<AppEnv>, user: { projectId: string; userId: string }): Db {
  const stores = c.get('stores');
  if (stores.frozen(user.projectId, user.userId)) {
    throw new DomainError('moving', 'This inbox is moving to another database: it is being copied there for a few seconds; retry after Retry-After seconds', { retryAfter: MOVING_RETRY_AFTER_SECONDS });
  }
  return inboxDb(c, user);
}

/** The 503 of a write refused while the user's inbox moves, as a route documents it (with the dialect's code). */
export const movingNote = (code: string): Status => [
  503,
  `\`${code}\`: your inbox is moving to another database (an operator added one); nothing was changed. Retry after \`Retry-After\` seconds (a few seconds in all).`,
];

/**
 * For a listener (stream, long poll) that outlives the map it started with: the user's database now, when it
 * is not `current` (their inbox moved meanwhile). The map is the isolate's (read every second while a move is
 * under way), so asking costs nothing.
 */
export const relocator =
  (c: Context<AppEnv>, user: { projectId: string; userId: string }) =>
  async (current: Db): Promise<Db | undefined> => {
    const binding = entryOf(await currentShardMap(c.env), user.projectId, user.userId).binding;
    return binding === (current.$binding ?? CONTROL) ? undefined : c.get('stores').open(binding);
  };
