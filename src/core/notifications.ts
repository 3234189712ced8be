import { and, eq } from 'drizzle-orm';
import type { Audience } from './audience';
import { audienceKey, parseAudienceKey } from './audience';
import type { Db } from './db';
import { DomainError } from './errors';
import { announce, type WriteOptions } from './realtime';
import { notifications } from './schema';
import { inboxesOf, inOrder, isSharded, type Stores } from './stores';

export const PRIORITIES = ['low', 'normal', 'high', 'critical'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const LIMITS = { title: 256, body: 4096, customDataBytes: 8 * 1024, perCreate: 100 } as const;

export interface Notification {
  seq: number;
  id: string;
  projectId: string;
  audience: Audience;
  category: string | null;
  title: string;
  body: string;
  icon: string | null;
  actionUrl: string | null;
  priority: Priority;
  serviceId: string | null;
  originProject: string | null;
  customData: Record<string, unknown>;
  createdAt: number;
  expiresAt: number | null;
  resourceEtag: string | null;
  /** Set when the operator archived it: from then on it is in no inbox. */
  archivedAt: number | null;
}

/** A user's own state of a notification (all null until they touch it). */
export interface Receipt {
  seenAt: number | null;
  readAt: number | null;
  acknowledgedAt: number | null;
  archivedAt: number | null;
}

export type InboxItem = Notification & { receipt: Receipt };

/** One stored row; the raw inbox queries alias their columns to these names (NOTIFICATION_COLUMNS). */
export type NotificationRow = Omit<typeof notifications.$inferSelect, 'acked'>; // `acked` serves an index only

export const NOTIFICATION_COLUMNS =
  'n.seq, n.id, n.project_id AS projectId, n.audience, n.category, n.title, n.body, n.icon, ' +
  'n.action_url AS actionUrl, n.priority, n.service_id AS serviceId, n.origin_project AS originProject, ' +
  'n.custom_data AS customData, n.created_at AS createdAt, n.expires_at AS expiresAt, n.resource_etag AS resourceEtag, n.archived_at AS archivedAt';

export function fromRow(row: NotificationRow): Notification {
  return {
    ...row,
    audience: parseAudienceKey(row.audience),
    priority: row.priority as Priority,
    customData: JSON.parse(row.customData) as Record<string, unknown>,
  };
}

export function isExpired(n: Pick<Notification, 'expiresAt'>, now: number): boolean {
  return n.expiresAt !== null && n.expiresAt <= now;
}

/** A notification of this project by id, or a 404 (another project's id is as unknown as a missing one). */
export async function getNotification(stores: Stores, projectId: string, id: string): Promise<Notification> {
  const row = await firstFound(stores, projectId, (db) => db.select().from(notifications).where(and(eq(notifications.id, id), eq(notifications.projectId, projectId))).get());
  if (!row) throw new DomainError('not_found', `Notification ${id} does not exist`);
  return fromRow(row);
}

/**
 * Deletes for good (only if addressed to `userId`, when given), every copy: the trigger removes its receipts
 * and moves the audience's inbox version in each database. A copy not yet written (core/copies.ts) never will be.
 */
export async function destroyNotification(
  stores: Stores,
  projectId: string,
  id: string,
  userId?: string,
  { publisher }: WriteOptions = {},
): Promise<void> {
  const audience = userId === undefined ? undefined : audienceKey({ kind: 'user', id: userId });
  const where = and(eq(notifications.id, id), eq(notifications.projectId, projectId), audience === undefined ? undefined : eq(notifications.audience, audience));
  const forgotten = isSharded(stores) ? await forgetPendingCopy(stores, projectId, id, audience) : false;
  const deleted = (
    await inOrder(stores, userId === undefined ? stores.inboxes : inboxesOf(stores, projectId, userId), (db) =>
      db.delete(notifications).where(where).returning({ audience: notifications.audience }),
    )
  ).flat();
  if (deleted.length === 0 && !forgotten) throw new DomainError('not_found', `Notification ${id} does not exist`);
  if (deleted[0]) await announce(publisher, projectId, [deleted[0].audience]);
}

/**
 * What `read` finds in the databases holding inboxes (all asked at once): a user's notification as the database
 * serving them holds it (while their inbox moves, another may hold an older or partial copy), else the first found.
 */
export async function firstFound<T extends { audience: string; projectId?: string }>(
  stores: Stores,
  projectId: string,
  read: (db: Db) => Promise<T | undefined | null>,
): Promise<T | undefined> {
  const found = await Promise.all(stores.inboxes.map((binding) => read(stores.open(binding))));
  const any = found.find((row) => row !== undefined && row !== null);
  if (!any?.audience.startsWith('u:')) return any ?? undefined;
  return found[stores.inboxes.indexOf(servingOf(stores, projectId, any.audience))] ?? any;
}

/** The database serving a user's audience (`u:<id>`). */
export const servingOf = (stores: Stores, projectId: string, audience: string): string => stores.bindingOf(projectId, audience.slice(2));

/**
 * A copy not yet written (core/copies.ts) never will be: its record is marked deleted first, so that a writer
 * still in flight deletes what it writes (the record stays as a tombstone until retention).
 */
async function forgetPendingCopy(stores: Stores, projectId: string, id: string, audience: string | undefined): Promise<boolean> {
  const { results } = await stores.control.$client
    .prepare(
      `UPDATE pending_copies SET deleted_at = ?3 WHERE notification_id = ?1 AND project_id = ?2 AND deleted_at IS NULL
       ${audience === undefined ? '' : "AND json_extract(row, '$.audience') = ?4"} RETURNING done_at AS doneAt`,
    )
    .bind(id, projectId, Date.now(), ...(audience === undefined ? [] : [audience]))
    .all<{ doneAt: number | null }>();
  // A done record is only a tombstone: the copies tell whether it exists.
  return results.some((r) => r.doneAt === null);
}
