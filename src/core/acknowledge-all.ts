import { watermarkSql } from './acknowledged-through';
import { audienceKey, inboxAudiences } from './audience';
import type { Db } from './db';
import { getInboxItem } from './inbox';
import type { UserPrincipal } from './principal';
import { announce, type WriteOptions } from './realtime';

// Acknowledge-all moves the user's watermark in each audience that has something pending up to a
// sequence (table acknowledged_through, migrations/0010): one step row per such audience, whose trigger
// keeps the count and watermark (user_counts; the own audience's on its inbox_versions row, 0011) and the user's ack version, and one 'acknowledged' change for their streams. The
// rows written depend on the number of audiences (own, organisations, everyone), never on how many
// notifications it acknowledges; reading how many it covered walks the newly covered ones once.

/** The newest notification the user can see now (stored, unarchived, unexpired), or null. */
async function newestVisible(db: Db, user: UserPrincipal, now: number): Promise<{ id: string; seq: number } | null> {
  const audiences = inboxAudiences(user.userId, user.orgs);
  const arms = audiences.map(
    (_, i) => `SELECT * FROM (SELECT id, seq FROM notifications WHERE project_id = ?1 AND audience = ?${i + 3}
       AND archived_at IS NULL AND (expires_at IS NULL OR expires_at > ?2) ORDER BY seq DESC LIMIT 1)`,
  );
  return db.$client
    .prepare(`${arms.join('\nUNION ALL\n')}\nORDER BY seq DESC LIMIT 1`)
    .bind(user.projectId, now, ...audiences)
    .first<{ id: string; seq: number }>();
}

// ?1 project, ?2 user, ?3 through sequence, ?4 now, ?5 through id, ?6… the user's audiences. Per
// audience: the stored, unarchived notifications above the watermark and up to ?3 that no receipt
// acknowledged (`counted`, which user_counts adds) and how many of them are unexpired (`visible`,
// what the call reports). Audiences with none get no step.
const stepsSql = (audiences: number) => {
  const arms = Array.from({ length: audiences }, (_, i) => {
    const audience = `?${i + 6}`;
    return `SELECT ${audience} AS audience, count(*) AS counted, coalesce(sum(n.expires_at IS NULL OR n.expires_at > ?4), 0) AS visible
      FROM notifications n
        LEFT JOIN receipts r ON r.project_id = n.project_id AND r.user_id = ?2 AND r.notification_id = n.id
      WHERE n.project_id = ?1 AND n.audience = ${audience} AND n.seq > ${watermarkSql('?1', '?2', audience)} AND n.seq <= ?3
        AND n.archived_at IS NULL AND r.acknowledged_at IS NULL`;
  });
  return `INSERT INTO acknowledged_through (project_id, user_id, audience, through_seq, acknowledged_at, counted, acknowledged)
    SELECT ?1, ?2, audience, ?3, ?4, counted, visible FROM (${arms.join('\nUNION ALL\n')}) WHERE counted > 0
    RETURNING acknowledged`;
};

// The stream event, written only when a step was (same batch, so it sees them).
const changeSql = `INSERT INTO inbox_changes (project_id, audience, kind, notification_id, created_at)
  SELECT ?1, 'u:' || ?2, 'acknowledged', ?5, ?4
  WHERE EXISTS (SELECT 1 FROM acknowledged_through WHERE project_id = ?1 AND user_id = ?2 AND through_seq = ?3 AND acknowledged_at = ?4)`;

/**
 * Acknowledges, for this user only, every notification they can see at or before `through` (a
 * notification id; default: the newest they can see now). A notification stored afterwards stays
 * pending. Returns how many visible notifications it acknowledged. `through` not in the user's inbox:
 * not_found / access_denied, as for a single acknowledge.
 */
export async function acknowledgeAll(
  db: Db,
  user: UserPrincipal,
  through: string | undefined,
  { publisher, now = Date.now() }: WriteOptions = {},
): Promise<{ acknowledged: number }> {
  const last = through === undefined ? await newestVisible(db, user, now) : await getInboxItem(db, user, through, { now });
  if (!last) return { acknowledged: 0 };
  const audiences = inboxAudiences(user.userId, user.orgs);
  const parameters = [user.projectId, user.userId, last.seq, now, last.id, ...audiences];
  const d1 = db.$client;
  const [steps] = await d1.batch<{ acknowledged: number }>([
    d1.prepare(stepsSql(audiences.length)).bind(...parameters),
    d1.prepare(changeSql).bind(...parameters.slice(0, 5)),
  ]);
  const rows = steps?.results ?? [];
  if (rows.length > 0) await announce(publisher, user.projectId, [audienceKey({ kind: 'user', id: user.userId })]);
  return { acknowledged: rows.reduce((sum, row) => sum + row.acknowledged, 0) };
}
