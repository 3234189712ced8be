// A user's acknowledge-all is a watermark per audience (acked_through: of user_counts, or of inbox_versions in
// the user's own audience; with the steps that
// say when in acknowledged_through, migrations/0010): a notification is acknowledged when a receipt says so
// or when the user's watermark in its audience reaches its sequence. These fragments fold the watermark into the queries that read a user's state,
// so that every dialect, count, page and stream sees one answer. Each is a primary-key seek.

/**
 * SQL: the user's watermark in one audience (0 when none): every sequence up to it is acknowledged.
 * In their own audience it is on the audience's inbox_versions row, elsewhere in user_counts (migrations/0011).
 */
export function watermarkSql(project: string, user: string, audience: string): string {
  return `coalesce(CASE WHEN ${audience} = 'u:' || ${user}
    THEN (SELECT acked_through FROM inbox_versions WHERE project_id = ${project} AND audience = ${audience})
    ELSE (SELECT acked_through FROM user_counts WHERE project_id = ${project} AND user_id = ${user} AND audience = ${audience}) END, 0)`;
}

/**
 * SQL: when the user's acknowledge-all covered notification `n` (the first step that reached it), or
 * NULL. Looked up only for rows that no receipt acknowledged and that the watermark reaches; where
 * `project` and `audience` are parameters (an inbox arm), the watermark is read once per query.
 */
export function coveredAtSql(project: string, user: string, audience = 'n.audience'): string {
  return `CASE WHEN r.acknowledged_at IS NULL AND n.seq <= ${watermarkSql(project, user, audience)} THEN (SELECT w.acknowledged_at FROM acknowledged_through w
    WHERE w.project_id = n.project_id AND w.user_id = ${user} AND w.audience = n.audience AND w.through_seq >= n.seq
    ORDER BY w.through_seq LIMIT 1) END`;
}

/** The receipt as the user sees it: acknowledged (and so seen) by their acknowledge-all when no receipt says earlier. */
export function foldCovered<R extends { seenAt: number | null; acknowledgedAt: number | null }>(receipt: R, coveredAt: number | null): R {
  if (coveredAt === null || receipt.acknowledgedAt !== null) return receipt;
  const seenAt = receipt.seenAt === null ? coveredAt : Math.min(receipt.seenAt, coveredAt);
  return { ...receipt, acknowledgedAt: coveredAt, seenAt };
}
