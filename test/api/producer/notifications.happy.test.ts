import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ADMIN, asUser, call, freshProject, send, until } from '../../helpers';
import { create, countIn } from './helpers';

describe('producer API: notifications', () => {
  it('creates one notification per recipient, in the documented shape', async () => {
    const { id: project } = await freshProject();
    const expires = new Date(Date.now() + 86_400_000).toISOString();
    const res = await create(project, {
      to: [{ user: 'u1' }, { org: 'o1' }, { everyone: true }],
      title: 'Deploy finished',
      body: 'All green',
      category: 'ci',
      priority: 'low',
      icon: 'https://cdn.example/ci.png',
      action_url: 'https://ci.example/42',
      service_id: 'ci',
      origin_project: 'api',
      custom_data: { build: 42, tags: ['a'] },
      expires_at: expires,
    });
    expect(res.status).toBe(201);
    const { notifications } = (await res.json()) as { notifications: Record<string, unknown>[] };
    expect(notifications.map((n) => n.to)).toEqual([{ user: 'u1' }, { org: 'o1' }, { everyone: true }]);
    expect(notifications[0]).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      project_id: project,
      to: { user: 'u1' },
      title: 'Deploy finished',
      body: 'All green',
      category: 'ci',
      priority: 'low',
      icon: 'https://cdn.example/ci.png',
      action_url: 'https://ci.example/42',
      service_id: 'ci',
      origin_project: 'api',
      custom_data: { build: 42, tags: ['a'] },
      created_at: expect.stringMatching(/Z$/),
      expires_at: expires,
    });
    const got = await call(`/v1/projects/${project}/notifications/${notifications[1]!.id}`, { headers: ADMIN });
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual(notifications[1]);
  });

  it('replays an Idempotency-Key without storing again, and refuses the key with another body', async () => {
    const { id: project } = await freshProject();
    const body = { to: [{ user: 'u' }, { everyone: true }], title: 'once' };
    const headers = { ...ADMIN, 'idempotency-key': 'order-1234' };
    const first = await create(project, body, headers);
    expect(first.status).toBe(201);
    const firstBody = await first.json();
    const second = await create(project, body, headers);
    expect(second.status).toBe(201);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(await second.json()).toEqual(firstBody);
    expect(await countIn(project)).toBe(2);

    const concurrent = await Promise.all(Array.from({ length: 5 }, () => create(project, { ...body, title: 'race' }, { ...ADMIN, 'idempotency-key': 'race' })));
    expect(concurrent.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    const ids = await Promise.all(concurrent.map(async (r) => ((await r.json()) as { notifications: { id: string }[] }).notifications[0]!.id));
    expect(new Set(ids).size).toBe(1);
    expect(await countIn(project)).toBe(4);

    const mismatch = await create(project, { ...body, title: 'different' }, headers);
    expect(mismatch.status).toBe(422);
    expect(await mismatch.json()).toEqual({
      error: { code: 'idempotency_mismatch', message: 'This Idempotency-Key was already used with a different request' },
    });
    // Keys are per project.
    const other = await freshProject();
    expect((await create(other.id, body, headers)).status).toBe(201);
    expect(await countIn(other.id)).toBe(2);
  });

  it('replays the first answer to a retry after its expires_at has passed', async () => {
    const { id: project } = await freshProject();
    const expiresAt = Date.now() + 1000;
    const body = { to: [{ user: 'u' }], title: 'brief', expires_at: new Date(expiresAt).toISOString() };
    const headers = { ...ADMIN, 'idempotency-key': 'brief-1' };
    const first = await create(project, body, headers);
    expect(first.status).toBe(201);
    const firstBody = await first.json();
    await until(async () => Date.now() > expiresAt + 50);
    const retry = await create(project, body, headers);
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await retry.json()).toEqual(firstBody);
    expect(await countIn(project)).toBe(1);
    // Without the key, the same body is judged now: expires_at must be in the future.
    expect((await create(project, body, ADMIN)).status).toBe(400);
  });

  it('deletes for good: gone from the producer API and from every inbox', async () => {
    const { id: project } = await freshProject();
    const [n] = await send(project, { to: [{ everyone: true }] });
    const user = await asUser({ sub: 'u', project });
    expect((await call(`/api/v1/client/notifications/${n!.id}/acknowledge`, { method: 'POST', headers: user })).status).toBe(200);
    const path = `/v1/projects/${project}/notifications/${n!.id}`;
    expect((await call(path, { method: 'DELETE', headers: ADMIN })).status).toBe(204);
    expect((await call(path, { headers: ADMIN })).status).toBe(404);
    expect((await call(path, { method: 'DELETE', headers: ADMIN })).status).toBe(404);
    expect((await call(`/api/v1/client/notifications/${n!.id}`, { headers: user })).status).toBe(404);
    const receipts = await env.DB.prepare('SELECT count(*) AS n FROM receipts WHERE notification_id = ?').bind(n!.id).first<{ n: number }>();
    expect(receipts!.n).toBe(0);
  });
});
