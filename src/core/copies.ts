import {
  createNotifications,
  FORGET_EXPIRED_KEY,
  IDEMPOTENCY_WINDOW_MS,
  INSERT_COPIES_FROM_JSON,
  isUniqueViolation,
  RECORD_KEY,
  storedResponse,
  toRow,
  withOrdinals,
  withSequence,
  type CreateOptions,
  type NewNotification,
  type StoredResponse,
} from './create';
import type { Audience } from './audience';
import type { Db } from './db';
import { invalidParameter } from './errors';
import { fromRow, LIMITS, type Notification, type NotificationRow } from './notifications';
import { offerPush } from './pusher';
import { announce, type Publisher } from './realtime';
import { CONTROL, inboxesOf, inOrder, isSharded, type Stores } from './stores';

// Creating notifications when the deployment has several databases (issue 26). A notification to one user is
// written to that user's database; one to an organisation or everyone to every inbox database, under one id.
// A create that touches more than one database (or one besides the control database, with an Idempotency-Key)
// first records its notifications in the control database's pending_copies, in the batch that records the
// key: from then on it is complete or being completed. It then writes each database (a copy already there is
// kept, so writing twice is harmless) and clears its record. What fails halfway stays recorded and is written
// by `completeCopies` (the scheduled handler, and a retry after the response): never lost, never doubled.

type Row = Omit<NotificationRow, 'seq'> & { ordinal: number };

export interface SendResult {
  created: Notification[];
  replay?: StoredResponse;
  /** Notifications with copies still to write (a database failed): the caller may retry them soon with `completeCopies`. */
  incomplete?: string[];
}

/** Creates notifications in the databases their recipients live in (core/create.ts does it for one database). */
export async function sendNotifications(stores: Stores, projectId: string, inputs: readonly NewNotification[], options: CreateOptions = {}): Promise<SendResult> {
  if (!isSharded(stores)) return createNotifications(stores.control, projectId, inputs, options);
  const { idempotency, publisher, pusher } = options;
  const targets = inputs.map((input) => targetsOf(stores, projectId, input.audience));
  const bindings = [...new Set(targets.flat())];
  // One database and nothing to record beside it: the single-database create, as is.
  const only = bindings.length === 1 ? bindings[0]! : undefined;
  if (only !== undefined && (!idempotency || only === CONTROL)) return createNotifications(stores.open(only), projectId, inputs, options);

  const now = Date.now();
  if (idempotency) {
    const replay = await storedResponse(stores.control, projectId, idempotency, now);
    if (replay) return { created: [], replay };
  }
  if (inputs.length === 0 || inputs.length > LIMITS.perCreate) throw invalidParameter('to', `Between 1 and ${LIMITS.perCreate} recipients per request`);
  // Each copy carries its place in this create, so that every database numbers it alike.
  const rows = withOrdinals(inputs.map((input) => toRow(projectId, input, now)));

  const drafts = rows.map(({ ordinal: _ordinal, ...row }) => fromRow({ ...row, seq: 0 }));
  const control = stores.control.$client;
  const pending = JSON.stringify(rows.map((row, i) => ({ id: row.id, row: JSON.stringify(row), bindings: JSON.stringify(targets[i]) })));
  const record = control
    .prepare(
      `INSERT INTO pending_copies (notification_id, project_id, row, bindings, created_at)
       SELECT json_extract(value, '$.id'), ?1, json_extract(value, '$.row'), json_extract(value, '$.bindings'), ?2 FROM json_each(?3)`,
    )
    .bind(projectId, now, pending);
  if (idempotency) {
    const response = idempotency.respond(drafts);
    try {
      await control.batch([
        control.prepare(FORGET_EXPIRED_KEY).bind(projectId, idempotency.key, now - IDEMPOTENCY_WINDOW_MS),
        // Fails on a key used within the window, which rolls back the whole batch.
        control.prepare(RECORD_KEY).bind(projectId, idempotency.key, idempotency.requestHash, response.status, JSON.stringify(response.body), now),
        record,
      ]);
    } catch (error) {
      const replay = isUniqueViolation(error) ? await storedResponse(stores.control, projectId, idempotency, now) : undefined;
      if (!replay) throw error;
      return { created: [], replay };
    }
  } else {
    await record.run();
  }

  const written = await Promise.allSettled(
    bindings.map((binding) => writeCopies(stores.open(binding), rows.filter((_, i) => targets[i]!.includes(binding)))),
  );
  const failed = written.filter((outcome) => outcome.status === 'rejected');
  if (failed.length === 0) {
    await finish(stores, rows.map((row, i) => ({ id: row.id, bindings: targets[i]! })));
  } else {
    console.error(JSON.stringify({ event: 'copies_pending', projectId, failed: failed.length, error: String((failed[0] as PromiseRejectedResult).reason) }));
  }
  await announce(publisher, projectId, rows.map((row) => row.audience));
  offerPush(pusher, projectId, drafts, inputs);
  const inserted = written.flatMap((outcome) => (outcome.status === 'fulfilled' ? outcome.value : []));
  return { created: withSequence(drafts, inserted), ...(failed.length > 0 && { incomplete: rows.map((row) => row.id) }) };
}

/**
 * Every copy of these notifications is written: marks them done, and does to the copies what the operator did
 * meanwhile (a delete or an archive seen here may have missed a copy written after it). Several writers may
 * finish the same notification; each applies the same, so the order they come in does not matter.
 */
async function finish(stores: Stores, done: readonly { id: string; bindings: readonly string[] }[], now = Date.now()): Promise<void> {
  const { results } = await stores.control.$client
    .prepare(
      `UPDATE pending_copies SET done_at = coalesce(done_at, ?1) WHERE notification_id IN (SELECT value FROM json_each(?2))
       RETURNING notification_id AS id, archived_at AS archivedAt, deleted_at AS deletedAt`,
    )
    .bind(now, JSON.stringify(done.map((d) => d.id)))
    .all<{ id: string; archivedAt: number | null; deletedAt: number | null }>();
  for (const { id, archivedAt, deletedAt } of results) {
    if (archivedAt === null && deletedAt === null) continue;
    const bindings = done.find((d) => d.id === id)!.bindings;
    await inOrder(stores, bindings, async (db) => void (deletedAt !== null ? await deleteCopy(db, id) : await archiveCopy(db, id, archivedAt!)));
  }
}

const deleteCopy = (db: Db, id: string) => db.$client.prepare('DELETE FROM notifications WHERE id = ?1').bind(id).run();

/**
 * A user's notification goes to their database (and, while they move, to the one they move to); an organisation's
 * or everyone's to every inbox database.
 */
function targetsOf(stores: Stores, projectId: string, audience: Audience): string[] {
  return audience.kind === 'user' ? inboxesOf(stores, projectId, audience.id) : [...stores.inboxes];
}

async function writeCopies(db: Db, rows: readonly Row[]): Promise<{ seq: number; id: string }[]> {
  const { results } = await db.$client.prepare(INSERT_COPIES_FROM_JSON).bind(JSON.stringify(rows)).all<{ seq: number; id: string }>();
  return results;
}

/**
 * Where a recorded copy goes when it is completed: where its recipients live by the map of now, not of its create
 * (an inbox may have moved since, and a database been added: core/shard-moves.ts). A broadcast keeps the databases
 * it was recorded for too (copies there are harmless, and it was promised to them).
 */
function targetsNow(stores: Stores, projectId: string, audience: string, recorded: readonly string[]): string[] {
  if (audience.startsWith('u:')) return inboxesOf(stores, projectId, audience.slice(2));
  return [...new Set([...recorded, ...stores.inboxes])];
}

export interface CompletionReport {
  completed: number;
  /** Notifications still pending after this run (a database still failing). */
  pending: number;
}

interface PendingRow {
  notificationId: string;
  projectId: string;
  row: string;
  bindings: string;
  deletedAt: number | null;
}

/**
 * Writes the copies that creates recorded and did not finish (`olderThan`: leave the younger to their
 * request), the least recently tried first. One deleted meanwhile is not written (and any copy is deleted);
 * what the operator did while this run wrote is applied when it finishes.
 */
export async function completeCopies(
  stores: Stores,
  { olderThan = 0, limit = 100, ids, publisher }: { olderThan?: number; limit?: number; /** These notifications only. */ ids?: readonly string[]; publisher?: Publisher } = {},
): Promise<CompletionReport> {
  const control = stores.control.$client;
  const only = ids ? 'AND notification_id IN (SELECT value FROM json_each(?3))' : '';
  const { results } = await control
    .prepare(
      `SELECT notification_id AS notificationId, project_id AS projectId, row, bindings, deleted_at AS deletedAt
       FROM pending_copies WHERE done_at IS NULL AND created_at <= ?1 ${only} ORDER BY coalesce(tried_at, 0) LIMIT ?2`,
    )
    .bind(Date.now() - olderThan, limit, ...(ids ? [JSON.stringify(ids)] : []))
    .all<PendingRow>();
  let completed = 0;
  for (const pending of results) {
    const row = JSON.parse(pending.row) as Row;
    const bindings = targetsNow(stores, pending.projectId, row.audience, JSON.parse(pending.bindings) as string[]);
    try {
      if (pending.deletedAt === null) for (const binding of bindings) await writeCopies(stores.open(binding), [row]);
      await finish(stores, [{ id: pending.notificationId, bindings }]);
      await announce(publisher, pending.projectId, [row.audience]);
      completed++;
    } catch (error) {
      await control.prepare('UPDATE pending_copies SET tried_at = ?1 WHERE notification_id = ?2').bind(Date.now(), pending.notificationId).run();
      console.error(JSON.stringify({ event: 'copies_still_pending', notificationId: pending.notificationId, error: error instanceof Error ? error.message : 'unknown' }));
    }
  }
  const left = await control
    .prepare(`SELECT count(*) AS n FROM pending_copies WHERE done_at IS NULL ${ids ? 'AND notification_id IN (SELECT value FROM json_each(?1))' : ''}`)
    .bind(...(ids ? [JSON.stringify(ids)] : []))
    .first<{ n: number }>();
  return { completed, pending: left?.n ?? 0 };
}

/** Done copies' records kept this long as tombstones: longer than any writer that read one lives. */
export const PENDING_TOMBSTONE_MS = 60 * 60 * 1000;

/** Archives one copy (the first time only, as the operator's archive does). */
export async function archiveCopy(db: Db, id: string, at: number): Promise<number | null> {
  const row = await db.$client
    .prepare('UPDATE notifications SET archived_at = ?1 WHERE id = ?2 AND archived_at IS NULL RETURNING archived_at AS archivedAt')
    .bind(at, id)
    .first<{ archivedAt: number }>();
  return row?.archivedAt ?? null;
}
