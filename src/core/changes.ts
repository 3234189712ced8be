import { coveredAtSql, foldCovered } from './acknowledged-through';
import { inboxAudiences } from './audience';
import type { BatchRead } from './batch-read';
import type { Db } from './db';
import type { Receipt } from './notifications';
import type { UserPrincipal } from './principal';

// The change feed (table inbox_changes, written by triggers and acknowledge-all): a user's own state
// changes, their acknowledge-alls and the removals of notifications they could see, in one sequence.
// Streams replay it from a cursor.

export type Change =
  | { seq: number; kind: 'state'; notificationId: string; receipt: Receipt }
  | { seq: number; kind: 'deleted'; notificationId: string }
  /** Every notification up to `notificationId` (by sequence) that was pending is acknowledged, `at` then. */
  | { seq: number; kind: 'acknowledged'; notificationId: string; at: number };

interface ChangeRow {
  seq: number;
  kind: Change['kind'];
  notificationId: string;
  createdAt: number;
  coveredAt: number | null;
  seenAt: number | null;
  readAt: number | null;
  acknowledgedAt: number | null;
  archivedAt: number | null;
}

/**
 * Up to `limit` changes after `after`, oldest first. Like an inbox page, one index range per
 * audience merged by sequence, so the cost is about `limit` rows however long the feed is.
 * A state change carries the receipt as it is now; `last` is the position after what was read
 * (also past a state change whose notification has gone since: a `deleted` follows it).
 */
/**
 * Up to `limit` changes after `after`, oldest first, as a statement for a caller's batch. Like an inbox
 * page, one index range per audience merged by sequence, so the cost is about `limit` rows however long
 * the feed is. A state change carries the receipt as it is now; `last` is the position after what was
 * read (also past a state change whose notification has gone since: a `deleted` follows it).
 */
export function changesRead(db: Db, user: UserPrincipal, after: number, limit: number): BatchRead<{ changes: Change[]; last: number; hasMore: boolean }> {
  const audiences = inboxAudiences(user.userId, user.orgs);
  const arms = audiences.map(
    (_, i) => `SELECT c.seq AS seq, c.kind, c.notification_id AS notificationId, c.created_at AS createdAt,
         r.seen_at AS seenAt, r.read_at AS readAt, r.acknowledged_at AS acknowledgedAt, r.archived_at AS archivedAt,
         ${coveredAtSql('?1', '?2')} AS coveredAt
       FROM inbox_changes c
         LEFT JOIN receipts r ON c.kind = 'state' AND r.project_id = c.project_id AND r.user_id = ?2 AND r.notification_id = c.notification_id
         LEFT JOIN notifications n ON r.notification_id IS NOT NULL AND n.id = c.notification_id
       WHERE c.project_id = ?1 AND c.audience = ?${i + 4} AND c.seq > ?3`,
  );
  const statement = db.$client
    .prepare(`${arms.join('\nUNION ALL\n')}\nORDER BY seq ASC LIMIT ${limit + 1}`)
    .bind(user.projectId, user.userId, after, ...audiences);
  return { statements: [statement], read: ([result]) => toChanges((result?.results ?? []) as ChangeRow[], after, limit) };
}

function toChanges(results: ChangeRow[], after: number, limit: number): { changes: Change[]; last: number; hasMore: boolean } {
  const rows = results.slice(0, limit);
  const changes = rows.flatMap((row): Change[] => {
    if (row.kind === 'deleted') return [{ seq: row.seq, kind: 'deleted', notificationId: row.notificationId }];
    if (row.kind === 'acknowledged') return [{ seq: row.seq, kind: 'acknowledged', notificationId: row.notificationId, at: row.createdAt }];
    if (row.seenAt === null) return []; // the receipt went with its notification
    const { seenAt, readAt, acknowledgedAt, archivedAt } = row;
    const receipt = foldCovered({ seenAt, readAt, acknowledgedAt, archivedAt }, row.coveredAt);
    return [{ seq: row.seq, kind: 'state', notificationId: row.notificationId, receipt }];
  });
  return { changes, last: rows.at(-1)?.seq ?? after, hasMore: results.length > limit };
}

export interface FeedHead {
  /** The newest notification sequence and change stored (anywhere: a place to start "from now"). */
  notifications: number;
  changes: number;
  /** The newest change of this project that retention purged (0 when none). */
  purgedThrough: number;
}

/** The statement feedHead runs, for callers that read the head in the same batch as something else. */
export function feedHeadStatement(db: Db, projectId: string): D1PreparedStatement {
  return db.$client
    .prepare(
      `SELECT max(coalesce((SELECT max(seq) FROM notifications), 0), coalesce((SELECT floor FROM sequence_floors WHERE name = 'notifications'), 0)) AS notifications,
         (SELECT max(seq) FROM inbox_changes) AS changes,
         (SELECT purged_through FROM change_horizons WHERE project_id = ?1) AS purgedThrough`,
    )
    .bind(projectId);
}

export function toFeedHead(row: { notifications: number | null; changes: number | null; purgedThrough: number | null } | undefined | null): FeedHead {
  return {
    notifications: row?.notifications ?? 0,
    changes: row?.changes ?? 0,
    purgedThrough: row?.purgedThrough ?? 0,
  };
}

export async function feedHead(db: Db, projectId: string): Promise<FeedHead> {
  return toFeedHead(await feedHeadStatement(db, projectId).first());
}

/**
 * Forgets changes older than `before` (epoch ms), at most `batch` of them, and remembers per
 * project how far it went, so that a cursor from before that gets a `reset` instead of a gap.
 * Returns how many were purged (call again while it returns `batch`).
 */
export async function purgeChanges(db: Db, before: number, batch = 1000): Promise<number> {
  const d1 = db.$client;
  // The same oldest-first slice in both statements of one atomic batch: no gap without its horizon.
  // The feed is in time order: the slice is read from its oldest entry, at most a batch of rows, with
  // no index on created_at to write. The newest entry always stays, so that SQLite never hands its
  // sequence out again (the table has no AUTOINCREMENT, migrations/0011).
  const oldest = `SELECT project_id, seq FROM (SELECT project_id, seq, created_at FROM inbox_changes ORDER BY seq LIMIT ?2)
    WHERE created_at < ?1 AND seq < (SELECT max(seq) FROM inbox_changes)`;
  const [, deleted] = await d1.batch([
    d1
      .prepare(
        `INSERT INTO change_horizons (project_id, purged_through)
           SELECT project_id, max(seq) FROM (${oldest}) GROUP BY project_id
         ON CONFLICT (project_id) DO UPDATE SET purged_through = max(purged_through, excluded.purged_through)`,
      )
      .bind(before, batch),
    d1.prepare(`DELETE FROM inbox_changes WHERE seq IN (SELECT seq FROM (${oldest})) RETURNING seq`).bind(before, batch),
  ]);
  return deleted?.results.length ?? 0;
}
