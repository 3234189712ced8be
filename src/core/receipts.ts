import { coveredAtSql, watermarkSql } from './acknowledged-through';
import { audienceKey, inboxAudiences } from './audience';
import type { Db } from './db';
import { DomainError } from './errors';
import { getInboxItem } from './inbox';
import type { InboxItem } from './notifications';
import type { UserPrincipal } from './principal';
import { announce, type WriteOptions } from './realtime';

// A receipt's seen_at is the user's first interaction of any kind (a read or an acknowledge).
// Every receipt write is one conditional statement: it writes only while the notification is still
// in the user's inbox (stored, unarchived, unexpired, addressed to one of their audiences), so a
// write racing a delete leaves no orphan receipt and no `state` change after the `deleted`; and
// only when the state really changes, so two concurrent acknowledges produce exactly one success
// and a repeated read moves nothing (an acknowledge also not when the user's acknowledge-all already
// covers the notification: core/acknowledge-all.ts). ?1 project, ?2 user, ?3 now, ?4 ids (JSON), ?5… the user's
// audiences, bound one by one (a token has at most 50 organisations: under D1's 100 parameters),
// since json_each would add a row read per audience. CROSS JOIN keeps SQLite's join order: each id
// is one primary-key lookup, never a walk of the inbox.
const inInbox = (audiences: number) => `FROM json_each(?4) j CROSS JOIN notifications n ON n.id = j.value AND n.project_id = ?1
  WHERE n.archived_at IS NULL AND (n.expires_at IS NULL OR n.expires_at > ?3)
    AND n.audience IN (${Array.from({ length: audiences }, (_, i) => `?${i + 5}`).join(', ')})`;

const acknowledgeSql = (audiences: number) => `
  INSERT INTO receipts (project_id, user_id, notification_id, seen_at, acknowledged_at)
  SELECT ?1, ?2, n.id, ?3, ?3 ${inInbox(audiences)} AND n.seq > ${watermarkSql('?1', '?2', 'n.audience')}
  ON CONFLICT (project_id, user_id, notification_id)
    DO UPDATE SET acknowledged_at = excluded.acknowledged_at, seen_at = coalesce(receipts.seen_at, excluded.seen_at)
    WHERE receipts.acknowledged_at IS NULL
  RETURNING notification_id`;

const markReadSql = (audiences: number) => `
  INSERT INTO receipts (project_id, user_id, notification_id, seen_at, read_at)
  SELECT ?1, ?2, n.id, ?3, ?3 ${inInbox(audiences)}
  ON CONFLICT (project_id, user_id, notification_id)
    DO UPDATE SET read_at = excluded.read_at, seen_at = coalesce(receipts.seen_at, excluded.seen_at)
    WHERE receipts.read_at IS NULL
  RETURNING read_at AS readAt`;

function write(db: Db, sql: (audiences: number) => string, user: UserPrincipal, ids: readonly string[], now: number) {
  const audiences = inboxAudiences(user.userId, user.orgs);
  return db.$client
    .prepare(sql(audiences.length))
    .bind(user.projectId, user.userId, now, JSON.stringify(ids), ...audiences)
    .all<{ notification_id: string; readAt: number }>();
}

/** Acknowledges one notification for this user only (a broadcast stays pending for everyone else). */
export async function acknowledge(db: Db, user: UserPrincipal, id: string, { publisher, now = Date.now() }: WriteOptions = {}): Promise<InboxItem> {
  const item = await getInboxItem(db, user, id, { now });
  if (item.receipt.acknowledgedAt !== null) throw alreadyResponded(id);
  const { results } = await write(db, acknowledgeSql, user, [id], now);
  if (results.length === 0) {
    // Deleted or archived meanwhile (404), or acknowledged by a concurrent request (409).
    await getInboxItem(db, user, id, { now });
    throw alreadyResponded(id);
  }
  await announce(publisher, user.projectId, [ownAudience(user)]);
  return { ...item, receipt: { ...item.receipt, acknowledgedAt: now, seenAt: item.receipt.seenAt ?? now } };
}

/**
 * Marks a notification read for this user only, once (a repeat writes nothing, so the user's read
 * state moves only the first time). Returns the item as it is now; not_found if it went meanwhile.
 */
export async function markRead(
  db: Db,
  user: UserPrincipal,
  item: InboxItem,
  { publisher, now = Date.now() }: WriteOptions = {},
): Promise<InboxItem> {
  if (item.receipt.readAt !== null) return item;
  const [row] = (await write(db, markReadSql, user, [item.id], now)).results;
  if (row) {
    await announce(publisher, user.projectId, [ownAudience(user)]);
    return { ...item, receipt: { ...item.receipt, readAt: row.readAt, seenAt: item.receipt.seenAt ?? now } };
  }
  // A concurrent fetch marked it first (and told the listeners), or it was deleted meanwhile (404).
  return getInboxItem(db, user, item.id, { now });
}

/**
 * seeds/001 single fetch: "Notifications are automatically marked as read when fetched
 * individually", by their recipient (a reader of another user's inbox leaves it unread).
 */
export async function fetchAndMarkRead(
  db: Db,
  caller: UserPrincipal,
  reader: UserPrincipal,
  audience: string,
  id: string,
  options: WriteOptions = {},
): Promise<InboxItem> {
  const item = await getInboxItem(db, reader, id, { audience, now: options.now });
  return reader.userId === caller.userId ? markRead(db, reader, item, options) : item;
}

export type BulkOutcome =
  | { id: string; outcome: 'acknowledged'; acknowledgedAt: number }
  | { id: string; outcome: 'already_responded' | 'not_found' | 'access_denied' };

/** Acknowledges up to 100 notifications with one read and one write, reporting each id's outcome. */
export async function acknowledgeMany(
  db: Db,
  user: UserPrincipal,
  ids: readonly string[],
  { publisher, now = Date.now() }: WriteOptions = {},
): Promise<BulkOutcome[]> {
  const unique = [...new Set(ids)];
  const audiences = new Set(inboxAudiences(user.userId, user.orgs));
  const byId = await findForAcknowledge(db, user, unique, now);
  const eligible = unique.filter((id) => {
    const row = byId.get(id);
    return row && audiences.has(row.audience) && row.acknowledgedAt === null;
  });
  const written = new Set<string>();
  if (eligible.length > 0) {
    const { results } = await write(db, acknowledgeSql, user, eligible, now);
    for (const r of results) written.add(r.notification_id);
  }
  if (written.size > 0) await announce(publisher, user.projectId, [ownAudience(user)]);
  // Eligible but not written: acknowledged by a concurrent request, or gone meanwhile (looked up again, rarely).
  const missed = eligible.filter((id) => !written.has(id));
  const still = missed.length > 0 ? await findForAcknowledge(db, user, missed, now) : new Map();
  const vanished = new Set(missed.filter((id) => !still.has(id)));

  return unique.map((id): BulkOutcome => {
    const row = byId.get(id);
    if (!row || vanished.has(id)) return { id, outcome: 'not_found' };
    if (!audiences.has(row.audience)) return { id, outcome: 'access_denied' };
    return written.has(id) ? { id, outcome: 'acknowledged', acknowledgedAt: now } : { id, outcome: 'already_responded' };
  });
}

/** The ids that are in the project's inboxes now (stored, unarchived, unexpired), with the user's acknowledge. */
async function findForAcknowledge(db: Db, user: UserPrincipal, ids: readonly string[], now: number) {
  const { results } = await db.$client
    .prepare(
      `SELECT n.id, n.audience, coalesce(r.acknowledged_at, ${coveredAtSql('?2', '?3')}) AS acknowledgedAt FROM json_each(?1) j
         CROSS JOIN notifications n ON n.id = j.value AND n.project_id = ?2
         LEFT JOIN receipts r ON r.project_id = n.project_id AND r.user_id = ?3 AND r.notification_id = n.id
       WHERE (n.expires_at IS NULL OR n.expires_at > ?4) AND n.archived_at IS NULL`,
    )
    .bind(JSON.stringify(ids), user.projectId, user.userId, now)
    .all<{ id: string; audience: string; acknowledgedAt: number | null }>();
  return new Map(results.map((row) => [row.id, row]));
}

/** A user's state changes are theirs alone: only their own listeners (other devices) hear of them. */
function ownAudience(user: UserPrincipal): string {
  return audienceKey({ kind: 'user', id: user.userId });
}

function alreadyResponded(id: string): DomainError {
  return new DomainError('already_responded', `Notification ${id} has already been acknowledged`);
}
