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

  it('drops acknowledge-all steps that no stored notification falls in, keeping the watermark and the others’ times', async () => {
    const { id: project } = await freshProject('ret-steps');
    const headers = await asUser({ sub: 'u', project });
    const all = (body?: unknown) =>
      call('/api/v1/client/notifications/acknowledge-all', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
    const [a, b] = await send(project, { to: [{ user: 'u' }, { user: 'u' }], title: 'old' });
    expect(await (await all()).json()).toEqual({ acknowledged: 2 });
    const [c] = await send(project, { to: [{ user: 'u' }], title: 'newer' });
    expect(await (await all()).json()).toEqual({ acknowledged: 1 });
    const steps = () => count('SELECT count(*) AS n FROM acknowledged_through WHERE project_id = ?', project);
    expect(await steps()).toBe(2);
    const before = (await (await call(`/api/v1/client/notifications/${c!.id}`, { headers })).json()) as { acknowledged_at: string };

    await purgeRetained(openDb(env.DB), { retentionDays: 30 });
    expect(await steps()).toBe(2); // both still cover a stored notification
    for (const { id } of [a!, b!]) await env.DB.prepare('DELETE FROM notifications WHERE id = ?').bind(id).run();
    expect((await purgeRetained(openDb(env.DB), { retentionDays: 30 })).acknowledgeSteps).toBeGreaterThanOrEqual(1);
    expect(await steps()).toBe(1);

    const after = (await (await call(`/api/v1/client/notifications/${c!.id}`, { headers })).json()) as { status: string; acknowledged_at: string };
    expect(after).toMatchObject({ status: 'acknowledged', acknowledged_at: before.acknowledged_at });
    await send(project, { to: [{ user: 'u' }], title: 'pending' });
    expect(await (await call('/api/v1/client/notifications/counts', { headers })).json()).toEqual({ total: 2, pending: 1 });
    // The watermark outlives its steps: with every step gone, what it covered stays acknowledged.
    await env.DB.prepare('DELETE FROM acknowledged_through WHERE project_id = ?').bind(project).run();
    expect(await (await call(`/api/v1/client/notifications/${c!.id}/acknowledge`, { method: 'POST', headers })).status).toBe(409);
  });
});
