import { purgeChanges } from './changes';
import { PENDING_TOMBSTONE_MS } from './copies';
import { IDEMPOTENCY_WINDOW_MS } from './create';
import type { Db } from './db';

// What the scheduled handler removes. Expired notifications are already out of every inbox (reads
// filter on expires_at); purging them keeps the counters' "expired but stored" look-ups small and
// the tables lean. Deleting a notification goes through the delete trigger: its receipts, counters
// and a `deleted` change for open streams follow in the same statement.

export interface RetentionPolicy {
  /** Archived notifications, change-feed entries: kept this long. */
  retentionDays: number;
  /** Rows per statement, and statements per run at most: a run's work is bounded; the next run goes on. */
  batch?: number;
  maxBatches?: number;
}

export interface RetentionReport {
  expired: number;
  archived: number;
  changes: number;
  idempotencyKeys: number;
  /** Acknowledge-all steps that no stored notification needs any more (it covers none of them). */
  acknowledgeSteps: number;
  /** Records of copies written to every database over an hour ago (core/copies.ts). */
  pendingCopies: number;
  /** More was left than one run may remove. */
  unfinished: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export async function purgeRetained(db: Db, policy: RetentionPolicy, now = Date.now()): Promise<RetentionReport> {
  const batch = policy.batch ?? 500;
  let budget = policy.maxBatches ?? 40;
  const cutoff = now - policy.retentionDays * DAY_MS;
  const d1 = db.$client;

  /** Repeats one bounded statement until it removes less than a batch or the run's budget is spent. */
  const drain = async (step: () => Promise<number>) => {
    let total = 0;
    while (budget > 0) {
      budget--;
      const removed = await step();
      total += removed;
      if (removed < batch) return { total, done: true };
    }
    return { total, done: false };
  };
  // Counted by RETURNING: D1's meta.changes also counts what the delete triggers wrote.
  const deleteWhere = (where: string, bound: number) => async () =>
    (await d1.prepare(`DELETE FROM notifications WHERE seq IN (SELECT seq FROM notifications WHERE ${where} LIMIT ?2) RETURNING seq`).bind(bound, batch).all())
      .results.length;

  const expired = await drain(deleteWhere('expires_at IS NOT NULL AND expires_at <= ?1', now));
  const archived = await drain(deleteWhere('archived_at IS NOT NULL AND archived_at <= ?1', cutoff));
  const changes = await drain(() => purgeChanges(db, cutoff, batch));
  const keys = await drain(
    async () =>
      (
        await d1
          .prepare('DELETE FROM idempotency_records WHERE rowid IN (SELECT rowid FROM idempotency_records WHERE created_at < ?1 LIMIT ?2) RETURNING 1')
          .bind(now - IDEMPOTENCY_WINDOW_MS, batch)
          .all()
      ).results.length,
  );
  // After the notifications: a step whose range no stored notification falls in any more only takes room
  // (the watermark itself lives in user_counts, or in inbox_versions for the user's own audience).
  const steps = await drain(
    async () =>
      (
        await d1
          .prepare(
            `DELETE FROM acknowledged_through WHERE (project_id, user_id, audience, through_seq) IN (
               SELECT s.project_id, s.user_id, s.audience, s.through_seq FROM acknowledged_through s
               WHERE NOT EXISTS (SELECT 1 FROM notifications n WHERE n.project_id = s.project_id AND n.audience = s.audience AND n.seq <= s.through_seq)
               LIMIT ?1)
             RETURNING 1`,
          )
          .bind(batch)
          .all()
      ).results.length,
  );
  // Records of copies written long ago (core/copies.ts): their tombstones have no writer left to warn.
  const copies = await drain(
    async () =>
      (
        await d1
          .prepare(
            `DELETE FROM pending_copies WHERE notification_id IN (SELECT notification_id FROM pending_copies WHERE done_at < ?1 LIMIT ?2) RETURNING 1`,
          )
          .bind(now - PENDING_TOMBSTONE_MS, batch)
          .all()
      ).results.length,
  );
  return {
    expired: expired.total,
    archived: archived.total,
    changes: changes.total,
    idempotencyKeys: keys.total,
    acknowledgeSteps: steps.total,
    pendingCopies: copies.total,
    unfinished: !(expired.done && archived.done && changes.done && keys.done && steps.done && copies.done),
  };
}
