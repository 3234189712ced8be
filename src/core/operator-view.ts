import { audienceKey } from './audience';
import { decodeCursor, encodeCursor, type CursorScope } from './cursor';
import type { Db } from './db';
import { DomainError } from './errors';
import { receiptColumns, toItem, type ItemRow } from './inbox';
import { NOTIFICATION_COLUMNS, type InboxItem } from './notifications';
import { announce, type WriteOptions } from './realtime';

// The operator's view of a project's notifications (seeds/003): every notification, archived ones
// included, each with the state of the user it was addressed to (none for organisations and
// everyone: their per-user state belongs to many users).

export interface OperatorQuery {
  order: 'asc' | 'desc';
  limit: number;
  /** The previous page's `next`. */
  cursor?: string;
  /** Only what was addressed to this user. */
  userId?: string;
}

// The addressed user's acknowledge-all counts too (none for other audiences: no user is named).
const ITEM_COLUMNS = `${NOTIFICATION_COLUMNS}, ${receiptColumns('n.project_id', "CASE WHEN substr(n.audience, 1, 2) = 'u:' THEN substr(n.audience, 3) END")}`;

const ADDRESSED_RECEIPT = `LEFT JOIN receipts r ON substr(n.audience, 1, 2) = 'u:' AND r.project_id = n.project_id
  AND r.user_id = substr(n.audience, 3) AND r.notification_id = n.id`;

/** One page of the operator's list; `next` continues it (null on the last page). A cursor belongs to its list and order. */
export async function listForOperator(
  db: Db,
  projectId: string,
  query: OperatorQuery,
): Promise<{ items: InboxItem[]; next: string | null }> {
  const scope: CursorScope = { parameter: 'cursor', parts: ['003', projectId, query.userId ?? null, query.order] };
  const desc = query.order === 'desc';
  const bound = query.cursor !== undefined ? decodeCursor(scope, query.cursor) : desc ? Number.MAX_SAFE_INTEGER : 0;
  const { results } = await db.$client
    .prepare(
      `SELECT ${ITEM_COLUMNS} FROM notifications n ${ADDRESSED_RECEIPT}
       WHERE n.project_id = ?1 ${query.userId === undefined ? '' : 'AND n.audience = ?4'}
         AND n.seq ${desc ? '<' : '>'} ?2
       ORDER BY n.seq ${desc ? 'DESC' : 'ASC'} LIMIT ?3`,
    )
    .bind(projectId, bound, query.limit + 1, ...(query.userId === undefined ? [] : [audienceKey({ kind: 'user', id: query.userId })]))
    .all<ItemRow>();
  const items = results.slice(0, query.limit).map(toItem);
  const last = items.at(-1);
  return { items, next: results.length > query.limit && last ? encodeCursor(scope, last.seq) : null };
}

/** One notification of the project (of one user, when `userId` is given), or not_found. */
export async function showForOperator(db: Db, projectId: string, id: string, userId?: string): Promise<InboxItem> {
  const row = await db.$client
    .prepare(`SELECT ${ITEM_COLUMNS} FROM notifications n ${ADDRESSED_RECEIPT} WHERE n.id = ?1 AND n.project_id = ?2`)
    .bind(id, projectId)
    .first<ItemRow>();
  if (!row || (userId !== undefined && row.audience !== audienceKey({ kind: 'user', id: userId }))) {
    throw new DomainError('not_found', `Notification ${id} does not exist`);
  }
  return toItem(row);
}

/** Archives once: archiving again keeps the first time (and moves no inbox version). */
export async function archiveForOperator(
  db: Db,
  projectId: string,
  id: string,
  userId?: string,
  { publisher, now = Date.now() }: WriteOptions = {},
): Promise<InboxItem> {
  const item = await showForOperator(db, projectId, id, userId);
  if (item.archivedAt !== null) return item;
  const row = await db.$client
    .prepare('UPDATE notifications SET archived_at = ?1 WHERE id = ?2 AND archived_at IS NULL RETURNING archived_at AS archivedAt')
    .bind(now, id)
    .first<{ archivedAt: number }>();
  if (!row) return showForOperator(db, projectId, id, userId); // a concurrent archive won; show its time
  await announce(publisher, projectId, [audienceKey(item.audience)]);
  return { ...item, archivedAt: row.archivedAt };
}
