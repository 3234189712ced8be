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
// core/shard-moves.ts runs a move: it seeds a database new to the map with the broadcasts (copyBroadcasts), then
// copies each moving user (copyUserInbox) while their own writes are refused, flips the map, and drops the source's
// copies (dropInbox) once no request can still read them there.

type Row = NotificationRow;

const BATCH = 100;

/** What a copy wrote, for the operator's log. */
export interface CopyReport {
  notifications: number;
  receipts: number;
}

/**
 * Statements a step may still issue (a Worker invocation may issue 1,000 D1 queries): the copy stops between
 * batches when it runs low, and says where to go on from.
 */
export interface Budget {
  statements: number;
}

/** Statements one batch of notifications may take (read, insert, check, renumber, archive, read back, delete, archive). */
const PER_BATCH = 8;

/** Copies the user's inbox from `source` to `target` (the project's broadcasts too): run it again and it adds nothing. */
export async function copyInbox(source: Db, target: Db, projectId: string, userId: string): Promise<CopyReport> {
  const budget = { statements: Number.POSITIVE_INFINITY };
  // The project's broadcasts first (a database that held none of the project's users has none), then the user's own.
  let broadcasts = 0;
  for (let after = 0; ; ) {
    const batch = await copyNotifications(source, target, "project_id = ?1 AND substr(audience, 1, 2) <> 'u:'", [projectId], after, budget);
    broadcasts += batch.copied;
    if (batch.done) break;
    after = batch.after;
  }
  const mine = await copyUserInbox(source, target, projectId, userId, 0, budget);
  return { notifications: broadcasts + mine.notifications, receipts: mine.receipts };
}

/**
 * Copies the user's own notifications after sequence `from`, then their receipts (the broadcasts must be in `target`
 * already). Stops early when the budget runs low: `after` is where to go on from.
 */
export async function copyUserInbox(
  source: Db,
  target: Db,
  projectId: string,
  userId: string,
  from: number,
  budget: Budget,
): Promise<CopyReport & { finished: boolean; after: number }> {
  let notifications = 0;
  for (let after = from, first = true; ; first = false) {
    // One batch at least, whatever the budget: every step gets somewhere.
    if (!first && budget.statements < PER_BATCH) return { notifications, receipts: 0, finished: false, after };
    const batch = await copyNotifications(source, target, 'project_id = ?1 AND audience = ?2', [projectId, audienceKey({ kind: 'user', id: userId })], after, budget);
    notifications += batch.copied;
    after = batch.after;
    if (batch.done) return { notifications, receipts: await copyReceipts(source, target, projectId, userId, budget), finished: true, after };
  }
}

/**
 * One batch of every project's broadcasts after sequence `after`, in sequence order: what a database new to the
 * map needs before its first users arrive (every database holds every broadcast).
 */
export const copyBroadcasts = (source: Db, target: Db, after: number, budget: Budget) =>
  copyNotifications(source, target, "substr(audience, 1, 2) <> 'u:'", [], after, budget);

/**
 * One batch of the notifications matching `where` (over `bound`) after sequence `after`. What the operator did
 * while the batch was on its way (a delete, an archive that reached the target before the copy did) is read back
 * from the source and done to the copies: the operator's writes reach the source first and the target last
 * (core/stores.ts inOrder), so a later one reaches the copies itself.
 */
async function copyNotifications(
  source: Db,
  target: Db,
  where: string,
  bound: unknown[],
  after: number,
  budget: Budget,
): Promise<{ copied: number; after: number; done: boolean }> {
  budget.statements -= PER_BATCH;
  const { results } = await source.$client
    .prepare(`SELECT ${NOTIFICATION_COLUMNS} FROM notifications n WHERE ${where} AND seq > ?${bound.length + 1} ORDER BY seq LIMIT ${BATCH}`)
    .bind(...bound, after)
    .all<Row>();
  if (results.length === 0) return { copied: 0, after, done: true };
  // With its own sequence when it is free here (it nearly always is); else the next one this database hands out.
  const { results: inserted } = await target.$client.prepare(INSERT_KEEPING_SEQUENCES).bind(JSON.stringify(results)).all<{ id: string }>();
  const placed = new Set(inserted.map((r) => r.id));
  const present = await idsIn(target, results.map((r) => r.id));
  const displaced = results.filter((r) => !present.has(r.id));
  if (displaced.length > 0) await insertRenumbered(target, displaced);
  const written = results.filter((r) => placed.has(r.id) || displaced.includes(r));
  // Archived there: archived here too, through the trigger (counters and inboxes move as for any archive).
  await archiveAll(target, written.filter((r) => r.archivedAt !== null).map((r) => ({ id: r.id, at: r.archivedAt! })));
  if (written.length > 0) await sweep(source, target, written);
  return { copied: written.length, after: results.at(-1)!.seq, done: results.length < BATCH };
}

/** Archives these copies (each the first time only, as the operator's archive does), in one statement. */
async function archiveAll(db: Db, archives: readonly { id: string; at: number }[]): Promise<void> {
  if (archives.length === 0) return;
  await db.$client
    .prepare(
      `UPDATE notifications SET archived_at = (SELECT json_extract(value, '$.at') FROM json_each(?1) WHERE json_extract(value, '$.id') = notifications.id)
       WHERE id IN (SELECT json_extract(value, '$.id') FROM json_each(?1)) AND archived_at IS NULL`,
    )
    .bind(JSON.stringify(archives))
    .run();
}

/** Copies just written whose source was deleted or archived since it was read: deleted or archived here too. */
async function sweep(source: Db, target: Db, written: readonly Row[]): Promise<void> {
  const { results } = await source.$client
    .prepare('SELECT id, archived_at AS archivedAt FROM notifications WHERE id IN (SELECT value FROM json_each(?1))')
    .bind(JSON.stringify(written.map((r) => r.id)))
    .all<{ id: string; archivedAt: number | null }>();
  const now = new Map(results.map((r) => [r.id, r.archivedAt]));
  const gone = written.filter((r) => !now.has(r.id)).map((r) => r.id);
  if (gone.length > 0) await target.$client.prepare('DELETE FROM notifications WHERE id IN (SELECT value FROM json_each(?1))').bind(JSON.stringify(gone)).run();
  await archiveAll(target, written.filter((r) => r.archivedAt === null && now.get(r.id) != null).map((r) => ({ id: r.id, at: now.get(r.id)! })));
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
async function copyReceipts(source: Db, target: Db, projectId: string, userId: string, budget: Budget): Promise<number> {
  budget.statements -= 2;
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
    budget.statements--;
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
