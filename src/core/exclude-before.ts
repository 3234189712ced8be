import { inboxAudiences } from './audience';
import { decodeCursor, encodeCursor, isCursor, type CursorScope } from './cursor';
import { movedToPrimary, type Db } from './db';
import { invalidParameter } from './errors';
import { latestSequence } from './inbox';
import { UUID } from './ids';
import type { UserPrincipal } from './principal';

// seeds/002 `exclude_before`: "all notifications including and before this provided id will be
// ignored". A client may send the `cursor` of a long poll, or the `notification_id` of the newest
// notification it has; both name a place in the player's inbox.

export function excludeBeforeScope(reader: UserPrincipal, database?: string): CursorScope {
  return { parameter: 'exclude_before', parts: ['player', reader.projectId, reader.userId, 'exclude_before'], ...(database !== undefined && { database }) };
}

/** The long poll's answer cursor: the next request's `exclude_before` (`database`: the binding holding the reader's inbox). */
export function excludeBeforeCursor(reader: UserPrincipal, position: number, database?: string): string {
  return encodeCursor(excludeBeforeScope(reader, database), position);
}

/**
 * The sequence to answer after, or `unknown`: an id that is not one of the reader's notifications
 * (deleted, another player's) or a cursor we issued for another player or listing. Text that is
 * neither a cursor nor an id is a 422 (invalid_parameter), as the document's validation error.
 */
export async function resolveExcludeBefore(db: Db, reader: UserPrincipal, text: string): Promise<number | 'unknown'> {
  if (UUID.test(text)) {
    const audiences = inboxAudiences(reader.userId, reader.orgs);
    const read = () =>
      db.$client
        .prepare('SELECT seq, audience FROM notifications WHERE id = ?1 AND project_id = ?2')
        .bind(text.toLowerCase(), reader.projectId)
        .first<{ seq: number; audience: string }>();
    // A notification the client knows of may not have reached a lagging replica yet: not found there
    // is asked again of the primary (as core/inbox.ts getInboxItem). Having read there, the rest of the
    // request (a long poll may wait a while) may read from any replica at least that fresh.
    let row = await read();
    if (!row && movedToPrimary(db, true)) {
      row = await read();
      db.$session?.settle();
    }
    return row && audiences.includes(row.audience) ? row.seq : 'unknown';
  }
  if (isCursor(text)) {
    try {
      return decodeCursor(excludeBeforeScope(reader, db.$binding), text);
    } catch {
      // Another listing's or player's cursor, or one from before this inbox moved to another database.
      return 'unknown';
    }
  }
  return decodeCursor(excludeBeforeScope(reader, db.$binding), text); // throws: not a cursor at all
}

/** On a page, a place that is not known is the documented 422. */
export async function pageExcludeBefore(db: Db, reader: UserPrincipal, text: string): Promise<number> {
  const seq = await resolveExcludeBefore(db, reader, text);
  if (seq === 'unknown') {
    throw invalidParameter('exclude_before', 'exclude_before is neither a notification of this player nor a cursor this request can continue from');
  }
  return seq;
}

/** Where a long poll starts: after `exclude_before`, or, absent or unknown, where `offset_reset_strategy` says. */
export async function longPollStart(
  db: Db,
  reader: UserPrincipal,
  text: string | undefined,
  strategy: 'earliest' | 'latest',
): Promise<number> {
  const seq = text === undefined ? 'unknown' : await resolveExcludeBefore(db, reader, text);
  if (seq !== 'unknown') return seq;
  return strategy === 'earliest' ? 0 : latestSequence(db, reader);
}
