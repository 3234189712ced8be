import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/core/db';
import { purgeRetained } from '../../src/core/retention';
import worker from '../../src/index';
import { asUser, call, freshProject, send } from '../helpers';

const DAY = 24 * 60 * 60 * 1000;
const count = async (sql: string, ...bind: unknown[]) => (await env.DB.prepare(sql).bind(...bind).first<{ n: number }>())!.n;

async function runCron() {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: '*/15 * * * *' }), env, ctx);
  await waitOnExecutionContext(ctx);
}

describe('retention (the scheduled handler)', () => {
  it('purges expired and long-archived notifications with their receipts, old change-feed entries and idempotency keys', async () => {
    const { id: project } = await freshProject('ret');
    const headers = await asUser({ sub: 'u', project });
    const soon = new Date(Date.now() + 1000).toISOString();
    const expiring = await send(project, { to: [{ user: 'u' }, { user: 'u' }, { everyone: true }], title: 'brief', expires_at: soon });
    const [kept, archivedLongAgo, archivedRecently] = await send(project, { to: [{ user: 'u' }, { user: 'u' }, { user: 'u' }], title: 'stays' });
    expect((await call(`/api/v1/client/notifications/${expiring[0]!.id}/acknowledge`, { method: 'POST', headers })).status).toBe(200);
    await env.DB.prepare('UPDATE notifications SET archived_at = ? WHERE id = ?').bind(Date.now() - 40 * DAY, archivedLongAgo!.id).run();
    await env.DB.prepare('UPDATE notifications SET archived_at = ? WHERE id = ?').bind(Date.now() - DAY, archivedRecently!.id).run();
    await env.DB.prepare("UPDATE inbox_changes SET created_at = ? WHERE project_id = ?").bind(Date.now() - 40 * DAY, project).run();
    await env.DB.prepare(
      "INSERT INTO idempotency_records (project_id, key, request_hash, status, response, created_at) VALUES (?, 'old-key', 'h', 201, '{}', ?)",
    )
      .bind(project, Date.now() - 2 * DAY)
      .run();
    await new Promise((r) => setTimeout(r, 1100));

    await runCron();

    const ids = (list: { id: string }[]) => list.map((n) => n.id);
    const remaining = await env.DB.prepare('SELECT id FROM notifications WHERE project_id = ? ORDER BY seq').bind(project).all<{ id: string }>();
    expect(remaining.results.map((r) => r.id)).toEqual([kept!.id, archivedRecently!.id]);
    expect(await count('SELECT count(*) AS n FROM receipts WHERE project_id = ?', project)).toBe(0);
    expect(await count("SELECT count(*) AS n FROM idempotency_records WHERE project_id = ? AND key = 'old-key'", project)).toBe(0);
    // The old feed entries went (their horizon is recorded); the purge's own `deleted` entries are new.
    expect(await count('SELECT count(*) AS n FROM inbox_changes WHERE project_id = ? AND created_at < ?', project, Date.now() - DAY)).toBe(0);
    expect(await count('SELECT count(*) AS n FROM change_horizons WHERE project_id = ?', project)).toBe(1);
    // One per expired notification; the archived one's removal was announced when it was archived.
    expect(await count("SELECT count(*) AS n FROM inbox_changes WHERE project_id = ? AND kind = 'deleted'", project)).toBe(3);

    const page = (await (await call('/api/v1/client/notifications', { headers })).json()) as { notifications: { id: string }[]; pagination: { total_count: number } };
    expect(ids(page.notifications)).toEqual([kept!.id]);
    expect(page.pagination.total_count).toBe(1);
  });

  it('works in bounded batches: a run stops at its budget and the next one goes on', async () => {
    const { id: project } = await freshProject('ret');
    await send(project, { to: Array.from({ length: 5 }, () => ({ user: 'b' })), title: 'brief', expires_at: new Date(Date.now() + 500).toISOString() });
    await new Promise((r) => setTimeout(r, 600));
    const db = openDb(env.DB);
    const first = await purgeRetained(db, { retentionDays: 30, batch: 2, maxBatches: 1 });
    expect(first).toMatchObject({ expired: 2, unfinished: true });
    expect(await count('SELECT count(*) AS n FROM notifications WHERE project_id = ?', project)).toBe(3);
    const rest = await purgeRetained(db, { retentionDays: 30, batch: 2, maxBatches: 10 });
    expect(rest).toMatchObject({ expired: 3, unfinished: false });
    expect(await count('SELECT count(*) AS n FROM notifications WHERE project_id = ?', project)).toBe(0);
  });
});
