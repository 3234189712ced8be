import { readTogether } from './batch-read';
import { changesRead, feedHead, type FeedHead } from './changes';
import { decodeStreamCursor, MovedCursor, streamScope, type StreamPosition } from './cursor';
import { movedToPrimary, type Db } from './db';
import { readAfter, readOrRetryLater } from './realtime';
import { inboxPageRead } from './inbox';
import { countsRead, type InboxCounts } from './inbox-state';
import { inboxAudiences } from './audience';
import type { InboxItem, Receipt } from './notifications';
import type { HeldSlot } from './long-poll';
import type { UserPrincipal } from './principal';

// A stream (SSE or WebSocket) is a cursor over two sequences: the notifications the user can see
// and the change feed. Replay after a reconnect and live delivery are the same read from the same
// position, so nothing created while a client reconnects can fall between the two.

export type StreamEvent =
  | { kind: 'notification'; position: StreamPosition; item: InboxItem }
  | { kind: 'state'; position: StreamPosition; id: string; receipt: Receipt }
  | { kind: 'deleted'; position: StreamPosition; id: string }
  | { kind: 'acknowledged'; position: StreamPosition; through: string; at: number };

/** Events read per round: a reconnect far behind is replayed in rounds of this size. */
export const STREAM_BATCH = 100;

/** The stream position "now" at a feed head: a stream from there sees only what is stored after it. */
export function headPosition(head: FeedHead): StreamPosition {
  // The feed may be empty after a purge: "now" is then the purged end, not 0 (which would look lost).
  return { notifications: head.notifications, changes: Math.max(head.changes, head.purgedThrough) };
}

/**
 * Where a stream starts. Without a cursor: now. With one (`text`, as the client sent it in
 * `parameter`): there, unless the change feed was purged past it or it is ahead of the feed (another
 * database): then `reset`, and the client refetches. A cursor that is not this user's is a 400.
 */
export async function openStream(
  db: Db,
  user: UserPrincipal,
  cursor: { parameter: string; text: string } | undefined,
): Promise<{ position: StreamPosition; reset: boolean }> {
  const since = cursor === undefined ? undefined : sinceIn(db, user, cursor);
  let head = await feedHead(db, user.projectId);
  // A cursor of the database the user's inbox moved from: its sequences mean nothing here.
  if (since === 'moved') return { position: headPosition(head), reset: true };
  // A replica behind the cursor has not seen what the client saw: the primary tells reset from lag.
  if (since && movedToPrimary(db, since.changes > head.changes || since.notifications > head.notifications)) {
    head = await feedHead(db, user.projectId);
    db.$session?.settle();
  }
  const now = headPosition(head);
  if (since === undefined) return { position: now, reset: false };
  const lost = since.changes < head.purgedThrough;
  // Only the change feed tells "another database": it never shrinks at its end (purges take the oldest
  // and leave their horizon), while deleting the newest notification lowers max(seq) legitimately.
  const ahead = since.changes > now.changes;
  return lost || ahead ? { position: now, reset: true } : { position: since, reset: false };
}

/** The position a cursor names, or 'moved': one this user's stream gave before their inbox moved to another database. */
function sinceIn(db: Db, user: UserPrincipal, cursor: { parameter: string; text: string }): StreamPosition | 'moved' {
  try {
    return decodeStreamCursor(streamScope(user, cursor.parameter, db.$binding), cursor.text);
  } catch (error) {
    if (error instanceof MovedCursor) return 'moved';
    throw error;
  }
}

/**
 * The next events after `from`: new notifications oldest first, then changes in feed order. Each event
 * carries the position just after it, which is what a client resumes from. With `counts`, one transaction
 * reads them and the user's counts: when nothing is left after them (`more` false), the counts are exactly
 * those at `position`, so a client that takes them never has to guess whether an event is already counted.
 */
export async function readStream(
  db: Db,
  user: UserPrincipal,
  from: StreamPosition,
  { limit = STREAM_BATCH, counts: withCounts = true, now = Date.now() }: { limit?: number; counts?: boolean; now?: number } = {},
): Promise<{ events: StreamEvent[]; position: StreamPosition; more: boolean; counts?: InboxCounts }> {
  const events$ = [
    inboxPageRead(db, user, { order: 'oldest', limit, after: from.notifications }, now),
    changesRead(db, user, from.changes, limit),
  ] as const;
  const [page, feed, counts] = withCounts
    ? await readTogether(db, ...events$, countsRead(db, user, inboxAudiences(user.userId, user.orgs), now))
    : [...(await readTogether(db, ...events$)), undefined];
  const events: StreamEvent[] = [];
  let notifications = from.notifications;
  for (const item of page.items) {
    notifications = item.seq;
    events.push({ kind: 'notification', position: { notifications, changes: from.changes }, item });
  }
  for (const change of feed.changes) {
    const position = { notifications, changes: change.seq };
    events.push(
      change.kind === 'state'
        ? { kind: 'state', position, id: change.notificationId, receipt: change.receipt }
        : change.kind === 'acknowledged'
          ? { kind: 'acknowledged', position, through: change.notificationId, at: change.at }
          : { kind: 'deleted', position, id: change.notificationId },
    );
  }
  return { events, position: { notifications, changes: feed.last }, more: page.hasMore || feed.hasMore, ...(counts ? { counts } : {}) };
}

/** The counts a stream tells its client (InboxCounts without the deadline, which only the stream needs). */
export interface StreamCounts {
  total: number;
  pending: number;
}

export interface FollowOptions {
  /** Without a wake-up, the stream re-reads this often anyway, in case a wake-up was lost. */
  recheckMs: number;
  /** After this long without writing anything, `keepAlive` writes (intermediaries close silent connections); Infinity: never. */
  keepAliveMs: number;
  /** The client is gone. */
  signal: AbortSignal;
  /**
   * Delivers events, then (when given) the counts at the position after them: after the first read, after
   * every read with events, and whenever they changed without one (an expiry).
   */
  send(events: StreamEvent[], counts: StreamCounts | undefined, position: StreamPosition): Promise<void>;
  /** Writes something that is not an event; throws when the client is gone. */
  keepAlive(): Promise<void>;
  /**
   * The user's database now, when it is not the one followed (their inbox moved: core/shard-moves.ts). Asked
   * before each read; the stream then goes on there from its head, after `restart` told the client to refetch.
   */
  relocate?(current: Db): Promise<Db | undefined>;
  /** Tells the client to refetch and go on from `position` (a `reset` message) in `db`. */
  restart?(position: StreamPosition, db: Db): Promise<void>;
  /** Once, when the first read has been delivered: what was read until then is what opening the stream cost. */
  opened?(): void;
}

/**
 * Delivers everything after `from`, then whatever arrives, until the client goes away or a newer
 * listener with its name takes its slot (`replaced`, with where delivery got to). It reads when woken
 * (a wake-up for this user, their organisations or everyone) and at each safety re-read, in case a
 * wake-up was lost; a failed read is tried again then. The slot is released however this ends.
 */
export async function follow(
  followed: Db,
  user: UserPrincipal,
  { slot, token: first }: HeldSlot,
  from: StreamPosition,
  options: FollowOptions,
): Promise<{ replaced: boolean; position: StreamPosition }> {
  let position = from;
  let db = followed;
  try {
    let token = first;
    let lastWrite = Date.now();
    let recheckAt = Date.now();
    /** When the counts change by themselves (the next expiry), or never. */
    let expiresAt = Number.POSITIVE_INFINITY;
    let sent: StreamCounts | undefined;
    /**
     * Whether the next read also reads the counts. They change only with an event or an expiry, so the safety
     * re-read (no wake-up) reads the events alone, as cheaply as before; should it find any (a lost wake-up), it
     * reads again with the counts.
     */
    let counting = true;
    /** The last read that was to read the counts failed. */
    let owed = false;
    let due = true;
    let opening = true;
    while (!options.signal.aborted) {
      const moved = due ? await options.relocate?.(db) : undefined;
      if (moved) {
        // Sequences of one database mean nothing in another: the client refetches, and the stream goes on from the new head.
        db = moved;
        position = (await openStream(db, user, undefined)).position;
        await options.restart?.(position, db);
        lastWrite = Date.now();
        sent = undefined;
        counting = true;
      }
      if (due) {
        const batch = await readOrRetryLater(() => readStream(db, user, position, { counts: counting }));
        if (batch && !batch.counts && batch.events.length > 0) {
          counting = true;
          continue;
        }
        // A failed read is tried again at the next wake-up or safety re-read, with the counts if it was to read them
        // (not at once: an expiry already past would bring it straight back).
        owed = counting && !batch;
        if (!batch && expiresAt <= Date.now()) expiresAt = Number.POSITIVE_INFINITY;
        if (batch) {
          // Counts go with the last round only (a round that leaves more to read read counts beyond its position),
          // after every round with events (the client's own estimate moved with them, whether or not the server's
          // numbers did) and whenever they changed without one (an expiry).
          const changed = sent?.total !== batch.counts?.total || sent?.pending !== batch.counts?.pending;
          const counts =
            batch.counts && !batch.more && (changed || batch.events.length > 0) ? { total: batch.counts.total, pending: batch.counts.pending } : undefined;
          if (batch.events.length > 0 || counts) {
            await options.send(batch.events, counts, batch.position);
            lastWrite = Date.now();
          }
          position = batch.position;
          if (counts) sent = counts;
          if (batch.more) continue;
          if (opening) options.opened?.();
          opening = false;
          // Spread over a second: a broadcast's expiry would otherwise wake every listener of the project at one instant.
          if (batch.counts) expiresAt = batch.counts.validUntil === null ? Number.POSITIVE_INFINITY : batch.counts.validUntil + Math.random() * 1000;
        }
        recheckAt = Date.now() + options.recheckMs;
      }
      const keepAliveAt = lastWrite + options.keepAliveMs;
      const next = await slot.wait(token, Math.max(0, Math.min(keepAliveAt, recheckAt, expiresAt) - Date.now()), options.signal);
      if (next === null) return { replaced: true, position };
      if (options.signal.aborted) break;
      // A keep-alive alone reads nothing: only a wake-up, an expiry or the safety re-read does.
      const woken = next.generation !== token.generation;
      const expired = Date.now() >= expiresAt;
      due = woken || expired || Date.now() >= recheckAt;
      counting = woken || expired || owed || sent === undefined;
      token = next;
      readAfter(db, token);
      if (Date.now() >= keepAliveAt) {
        await options.keepAlive();
        lastWrite = Date.now();
      }
    }
    return { replaced: false, position };
  } finally {
    await slot.release();
  }
}
