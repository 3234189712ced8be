import { watermarkSql } from './acknowledged-through';
import type { BatchRead } from './batch-read';
import { movedToPrimary, type Db } from './db';
import type { UserPrincipal } from './principal';

// What a poll needs besides the page, from counters the write triggers keep (migrations/0006):
// one row per audience for the ETag, the totals and the ETag's lifetime, whatever the inbox size.
// The counters include notifications that expired but are not purged yet; an audience whose
// recorded earliest expiry has passed is looked at once more (its expired rows only, which the
// retention purge keeps few), so totals stay exact.

export interface AudienceState {
  /** Moves when the audience's notifications change (stored, archived, deleted). */
  version: number;
  /** On a user's own row: move when that user's read / acknowledged state changes. */
  readVersion: number;
  ackVersion: number;
  /** Stored, unarchived notifications (expired ones included until purged). */
  live: number;
  /** The earliest `expires_at` stored in the audience; may be past. */
  nextExpiry: number | null;
}

export type InboxState = ReadonlyMap<string, AudienceState>;

// Both tables are read as one primary-key lookup per audience, joined by UNION ALL: D1 counts one
// row per lookup that finds something. (`audience IN (…)` reads two rows per key.)
const lookups = (count: number, select: string, firstParameter: number) =>
  Array.from({ length: count }, (_, i) => `${select} AND audience = ?${firstParameter + i}`).join('\nUNION ALL\n');

/**
 * One primary-key row per audience (absent: nothing was ever stored for it). `seen`: the mark of what
 * the client last saw (a tag's, a cursor's); read again from the primary if the replica is behind it.
 */
export async function readInboxState(db: Db, projectId: string, audiences: readonly string[], seen = 0): Promise<InboxState> {
  const state = await readVersionRows(db, projectId, audiences);
  return movedToPrimary(db, stateMark(state) < seen) ? readVersionRows(db, projectId, audiences) : state;
}

/** The sum of the counters a state was read from: it only grows, so a lower one is an older read. */
export function stateMark(state: InboxState): number {
  let mark = 0;
  for (const { version, readVersion, ackVersion } of state.values()) mark += version + readVersion + ackVersion;
  return mark;
}

async function readVersionRows(db: Db, projectId: string, audiences: readonly string[]): Promise<InboxState> {
  if (audiences.length === 0) return new Map();
  return toInboxState((await versionRowsStatement(db, projectId, audiences).all<VersionRow>()).results);
}

type VersionRow = AudienceState & { audience: string };

function versionRowsStatement(db: Db, projectId: string, audiences: readonly string[]): D1PreparedStatement {
  const select =
    'SELECT audience, version, read_version AS readVersion, ack_version AS ackVersion, live, next_expiry AS nextExpiry FROM inbox_versions WHERE project_id = ?1';
  return db.$client.prepare(lookups(audiences.length, select, 2)).bind(projectId, ...audiences);
}

const toInboxState = (rows: VersionRow[]): InboxState => new Map(rows.map(({ audience, ...state }) => [audience, state]));

export interface Freshness {
  /** When the earliest visible notification expires (a page is stale from then), or null. */
  validUntil: number | null;
  /** Expired but still stored (and unarchived), per the totals: all of them, and those this user acknowledged. */
  expired: number;
  expiredAcknowledged: number;
}

/**
 * The page lifetime and the expired-but-stored counts. Reads nothing unless an audience's recorded
 * earliest expiry has passed; then one statement over those audiences' expired rows.
 */
export async function inboxFreshness(db: Db, user: UserPrincipal, state: InboxState, now = Date.now()): Promise<Freshness> {
  let validUntil: number | null = null;
  const stale: string[] = [];
  for (const [audience, { nextExpiry }] of state) {
    if (nextExpiry === null) continue;
    if (nextExpiry > now) validUntil = Math.min(validUntil ?? nextExpiry, nextExpiry);
    else stale.push(audience);
  }
  if (stale.length === 0) return { validUntil, expired: 0, expiredAcknowledged: 0 };

  const { results } = await expiredStatement(db, user, stale, now).all<ExpiredRow>();
  return foldExpired(validUntil, results);
}

interface ExpiredRow {
  next: number | null;
  expired: number;
  acknowledged: number;
}

/** Per audience: its next expiry after `now`, and its expired-but-stored notifications (all, and those the user acknowledged). */
function expiredStatement(db: Db, user: UserPrincipal, audiences: readonly string[], now: number): D1PreparedStatement {
  const arms = audiences.map(
    (_, i) => `SELECT
        (SELECT min(expires_at) FROM notifications WHERE project_id = ?1 AND audience = ?${i + 4} AND expires_at > ?3) AS next,
        (SELECT count(*) FROM notifications n WHERE n.project_id = ?1 AND n.audience = ?${i + 4} AND n.expires_at <= ?3 AND n.archived_at IS NULL) AS expired,
        (SELECT count(*) FROM notifications n LEFT JOIN receipts r ON r.project_id = n.project_id AND r.user_id = ?2 AND r.notification_id = n.id
           WHERE n.project_id = ?1 AND n.audience = ?${i + 4} AND n.expires_at <= ?3 AND n.archived_at IS NULL
             AND (r.acknowledged_at IS NOT NULL OR n.seq <= ${watermarkSql('?1', '?2', `?${i + 4}`)})) AS acknowledged`,
  );
  return db.$client.prepare(arms.join('\nUNION ALL\n')).bind(user.projectId, user.userId, now, ...audiences);
}

function foldExpired(validUntil: number | null, rows: ExpiredRow[]): Freshness {
  let expired = 0;
  let expiredAcknowledged = 0;
  for (const row of rows) {
    if (row.next !== null) validUntil = Math.min(validUntil ?? row.next, row.next);
    expired += row.expired;
    expiredAcknowledged += row.acknowledged;
  }
  return { validUntil, expired, expiredAcknowledged };
}

/** How many of these audiences' stored, unarchived notifications the user acknowledged (one row per audience). */
export async function acknowledgedCount(db: Db, user: UserPrincipal, audiences: readonly string[]): Promise<number> {
  if (audiences.length === 0) return 0;
  const { results } = await acknowledgedStatement(db, user, audiences).all<AcknowledgedRow>();
  return sumAcknowledged(results);
}

type AcknowledgedRow = { acknowledged: number | null };
const sumAcknowledged = (rows: AcknowledgedRow[]) => rows.reduce((sum, row) => sum + (row.acknowledged ?? 0), 0);

function acknowledgedStatement(db: Db, user: UserPrincipal, audiences: readonly string[]): D1PreparedStatement {
  // A user's own audience keeps the count on its inbox_versions row, the others in user_counts (migrations/0011).
  const arms = audiences.map(
    (_, i) => `SELECT CASE WHEN ?${i + 3} = 'u:' || ?2
      THEN (SELECT acknowledged FROM inbox_versions WHERE project_id = ?1 AND audience = ?${i + 3})
      ELSE (SELECT acknowledged FROM user_counts WHERE project_id = ?1 AND user_id = ?2 AND audience = ?${i + 3}) END AS acknowledged`,
  );
  return db.$client.prepare(arms.join('\nUNION ALL\n')).bind(user.projectId, user.userId, ...audiences);
}

/** The exact number of visible notifications in the state's audiences, optionally by the user's status. */
export async function countVisible(
  db: Db,
  user: UserPrincipal,
  state: InboxState,
  freshness: Freshness,
  status: 'pending' | 'acknowledged' | undefined,
): Promise<number> {
  const acknowledged = status === undefined ? 0 : await acknowledgedCount(db, user, [...state.keys()]);
  return visibleTotal(state, freshness, status, acknowledged);
}

/** The user's totals over the state's audiences: visible notifications, and how many of them are pending. */
export async function inboxTotals(db: Db, user: UserPrincipal, state: InboxState, freshness: Freshness): Promise<{ total: number; pending: number }> {
  const acknowledged = await acknowledgedCount(db, user, [...state.keys()]);
  return { total: visibleTotal(state, freshness, undefined, 0), pending: visibleTotal(state, freshness, 'pending', acknowledged) };
}

function visibleTotal(
  state: InboxState,
  freshness: Freshness,
  status: 'pending' | 'acknowledged' | undefined,
  acknowledged: number,
): number {
  let live = 0;
  for (const { live: n } of state.values()) live += n;
  const all = live - freshness.expired;
  const done = acknowledged - freshness.expiredAcknowledged;
  return status === undefined ? all : status === 'acknowledged' ? done : all - done;
}

/** A user's counts (GET /counts) and when they next change by themselves (an expiry; null: not before a write). */
export interface InboxCounts {
  total: number;
  pending: number;
  validUntil: number | null;
}

/**
 * The user's counts as three statements for a caller's batch (one batch is one transaction): counts at
 * exactly the snapshot of what else the batch reads, such as a page or a stream's next events. It looks at
 * every audience's expired rows (few: the retention purge removes them) rather than first reading which
 * audiences have any, so that one round trip does it.
 */
export function countsRead(db: Db, user: UserPrincipal, audiences: readonly string[], now: number): BatchRead<InboxCounts> {
  return {
    statements: [versionRowsStatement(db, user.projectId, audiences), acknowledgedStatement(db, user, audiences), expiredStatement(db, user, audiences, now)],
    read([versions, acknowledged, expiring]) {
      const state = toInboxState((versions?.results ?? []) as VersionRow[]);
      const freshness = foldExpired(null, (expiring?.results ?? []) as ExpiredRow[]);
      const done = sumAcknowledged((acknowledged?.results ?? []) as AcknowledgedRow[]);
      return {
        total: visibleTotal(state, freshness, undefined, 0),
        pending: visibleTotal(state, freshness, 'pending', done),
        validUntil: freshness.validUntil,
      };
    },
  };
}
