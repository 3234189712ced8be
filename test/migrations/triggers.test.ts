import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';

// Every trigger of the schema, read back from sqlite_master: one per table and event, each exactly as
// the migration that last wrote it says. A change to a trigger shows up here.

const EXPECTED = [
  ['notifications', 'AFTER INSERT', 'notifications_after_insert'],
  ['notifications', 'AFTER UPDATE', 'notifications_after_update'],
  ['notifications', 'AFTER DELETE', 'notifications_after_delete'],
  ['receipts', 'AFTER INSERT', 'receipts_after_insert'],
  ['receipts', 'AFTER UPDATE', 'receipts_after_update'],
  ['acknowledged_through', 'AFTER INSERT', 'acknowledged_through_after_insert'],
  // Web Push (migrations/0014): which subscriptions hear which organisation, kept in step with `orgs`.
  ['push_subscriptions', 'AFTER INSERT', 'push_subscription_orgs_insert'],
  ['push_subscriptions', 'AFTER UPDATE', 'push_subscription_orgs_update'],
  ['push_subscriptions', 'AFTER DELETE', 'push_subscription_orgs_delete'],
];

/** The last CREATE TRIGGER statement for each name in the migrations, as applied. */
function writtenInMigrations(): Map<string, string> {
  const statements = new Map<string, string>();
  for (const migration of env.TEST_MIGRATIONS) {
    for (const query of migration.queries) {
      const statement = query.replace(/^(\s*--[^\n]*\n)*/, '').trim();
      const created = statement.match(/^CREATE TRIGGER `(\w+)`/);
      if (created) statements.set(created[1]!, statement);
      const dropped = statement.match(/^DROP TRIGGER `(\w+)`/);
      if (dropped) statements.delete(dropped[1]!);
    }
  }
  return statements;
}

describe('triggers', () => {
  it('are one per table and event, as written in the migrations', async () => {
    const { results } = await env.DB.prepare("SELECT name, tbl_name AS tableName, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name").all<{
      name: string;
      tableName: string;
      sql: string;
    }>();
    const events = results.map((t) => [t.tableName, t.sql.match(/\b(AFTER|BEFORE) (INSERT|UPDATE|DELETE)\b/)![0], t.name]);
    expect(events.sort()).toEqual([...EXPECTED].sort());
    const written = writtenInMigrations();
    expect([...written.keys()].sort()).toEqual(results.map((t) => t.name).sort());
    for (const trigger of results) expect(trigger.sql.trim(), trigger.name).toBe(written.get(trigger.name));
  });
});
