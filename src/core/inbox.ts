import { coveredAtSql, foldCovered, watermarkSql } from './acknowledged-through';
import { audienceKey, inboxAudiences } from './audience';
import { feedHeadStatement, toFeedHead, type FeedHead } from './changes';
import { readTogether, type BatchRead } from './batch-read';
import { movedToPrimary, type Db } from './db';
import { countsRead, type InboxCounts } from './inbox-state';
import { DomainError } from './errors';
import { fromRow, isExpired, NOTIFICATION_COLUMNS, type InboxItem, type NotificationRow, type Receipt } from './notifications';
import type { UserPrincipal } from './principal';

export type Order = 'newest' | 'oldest';

export interface InboxQuery {
  /** pending: not acknowledged by the user; acknowledged: acknowledged by them; undefined: all. */
  status?: 'pending' | 'acknowledged';
  serviceId?: string;
  originProject?: string;
  order: Order;
  limit: number;
  /** Only sequences above this one (exclusive). */
  after?: number;
  /** Only sequences below this one (exclusive). */
  before?: number;
  /**
   * Also count every match by reading them all. Only for filters the counters do not cover
   * (service_id, origin project): totals otherwise come from core/inbox-state.ts.
   */
  count?: boolean;
  /** Only these of the user's audiences (default: all of them: own, organisations, everyone). */
  audiences?: readonly string[];
  /** Also read the feed head in the same transaction as the page: where a stream joining this page starts. */
  head?: boolean;
  /** Also read the user's counts (GET /counts) in the same transaction as the page. */
  counts?: boolean;
}

export interface InboxPage {
  items: InboxItem[];
  hasMore: boolean;
  totalCount: number | null;
  /** With `head`: the feed head at the page's snapshot. */
  head?: FeedHead;
  /** With `counts`: the user's counts at the page's snapshot. */
  counts?: InboxCounts;
}

/**
 * The user's state columns of an item row `n` (`r` their receipt; `project`, `user`, `audience` the SQL
 * naming them, see coveredAtSql); read back by toItem. `covered: false` where no row can be under the watermark
 * (a pending page starts above it), to spare its look-up.
 */
export function receiptColumns(project: string, user: string, audience?: string, { covered = true } = {}): string {
  return `r.seen_at AS r_seen_at, r.read_at AS r_read_at, r.acknowledged_at AS r_acknowledged_at, r.archived_at AS r_archived_at,
    ${covered ? coveredAtSql(project, user, audience) : 'NULL'} AS r_covered_at`;
}

// Parameters are numbered so that each audience arm reuses them: ?1 project, ?2 user, ?3 lower
// sequence bound, ?4 now, ?5 service_id, ?6 origin project, ?7 upper sequence bound, ?8… audiences.
// D1 allows 100 per statement; a token carries at most 50 organisations.
const FIXED_PARAMETERS = 7;

/**
 * One page of a user's inbox: their own notifications, their organisations' and everyone's.
 * Each audience is one index range (project_id, audience, seq); SQLite merges the ranges in
 * sequence order and stops at the limit, so a page reads about `limit` rows however big the inbox.
 */
export async function listInbox(db: Db, user: UserPrincipal, query: InboxQuery, now = Date.now()): Promise<InboxPage> {
  const [page] = await readTogether(db, inboxPageRead(db, user, query, now));
  return page;
}

/** listInbox as statements for a caller's batch: the page at exactly the snapshot of what else it reads. */
export function inboxPageRead(db: Db, user: UserPrincipal, query: InboxQuery, now = Date.now()): BatchRead<InboxPage> {
  const audiences = query.audiences ?? inboxAudiences(user.userId, user.orgs);
  const newest = query.order === 'newest';
  const own = audienceKey({ kind: 'user', id: user.userId });
  // The user's own pending notifications are their own index range (notifications_unacked), so a
  // pending page does not walk past what they acknowledged; other audiences' state is per user.
  const pendingOwn = (i: number) => query.status === 'pending' && audiences[i] === own;
  // Acknowledge-all's watermark bounds each audience's range: a pending page starts above it. One lower
  // bound, so that SQLite seeks to it (of two, it would seek to one and filter by the other).
  const watermark = (i: number) => watermarkSql('?1', '?2', `?${FIXED_PARAMETERS + 1 + i}`);
  const lowest = (i: number, bound = '?3') => (query.status === 'pending' ? `max(${bound}, ${watermark(i)})` : bound);
  const arm = (i: number, withBounds: boolean) =>
    `SELECT ${NOTIFICATION_COLUMNS}, ${receiptColumns('?1', '?2', `?${FIXED_PARAMETERS + 1 + i}`, { covered: query.status !== 'pending' })} FROM notifications n ${pendingOwn(i) ? 'INDEXED BY notifications_unacked' : ''}
       LEFT JOIN receipts r ON r.project_id = n.project_id AND r.user_id = ?2 AND r.notification_id = n.id
     WHERE n.project_id = ?1 AND n.audience = ?${FIXED_PARAMETERS + 1 + i} ${pendingOwn(i) ? 'AND n.acked IS NULL' : ''}
       ${withBounds ? `AND n.seq > ${lowest(i)} AND n.seq < ?7` : `AND n.seq > ${lowest(i, '0')}`}
       AND (n.expires_at IS NULL OR n.expires_at > ?4)
       AND n.archived_at IS NULL AND r.archived_at IS NULL
       ${query.status === 'pending' ? 'AND r.acknowledged_at IS NULL' : ''}
       ${query.status === 'acknowledged' ? `AND (r.acknowledged_at IS NOT NULL OR n.seq <= ${watermark(i)})` : ''}
       ${query.serviceId !== undefined ? 'AND n.service_id = ?5' : ''}
       ${query.originProject !== undefined ? 'AND n.origin_project = ?6' : ''}`;
  const arms = (withBounds: boolean) => audiences.map((_, i) => arm(i, withBounds)).join('\nUNION ALL\n');
  const parameters = [
    user.projectId,
    user.userId,
    query.after ?? 0,
    now,
    query.serviceId ?? null,
    query.originProject ?? null,
    query.before ?? Number.MAX_SAFE_INTEGER,
    ...audiences,
  ];

  const d1 = db.$client;
  const page = d1.prepare(`${arms(true)}\nORDER BY seq ${newest ? 'DESC' : 'ASC'} LIMIT ${query.limit + 1}`).bind(...parameters);
  const count = d1.prepare(`SELECT count(*) AS total FROM (${arms(false)})`).bind(...parameters);
  // One batch is one transaction: the head and the counts are exactly the page's snapshot.
  const counts = query.counts ? countsRead(db, user, inboxAudiences(user.userId, user.orgs), now) : undefined;
  const statements = [
    page,
    ...(query.count ? [count] : []),
    ...(query.head ? [feedHeadStatement(db, user.projectId)] : []),
    ...(counts?.statements ?? []),
  ];
  return {
    statements,
    read([pageResult, ...rest]) {
      const counted = query.count ? rest.shift() : undefined;
      const head = query.head ? rest.shift() : undefined;
      const first = <T>(result: D1Result | undefined) => result?.results?.[0] as T | undefined;
      const rows = (pageResult?.results ?? []) as ItemRow[];
      return {
        items: rows.slice(0, query.limit).map(toItem),
        hasMore: rows.length > query.limit,
        totalCount: query.count ? (first<{ total: number }>(counted)?.total ?? 0) : null,
        ...(query.head ? { head: toFeedHead(first(head)) } : {}),
        ...(counts ? { counts: counts.read(rest) } : {}),
      };
    },
  };
}

/** The newest sequence the user could see (0 when none): where "from now on" begins. */
export async function latestSequence(db: Db, user: UserPrincipal): Promise<number> {
  const audiences = inboxAudiences(user.userId, user.orgs);
  const arms = audiences.map((_, i) => `SELECT max(seq) AS m FROM notifications WHERE project_id = ?1 AND audience = ?${i + 2}`);
  const row = await db.$client
    .prepare(`SELECT max(m) AS latest FROM (${arms.join(' UNION ALL ')})`)
    .bind(user.projectId, ...audiences)
    .first<{ latest: number | null }>();
  return row?.latest ?? 0;
}

/**
 * One notification as the user sees it. Not in the user's project, deleted or expired: not_found;
 * in the project but addressed to someone else: access_denied. With `audience`, anything outside
 * that audience is not_found (a dialect whose paths name the audience).
 */
export async function getInboxItem(
  db: Db,
  user: UserPrincipal,
  id: string,
  { audience, now = Date.now() }: { audience?: string; now?: number } = {},
): Promise<InboxItem> {
  const read = () =>
    db.$client
      .prepare(
        `SELECT ${NOTIFICATION_COLUMNS}, ${receiptColumns('?3', '?2')} FROM notifications n
           LEFT JOIN receipts r ON r.project_id = n.project_id AND r.user_id = ?2 AND r.notification_id = n.id
         WHERE n.id = ?1 AND n.project_id = ?3`,
      )
      .bind(id, user.userId, user.projectId)
      .first<ItemRow>();
  // A notification the client knows of may not have reached a lagging replica yet: not found there is asked again of the primary.
  let row = await read();
  if (!row && movedToPrimary(db, true)) row = await read();
  if (!row || row.archivedAt !== null || isExpired(row, now) || (audience !== undefined && row.audience !== audience)) {
    throw new DomainError('not_found', `Notification ${id} does not exist`);
  }
  if (!inboxAudiences(user.userId, user.orgs).includes(row.audience)) {
    throw new DomainError('access_denied', `Notification ${id} is not addressed to this user`);
  }
  return toItem(row);
}

export type ItemRow = NotificationRow & {
  r_seen_at: number | null;
  r_read_at: number | null;
  r_acknowledged_at: number | null;
  r_archived_at: number | null;
  r_covered_at: number | null;
};

export function toItem(row: ItemRow): InboxItem {
  const { r_seen_at, r_read_at, r_acknowledged_at, r_archived_at, r_covered_at, ...notification } = row;
  const stored: Receipt = { seenAt: r_seen_at, readAt: r_read_at, acknowledgedAt: r_acknowledged_at, archivedAt: r_archived_at };
  const receipt = foldCovered(stored, r_covered_at);
  return { ...fromRow(notification), receipt };
}
