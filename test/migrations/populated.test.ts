import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

// 0009 replaces every trigger. A database that lived under the old ones must come out with the same
// counters (nothing lost, nothing counted twice), and the new triggers must go on from there.

const db = env.MIGRATION_DB;
const LAST_BEFORE = '0008_pending_index.sql';
// 0011 moves a user's own-audience counters elsewhere (test/migrations/write-budgets.test.ts covers it).
const LAST_WITH_THESE_TABLES = '0010_ack_all_watermark.sql';

const run = (sql: string, ...values: unknown[]) => db.prepare(sql).bind(...values).run();
const rows = async (sql: string) => (await db.prepare(sql).all()).results;

async function insert(id: string, audience: string, expiresAt: number | null = null) {
  await run(
    `INSERT INTO notifications (id, project_id, audience, title, body, priority, custom_data, created_at, expires_at)
     VALUES (?1, 'm', ?2, 't', 'b', 'normal', '{}', 1, ?3)`,
    id,
    audience,
    expiresAt,
  );
}

/** Everything the triggers keep, in a stable order. */
async function counters() {
  return {
    versions: await rows('SELECT project_id, audience, version, live, next_expiry FROM inbox_versions ORDER BY project_id, audience'),
    counts: await rows('SELECT project_id, user_id, audience, acknowledged FROM user_counts ORDER BY project_id, user_id, audience'),
    changes: await rows('SELECT seq, audience, kind, notification_id FROM inbox_changes ORDER BY seq'),
    acked: await rows('SELECT id FROM notifications WHERE acked = 1 ORDER BY id'),
  };
}

/** The same numbers counted row by row, as the counters must say. */
async function recounted() {
  return {
    live: await rows(`SELECT audience, count(*) AS live FROM notifications WHERE project_id = 'm' AND archived_at IS NULL GROUP BY audience ORDER BY audience`),
    acknowledged: await rows(`SELECT r.user_id, n.audience, count(*) AS acknowledged FROM receipts r JOIN notifications n ON n.id = r.notification_id
      WHERE r.acknowledged_at IS NOT NULL AND n.archived_at IS NULL GROUP BY r.user_id, n.audience ORDER BY r.user_id, n.audience`),
  };
}

describe('migration 0009 over a populated database', () => {
  it('keeps every counter, and the new triggers go on from them', async () => {
    const all = env.TEST_MIGRATIONS;
    const upTo = all.findIndex((m) => m.name === LAST_BEFORE) + 1;
    expect(upTo).toBeGreaterThan(0);
    await applyD1Migrations(db, all.slice(0, upTo));

    await run("INSERT INTO projects (id, name, created_at) VALUES ('m', 'm', 1)");
    for (const [id, audience, expires] of [
      ['own-1', 'u:u1', null],
      ['own-2', 'u:u1', null],
      ['own-3', 'u:u1', 4_000_000_000_000],
      ['org-1', 'o:o1', null],
      ['org-2', 'o:o1', 3_000_000_000_000],
      ['all-1', '*', null],
      ['all-2', '*', null],
    ] as const) {
      await insert(id, audience, expires);
    }
    await run("INSERT INTO receipts (project_id, user_id, notification_id, seen_at, acknowledged_at) VALUES ('m', 'u1', 'own-1', 5, 5)");
    await run("INSERT INTO receipts (project_id, user_id, notification_id, seen_at, read_at) VALUES ('m', 'u1', 'all-1', 5, 5)");
    await run("UPDATE receipts SET acknowledged_at = 6 WHERE user_id = 'u1' AND notification_id = 'all-1'");
    await run("INSERT INTO receipts (project_id, user_id, notification_id, seen_at, acknowledged_at) VALUES ('m', 'u2', 'org-1', 5, 5)");
    await run("INSERT INTO receipts (project_id, user_id, notification_id, seen_at, acknowledged_at) VALUES ('m', 'u2', 'all-2', 5, 5)");
    await run("UPDATE notifications SET archived_at = 7 WHERE id = 'all-2'");
    await run("DELETE FROM notifications WHERE id = 'org-2'");
    const before = await counters();
    expect(before.acked).toEqual([{ id: 'own-1' }]);

    const through = all.findIndex((m) => m.name === LAST_WITH_THESE_TABLES) + 1;
    expect(through).toBeGreaterThan(upTo);
    await applyD1Migrations(db, all.slice(0, through));
    expect(await counters()).toEqual(before);
    expect(await rows("SELECT audience, read_version, ack_version FROM inbox_versions WHERE project_id = 'm' ORDER BY audience")).toEqual([
      { audience: '*', read_version: 0, ack_version: 0 },
      { audience: 'o:o1', read_version: 0, ack_version: 0 },
      { audience: 'u:u1', read_version: 0, ack_version: 0 },
      { audience: 'u:u2', read_version: 0, ack_version: 0 },
    ]);

    // The new triggers continue the same counters.
    await run("INSERT INTO receipts (project_id, user_id, notification_id, seen_at, acknowledged_at) VALUES ('m', 'u1', 'own-2', 8, 8)");
    await run("INSERT INTO receipts (project_id, user_id, notification_id, seen_at, read_at) VALUES ('m', 'u1', 'org-1', 8, 8)");
    await run("UPDATE notifications SET archived_at = 9 WHERE id = 'own-1'");
    await run("DELETE FROM notifications WHERE id = 'all-1'");
    const after = await counters();
    const { live, acknowledged } = await recounted();
    expect(after.versions.filter((v) => v.project_id === 'm').map(({ audience, live: n }) => ({ audience, live: n }))).toEqual(
      [{ audience: '*', live: 0 }, { audience: 'o:o1', live: 1 }, { audience: 'u:u1', live: 2 }, { audience: 'u:u2', live: 0 }],
    );
    expect(live).toEqual([{ audience: 'o:o1', live: 1 }, { audience: 'u:u1', live: 2 }]);
    expect(after.counts.filter((c) => Number(c.acknowledged) > 0).map(({ user_id, audience, acknowledged: n }) => ({ user_id, audience, acknowledged: n }))).toEqual(acknowledged);
    expect(after.acked).toEqual([{ id: 'own-1' }, { id: 'own-2' }]);
    expect(await rows("SELECT read_version, ack_version FROM inbox_versions WHERE project_id = 'm' AND audience = 'u:u1'")).toEqual([
      { read_version: 1, ack_version: 1 },
    ]);
    expect(after.changes.slice(before.changes.length).map((c) => [c.kind, c.notification_id])).toEqual([
      ['state', 'own-2'],
      ['state', 'org-1'],
      ['deleted', 'own-1'],
      ['deleted', 'all-1'],
    ]);
  });
});
