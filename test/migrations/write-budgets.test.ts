import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

// 0011 rebuilds notifications, receipts and inbox_changes (no AUTOINCREMENT, WITHOUT ROWID) and moves a
// user's own-audience counters onto their inbox_versions row. A database that lived before it must keep
// every row and count, and never hand out a sequence it handed out before.

const db = env.MIGRATION_DB;
const LAST_BEFORE = '0010_ack_all_watermark.sql';

const run = (sql: string, ...values: unknown[]) => db.prepare(sql).bind(...values).run();
const rows = async (sql: string) => (await db.prepare(sql).all()).results;
const one = async <T>(sql: string) => (await db.prepare(sql).first()) as T;

async function insert(id: string, audience: string) {
  await run(
    `INSERT INTO notifications (id, project_id, audience, title, body, priority, custom_data, created_at)
     VALUES (?1, 'm', ?2, 't', 'b', 'normal', '{}', 1)`,
    id,
    audience,
  );
}

/** Acknowledged per user and audience, as the counters said before 0011 (all in user_counts). */
const countedBefore = () => rows(`SELECT user_id, audience, acknowledged, acked_through FROM user_counts WHERE project_id = 'm' ORDER BY 1, 2`);

/** The same after 0011 (own audience: on the version row). */
const counted = () =>
  rows(`SELECT user_id, audience, acknowledged, acked_through FROM user_counts WHERE project_id = 'm'
        UNION ALL SELECT substr(audience, 3), audience, acknowledged, acked_through FROM inbox_versions
          WHERE project_id = 'm' AND audience LIKE 'u:%' AND (acknowledged > 0 OR acked_through > 0)
        ORDER BY 1, 2`);

/** The same counted row by row: receipts and watermarks over stored, unarchived notifications. */
const recounted = () =>
  rows(`SELECT u.user_id, n.audience, count(*) AS acknowledged FROM (SELECT DISTINCT user_id FROM receipts UNION SELECT user_id FROM acknowledged_through) u
        JOIN notifications n ON n.project_id = 'm' AND n.archived_at IS NULL
        WHERE EXISTS (SELECT 1 FROM receipts r WHERE r.user_id = u.user_id AND r.notification_id = n.id AND r.acknowledged_at IS NOT NULL)
           OR n.seq <= coalesce((SELECT max(through_seq) FROM acknowledged_through w WHERE w.user_id = u.user_id AND w.audience = n.audience), 0)
        GROUP BY u.user_id, n.audience ORDER BY 1, 2`);

describe('migration 0011 over a populated database', () => {
  it('keeps every row and count, and no sequence comes back', async () => {
    const all = env.TEST_MIGRATIONS;
    const upTo = all.findIndex((m) => m.name === LAST_BEFORE) + 1;
    expect(upTo).toBeGreaterThan(0);
    await applyD1Migrations(db, all.slice(0, upTo));

    await run("INSERT INTO projects (id, name, created_at) VALUES ('m', 'm', 1)");
    for (const [id, audience] of [
      ['own-1', 'u:u1'],
      ['own-2', 'u:u1'],
      ['org-1', 'o:o1'],
      ['all-1', '*'],
      ['newest', 'u:u2'],
    ] as const) {
      await insert(id, audience);
    }
    await run("INSERT INTO receipts (project_id, user_id, notification_id, seen_at, acknowledged_at) VALUES ('m', 'u1', 'own-1', 5, 5)");
    await run("INSERT INTO receipts (project_id, user_id, notification_id, seen_at, acknowledged_at) VALUES ('m', 'u1', 'org-1', 5, 5)");
    await run("INSERT INTO receipts (project_id, user_id, notification_id, seen_at, read_at) VALUES ('m', 'u2', 'all-1', 5, 5)");
    // u2 acknowledged everything in their own audience and everyone's by watermark.
    const newest = await one<{ seq: number }>("SELECT seq FROM notifications WHERE id = 'newest'");
    await run("INSERT INTO acknowledged_through (project_id, user_id, audience, through_seq, acknowledged_at, counted, acknowledged) VALUES ('m', 'u2', 'u:u2', ?1, 6, 1, 1)", newest.seq);
    await run("INSERT INTO acknowledged_through (project_id, user_id, audience, through_seq, acknowledged_at, counted, acknowledged) VALUES ('m', 'u2', '*', ?1, 6, 1, 1)", newest.seq);
    // The newest notification and the newest changes are deleted: their sequences must not come back.
    await run("INSERT INTO notifications (id, project_id, audience, title, body, priority, custom_data, created_at) VALUES ('gone', 'm', 'o:o1', 't', 'b', 'normal', '{}', 1)");
    await run("DELETE FROM notifications WHERE id = 'gone'");
    const issued = await one<{ seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'notifications'");
    const changesIssued = await one<{ seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'inbox_changes'");
    const keptChanges = await rows("SELECT seq, project_id, audience, kind, notification_id FROM inbox_changes WHERE seq < (SELECT max(seq) FROM inbox_changes) ORDER BY seq");
    await run('DELETE FROM inbox_changes WHERE seq = (SELECT max(seq) FROM inbox_changes)');
    const notifications = await rows('SELECT * FROM notifications ORDER BY seq');
    const receipts = await rows('SELECT * FROM receipts ORDER BY user_id, notification_id');
    const before = await countedBefore();
    expect(before.map(({ user_id, audience, acknowledged }) => ({ user_id, audience, acknowledged }))).toEqual(await recounted());

    await applyD1Migrations(db, all);

    expect(await rows(`SELECT * FROM notifications WHERE project_id <> '' ORDER BY seq`)).toEqual(notifications);
    // The newest was deleted: an inert row holds its number until the new code is live (the old one numbers max(seq) + 1).
    expect(await rows(`SELECT seq, archived_at FROM notifications WHERE project_id = ''`)).toEqual([{ seq: issued.seq, archived_at: 253402300799999 }]);
    expect(await rows('SELECT * FROM receipts ORDER BY user_id, notification_id')).toEqual(receipts);
    expect(await rows(`SELECT seq, project_id, audience, kind, notification_id FROM inbox_changes WHERE project_id <> '' ORDER BY seq`)).toEqual(keptChanges);
    expect(await counted()).toEqual(before);
    expect(await rows("SELECT user_id, audience FROM user_counts WHERE audience = 'u:' || user_id")).toEqual([]);

    // New rows number above everything handed out before, whatever was deleted.
    const created = await db
      .prepare(
        `INSERT INTO notifications (seq, id, project_id, audience, title, body, priority, custom_data, created_at)
         SELECT max(coalesce((SELECT max(seq) FROM notifications), 0), coalesce((SELECT floor FROM sequence_floors WHERE name = 'notifications'), 0)) + 1,
           'after', 'm', 'u:u1', 't', 'b', 'normal', '{}', 1 RETURNING seq`,
      )
      .first<{ seq: number }>();
    expect(created!.seq).toBe(issued.seq + 1);
    await run("INSERT INTO receipts (project_id, user_id, notification_id, seen_at, acknowledged_at) VALUES ('m', 'u1', 'own-2', 8, 8)");
    const change = await one<{ seq: number }>("SELECT max(seq) AS seq FROM inbox_changes WHERE project_id = 'm'");
    expect(change.seq).toBe(changesIssued.seq + 1);

    // The triggers go on from the moved counters: acknowledge, archive and delete, counted row by row.
    await run("INSERT INTO receipts (project_id, user_id, notification_id, seen_at, acknowledged_at) VALUES ('m', 'u1', 'all-1', 9, 9)");
    await run("UPDATE notifications SET archived_at = 9 WHERE id = 'own-1'");
    await run("DELETE FROM notifications WHERE id = 'newest'");
    await run("UPDATE notifications SET archived_at = 10 WHERE id = 'all-1'");
    const after = await counted();
    const shape = (r: Record<string, unknown>) => ({ user_id: r.user_id, audience: r.audience, acknowledged: r.acknowledged });
    expect(after.map(shape).filter((r) => Number(r.acknowledged) > 0)).toEqual((await recounted()).map(shape));
    expect(await rows("SELECT audience, live, acknowledged FROM inbox_versions WHERE project_id = 'm' AND audience LIKE 'u:%' ORDER BY audience")).toEqual([
      { audience: 'u:u1', live: 2, acknowledged: 1 },
      { audience: 'u:u2', live: 0, acknowledged: 0 },
    ]);
  });
});
