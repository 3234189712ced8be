import { audienceKey, inboxAudiences } from './audience';
import type { Db } from './db';
import { DomainError } from './errors';
import { getInboxItem } from './inbox';
import type { InboxItem } from './notifications';
import type { UserPrincipal } from './principal';
import { announce, type WriteOptions } from './realtime';

// A receipt's seen_at is the user's first interaction of any kind (a read or an acknowledge).
// Acknowledging is one conditional upsert: it writes only when the user has not acknowledged yet,
// so two concurrent acknowledges produce exactly one success, and the receipt trigger moves the
// user's inbox version only when the state really changed.
const ACKNOWLEDGE = `
  INSERT INTO receipts (project_id, user_id, notification_id, seen_at, acknowledged_at)
  SELECT ?1, ?2, value, ?3, ?3 FROM json_each(?4) WHERE true
  ON CONFLICT (project_id, user_id, notification_id)
    DO UPDATE SET acknowledged_at = excluded.acknowledged_at, seen_at = coalesce(receipts.seen_at, excluded.seen_at)
    WHERE receipts.acknowledged_at IS NULL
  RETURNING notification_id`;

/** Acknowledges one notification for this user only (a broadcast stays pending for everyone else). */
export async function acknowledge(db: Db, user: UserPrincipal, id: string, { publisher, now = Date.now() }: WriteOptions = {}): Promise<InboxItem> {
  const item = await getInboxItem(db, user, id, { now });
  if (item.receipt.acknowledgedAt !== null) throw alreadyResponded(id);
  const { results } = await db.$client
    .prepare(ACKNOWLEDGE)
    .bind(user.projectId, user.userId, now, JSON.stringify([id]))
    .all();
  if (results.length === 0) throw alreadyResponded(id);
  await announce(publisher, user.projectId, [ownAudience(user)]);
  return { ...item, receipt: { ...item.receipt, acknowledgedAt: now, seenAt: item.receipt.seenAt ?? now } };
}

/**
 * Marks a notification read for this user only, once (a repeat writes nothing, so the user's inbox
 * version moves only the first time). Returns the item as it is now.
 */
export async function markRead(
  db: Db,
  user: UserPrincipal,
  item: InboxItem,
  { publisher, now = Date.now() }: WriteOptions = {},
): Promise<InboxItem> {
  if (item.receipt.readAt !== null) return item;
  const row = await db.$client
    .prepare(
      `INSERT INTO receipts (project_id, user_id, notification_id, seen_at, read_at) VALUES (?1, ?2, ?3, ?4, ?4)
       ON CONFLICT (project_id, user_id, notification_id)
         DO UPDATE SET read_at = excluded.read_at, seen_at = coalesce(receipts.seen_at, excluded.seen_at)
         WHERE receipts.read_at IS NULL
       RETURNING read_at AS readAt`,
    )
    .bind(user.projectId, user.userId, item.id, now)
    .first<{ readAt: number }>();
  // No row: a concurrent fetch marked it first (and told the listeners); either way it is read now.
  if (row) await announce(publisher, user.projectId, [ownAudience(user)]);
  return { ...item, receipt: { ...item.receipt, readAt: row?.readAt ?? now, seenAt: item.receipt.seenAt ?? now } };
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
  const { results: found } = await db.$client
    .prepare(
      `SELECT n.id, n.audience, r.acknowledged_at AS acknowledgedAt FROM json_each(?1) j
         JOIN notifications n ON n.id = j.value AND n.project_id = ?2
         LEFT JOIN receipts r ON r.project_id = n.project_id AND r.user_id = ?3 AND r.notification_id = n.id
       WHERE (n.expires_at IS NULL OR n.expires_at > ?4) AND n.archived_at IS NULL`,
    )
    .bind(JSON.stringify(unique), user.projectId, user.userId, now)
    .all<{ id: string; audience: string; acknowledgedAt: number | null }>();
  const audiences = new Set(inboxAudiences(user.userId, user.orgs));
  const byId = new Map(found.map((row) => [row.id, row]));

  const eligible = unique.filter((id) => {
    const row = byId.get(id);
    return row && audiences.has(row.audience) && row.acknowledgedAt === null;
  });
  const written = new Set<string>();
  if (eligible.length > 0) {
    const { results } = await db.$client
      .prepare(ACKNOWLEDGE)
      .bind(user.projectId, user.userId, now, JSON.stringify(eligible))
      .all<{ notification_id: string }>();
    for (const r of results) written.add(r.notification_id);
  }
  if (written.size > 0) await announce(publisher, user.projectId, [ownAudience(user)]);

  return unique.map((id): BulkOutcome => {
    const row = byId.get(id);
    if (!row) return { id, outcome: 'not_found' };
    if (!audiences.has(row.audience)) return { id, outcome: 'access_denied' };
    return written.has(id) ? { id, outcome: 'acknowledged', acknowledgedAt: now } : { id, outcome: 'already_responded' };
  });
}

/** A user's state changes are theirs alone: only their own listeners (other devices) hear of them. */
function ownAudience(user: UserPrincipal): string {
  return audienceKey({ kind: 'user', id: user.userId });
}

function alreadyResponded(id: string): DomainError {
  return new DomainError('already_responded', `Notification ${id} has already been acknowledged`);
}
