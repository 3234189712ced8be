import { audienceKey } from './audience';
import { archiveCopy } from './copies';
import { decodeCursor, decodeKeyCursor, encodeCursor, encodeKeyCursor, type CursorScope } from './cursor';
import type { Db } from './db';
import { DomainError } from './errors';
import { receiptColumns, toItem, type ItemRow } from './inbox';
import { firstFound, NOTIFICATION_COLUMNS, servingOf, type InboxItem } from './notifications';
import { announce, type WriteOptions } from './realtime';
import { inboxesOf, inboxOf, inOrder, isSharded, type Stores } from './stores';

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

/**
 * One page of the operator's list; `next` continues it (null on the last page). A cursor belongs to its list
 * and order. The project-wide list is in (created_at, id) order, which every database shares: each inbox
 * database gives its first limit + 1 after the cursor, and the merge keeps a broadcast's copies once. One
 * user's list is in their database alone, in sequence order.
 */
export async function listForOperator(stores: Stores, projectId: string, query: OperatorQuery): Promise<{ items: InboxItem[]; next: string | null }> {
  if (query.userId !== undefined) return listForUser(inboxOf(stores, projectId, query.userId), projectId, query.userId, query);
  const scope: CursorScope = { parameter: 'cursor', parts: ['003', projectId, null, query.order, 'time'] };
  const desc = query.order === 'desc';
  const after = query.cursor !== undefined ? decodeKeyCursor(scope, query.cursor) : desc ? { at: Number.MAX_SAFE_INTEGER, id: '' } : { at: -1, id: '' };
  const pages = await Promise.all(
    stores.inboxes.map(async (binding): Promise<(ItemRow & { binding: string })[]> => {
      const { results } = await stores
        .open(binding)
        .$client.prepare(
          `SELECT ${ITEM_COLUMNS} FROM notifications n ${ADDRESSED_RECEIPT}
           WHERE n.project_id = ?1 AND (n.created_at, n.id) ${desc ? '<' : '>'} (?2, ?3)
           ORDER BY n.created_at ${desc ? 'DESC' : 'ASC'}, n.id ${desc ? 'DESC' : 'ASC'} LIMIT ?4`,
        )
        .bind(projectId, after.at, after.id, query.limit + 1)
        .all<ItemRow>();
      return results.map((row) => ({ ...row, binding }));
    }),
  );
  const seen = new Set<string>();
  const sign = desc ? -1 : 1;
  // A broadcast once; a user's notification as the database serving them holds it (a move leaves a copy behind a while).
  const own = (row: ItemRow & { binding: string }) => row.audience.startsWith('u:') && row.binding === servingOf(stores, projectId, row.audience);
  const merged = pages
    .flat()
    .sort((a, b) => sign * (a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) || Number(own(b)) - Number(own(a)))
    .filter((row) => !seen.has(row.id) && seen.add(row.id));
  const items = merged.slice(0, query.limit).map(toItem);
  const last = items.at(-1);
  return { items, next: merged.length > query.limit && last ? encodeKeyCursor(scope, last.createdAt, last.id) : null };
}

async function listForUser(db: Db, projectId: string, userId: string, query: OperatorQuery): Promise<{ items: InboxItem[]; next: string | null }> {
  const scope: CursorScope = { parameter: 'cursor', parts: ['003', projectId, userId, query.order], ...(db.$binding !== undefined && { database: db.$binding }) };
  const desc = query.order === 'desc';
  const bound = query.cursor !== undefined ? decodeCursor(scope, query.cursor) : desc ? Number.MAX_SAFE_INTEGER : 0;
  const { results } = await db.$client
    .prepare(
      `SELECT ${ITEM_COLUMNS} FROM notifications n ${ADDRESSED_RECEIPT}
       WHERE n.project_id = ?1 AND n.audience = ?4 AND n.seq ${desc ? '<' : '>'} ?2
       ORDER BY n.seq ${desc ? 'DESC' : 'ASC'} LIMIT ?3`,
    )
    .bind(projectId, bound, query.limit + 1, audienceKey({ kind: 'user', id: userId }))
    .all<ItemRow>();
  const items = results.slice(0, query.limit).map(toItem);
  const last = items.at(-1);
  return { items, next: results.length > query.limit && last ? encodeCursor(scope, last.seq) : null };
}

/** One notification of the project (of one user, when `userId` is given), or not_found. */
export async function showForOperator(stores: Stores, projectId: string, id: string, userId?: string): Promise<InboxItem> {
  const read = (db: Db) => db.$client.prepare(`SELECT ${ITEM_COLUMNS} FROM notifications n ${ADDRESSED_RECEIPT} WHERE n.id = ?1 AND n.project_id = ?2`).bind(id, projectId).first<ItemRow>();
  const row = userId === undefined ? await firstFound(stores, projectId, read) : await read(inboxOf(stores, projectId, userId));
  if (!row || (userId !== undefined && row.audience !== audienceKey({ kind: 'user', id: userId }))) {
    throw new DomainError('not_found', `Notification ${id} does not exist`);
  }
  return toItem(row);
}

/** Archives once, every copy: archiving again keeps the first time (and moves no inbox version). */
export async function archiveForOperator(
  stores: Stores,
  projectId: string,
  id: string,
  userId?: string,
  { publisher, now = Date.now() }: WriteOptions = {},
): Promise<InboxItem> {
  const item = await showForOperator(stores, projectId, id, userId);
  if (item.archivedAt !== null) return item;
  const copies = item.audience.kind === 'user' ? inboxesOf(stores, projectId, item.audience.id) : stores.inboxes;
  // A copy not yet written (core/copies.ts) is archived when it is.
  if (isSharded(stores)) {
    await stores.control.$client.prepare('UPDATE pending_copies SET archived_at = ?1 WHERE notification_id = ?2 AND archived_at IS NULL').bind(now, id).run();
  }
  const archived = (await inOrder(stores, copies, (db) => archiveCopy(db, id, now))).find((at) => at !== null);
  if (archived === undefined) return showForOperator(stores, projectId, id, userId); // a concurrent archive won; show its time
  await announce(publisher, projectId, [audienceKey(item.audience)]);
  return { ...item, archivedAt: archived };
}
