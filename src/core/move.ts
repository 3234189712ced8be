import { audienceKey } from './audience';
import { INSERT_COPIES_FROM_JSON, INSERT_KEEPING_SEQUENCES, withOrdinals } from './create';
import type { Db } from './db';
import { NOTIFICATION_COLUMNS, type NotificationRow } from './notifications';

// Moving one user's inbox to another database (issue 26: adding a database moves whole virtual shards, user by
// user). What is copied is what the user sees, not how it was stored: their own notifications and the project's
// broadcasts keep their sequences (core/create.ts numbers them alike in every database), so the inbox keeps its
// order; archives are replayed as archives and receipts as receipts, so that the target's triggers build the same
// counters; an acknowledge-all becomes a receipt per notification it covered (its watermark counts the source's
// sequences, and a broadcast may have another number here). The change feed is not copied: the user's cursors name
// the source database and answer `reset` (core/cursor.ts).
//
// Not wired yet: a move also needs the shard map's "moving" state (writes of the moving users refused meanwhile),
// waits past the isolates' map cache, and the operator's command; see the README "Scaling".

type Row = NotificationRow;

const BATCH = 100;

/** What a copy wrote, for the operator's log. */
export interface CopyReport {
  notifications: number;
  receipts: number;
}

/** Copies the user's inbox from `source` to `target`: run it again and it adds nothing. */
export async function copyInbox(source: Db, target: Db, projectId: string, userId: string): Promise<CopyReport> {
  const own = audienceKey({ kind: 'user', id: userId });
  // The project's broadcasts first (a database that held none of the project's users has none), then the user's own.
  const broadcasts = await copyNotifications(source, target, projectId, "substr(audience, 1, 2) <> 'u:'", []);
  const mine = await copyNotifications(source, target, projectId, 'audience = ?2', [own]);
  const receipts = await copyReceipts(source, target, projectId, userId);
  return { notifications: broadcasts + mine, receipts };
}

/** Copies the notifications matching `where` (?1 is the project), a batch at a time in sequence order. */
async function copyNotifications(source: Db, target: Db, projectId: string, where: string, bound: unknown[]): Promise<number> {
  let after = 0;
  let copied = 0;
  for (;;) {
    const { results } = await source.$client
      .prepare(`SELECT ${NOTIFICATION_COLUMNS} FROM notifications n WHERE project_id = ?1 AND ${where} AND seq > ?${bound.length + 2} ORDER BY seq LIMIT ${BATCH}`)
      .bind(projectId, ...bound, after)
      .all<Row>();
    if (results.length === 0) return copied;
    after = results.at(-1)!.seq;
    // With its own sequence when it is free here (it nearly always is); else the next one this database hands out.
    const json = JSON.stringify(results);
    const { results: inserted } = await target.$client
      .prepare(INSERT_KEEPING_SEQUENCES)
      .bind(json)
      .all<{ id: string }>();
    const placed = new Set(inserted.map((r) => r.id));
    const present = await idsIn(target, results.map((r) => r.id));
    const displaced = results.filter((r) => !present.has(r.id));
    if (displaced.length > 0) await insertRenumbered(target, displaced);
    copied += placed.size + displaced.length;
    // Archived there: archived here too, through the trigger (counters and inboxes move as for any archive).
    const archived = results.filter((r) => r.archivedAt !== null && (placed.has(r.id) || displaced.includes(r)));
    for (const r of archived) {
      await target.$client.prepare('UPDATE notifications SET archived_at = ?1 WHERE id = ?2 AND archived_at IS NULL').bind(r.archivedAt, r.id).run();
    }
  }
}

async function idsIn(db: Db, ids: readonly string[]): Promise<Set<string>> {
  const { results } = await db.$client.prepare('SELECT id FROM notifications WHERE id IN (SELECT value FROM json_each(?1))').bind(JSON.stringify(ids)).all<{ id: string }>();
  return new Set(results.map((r) => r.id));
}

/** Rows whose sequence another notification holds here: numbered as new ones (their order among themselves kept). */
async function insertRenumbered(target: Db, rows: readonly Row[]): Promise<void> {
  await target.$client.prepare(INSERT_COPIES_FROM_JSON).bind(JSON.stringify(withOrdinals(rows.map(({ seq: _seq, ...row }) => row)))).run();
}

/** The user's receipts, and what their acknowledge-alls covered, as receipts on the notifications the target holds. */
async function copyReceipts(source: Db, target: Db, projectId: string, userId: string): Promise<number> {
  const { results: receipts } = await source.$client
    .prepare(
      `SELECT notification_id AS id, seen_at AS seenAt, read_at AS readAt, acknowledged_at AS acknowledgedAt, archived_at AS archivedAt
       FROM receipts WHERE project_id = ?1 AND user_id = ?2`,
    )
    .bind(projectId, userId)
    .all<{ id: string; seenAt: number | null; readAt: number | null; acknowledgedAt: number | null; archivedAt: number | null }>();
  // Covered by an acknowledge-all and not acknowledged otherwise: acknowledged at the first step that covers it.
  const { results: covered } = await source.$client
    .prepare(
      `SELECT n.id, (SELECT min(s.acknowledged_at) FROM acknowledged_through s
           WHERE s.project_id = ?1 AND s.user_id = ?2 AND s.audience = n.audience AND s.through_seq >= n.seq) AS acknowledgedAt
       FROM notifications n
       WHERE n.project_id = ?1 AND n.audience IN (SELECT DISTINCT audience FROM acknowledged_through WHERE project_id = ?1 AND user_id = ?2)
         AND n.seq <= (SELECT max(through_seq) FROM acknowledged_through s WHERE s.project_id = ?1 AND s.user_id = ?2 AND s.audience = n.audience)
         AND NOT EXISTS (SELECT 1 FROM receipts r WHERE r.project_id = ?1 AND r.user_id = ?2 AND r.notification_id = n.id AND r.acknowledged_at IS NOT NULL)`,
    )
    .bind(projectId, userId)
    .all<{ id: string; acknowledgedAt: number }>();
  const byId = new Map(receipts.map((r) => [r.id, r]));
  for (const { id, acknowledgedAt } of covered) {
    const held = byId.get(id);
    byId.set(id, held ? { ...held, acknowledgedAt } : { id, seenAt: null, readAt: null, acknowledgedAt, archivedAt: null });
  }
  const all = [...byId.values()];
  for (let i = 0; i < all.length; i += BATCH) {
    // Only for notifications the target holds (a receipt of one deleted meanwhile has nothing to describe).
    await target.$client
      .prepare(
        `INSERT INTO receipts (project_id, user_id, notification_id, seen_at, read_at, acknowledged_at, archived_at)
         SELECT ?1, ?2, json_extract(value, '$.id'), json_extract(value, '$.seenAt'), json_extract(value, '$.readAt'),
           json_extract(value, '$.acknowledgedAt'), json_extract(value, '$.archivedAt')
         FROM json_each(?3) WHERE EXISTS (SELECT 1 FROM notifications WHERE id = json_extract(value, '$.id'))
         ON CONFLICT (project_id, user_id, notification_id) DO NOTHING`,
      )
      .bind(projectId, userId, JSON.stringify(all.slice(i, i + BATCH)))
      .run();
  }
  return all.length;
}

/** Removes the user's inbox from `source` after it moved (the project's broadcasts stay for the users still there). */
export async function dropInbox(source: Db, projectId: string, userId: string): Promise<void> {
  const own = audienceKey({ kind: 'user', id: userId });
  const d1 = source.$client;
  await d1.batch([
    d1.prepare('DELETE FROM notifications WHERE project_id = ?1 AND audience = ?2').bind(projectId, own),
    d1.prepare('DELETE FROM receipts WHERE project_id = ?1 AND user_id = ?2').bind(projectId, userId),
    d1.prepare('DELETE FROM acknowledged_through WHERE project_id = ?1 AND user_id = ?2').bind(projectId, userId),
    d1.prepare('DELETE FROM user_counts WHERE project_id = ?1 AND user_id = ?2').bind(projectId, userId),
    d1.prepare('DELETE FROM inbox_changes WHERE project_id = ?1 AND audience = ?2').bind(projectId, own),
    d1.prepare('DELETE FROM inbox_versions WHERE project_id = ?1 AND audience = ?2').bind(projectId, own),
  ]);
}
