import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ADMIN, asUser, call, freshProject, postJson, send, until } from '../../helpers';

const create = (project: string, body: unknown, headers: Record<string, string> = ADMIN) =>
  postJson(`/v1/projects/${project}/notifications`, body, headers);

async function countIn(project: string) {
  const row = await env.DB.prepare('SELECT count(*) AS n FROM notifications WHERE project_id = ?').bind(project).first<{ n: number }>();
  return row!.n;
}

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

  it('enforces the limits with a 400 naming the field, storing nothing', async () => {
    const { id: project } = await freshProject();
    const cases: [Record<string, unknown>, string][] = [
      [{ to: [{ user: 'u' }], title: 'x'.repeat(257) }, 'title'],
      [{ to: [{ user: 'u' }], title: '' }, 'title'],
      [{ to: [{ user: 'u' }] }, 'title'],
      [{ to: [{ user: 'u' }], title: 't', body: 'x'.repeat(4097) }, 'body'],
      [{ to: [{ user: 'u' }], title: 't', custom_data: { blob: 'x'.repeat(8200) } }, 'custom_data'],
      [{ to: [{ user: 'u' }], title: 't', custom_data: ['not', 'an', 'object'] }, 'custom_data'],
      [{ to: [], title: 't' }, 'to'],
      [{ to: Array.from({ length: 101 }, () => ({ user: 'u' })), title: 't' }, 'to'],
      [{ to: [{ user: 'u', org: 'o' }], title: 't' }, 'to'],
      [{ to: [{ everyone: false }], title: 't' }, 'to'],
      [{ to: [{ user: 'u' }], title: 't', priority: 'urgent' }, 'priority'],
      [{ to: [{ user: 'u' }], title: 't', expires_at: 'tomorrow' }, 'expires_at'],
      [{ to: [{ user: 'u' }], title: 't', expires_at: '2001-01-01T00:00:00Z' }, 'expires_at'],
    ];
    for (const [body, field] of cases) {
      const res = await create(project, body);
      expect(res.status, field).toBe(400);
      const error = ((await res.json()) as { error: { code: string; parameter: string } }).error;
      expect(error.code, field).toBe('invalid_parameter');
      expect(error.parameter.split('.')[0], JSON.stringify(body).slice(0, 80)).toBe(field);
    }
    // Exactly at the limits is fine.
    const ok = await create(project, { to: [{ user: 'u' }], title: 'x'.repeat(256), body: 'y'.repeat(4096), custom_data: { b: 'z'.repeat(8000) } });
    expect(ok.status).toBe(201);
    expect(await countIn(project)).toBe(1);
  });

  it('answers malformed JSON with 400', async () => {
    const { id: project } = await freshProject();
    const res = await call(`/v1/projects/${project}/notifications`, {
      method: 'POST',
      headers: { ...ADMIN, 'content-type': 'application/json' },
      body: '{"to": [',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: 'invalid_parameter', message: 'The request body is not valid JSON', parameter: 'body' } });
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

  it('keeps project keys inside their project', async () => {
    const a = await freshProject('a');
    const b = await freshProject('b');
    const [inB] = await send(b.id, { to: [{ user: 'u' }] }, b.key);
    const denied = [
      await create(b.id, { to: [{ user: 'u' }], title: 'x' }, a.key),
      await call(`/v1/projects/${b.id}/notifications/${inB!.id}`, { headers: a.key }),
      await call(`/v1/projects/${b.id}/notifications/${inB!.id}`, { method: 'DELETE', headers: a.key }),
      await postJson(`/v1/projects/${b.id}/keys`, { name: 'steal' }, a.key),
    ];
    expect(denied.map((r) => r.status)).toEqual([403, 403, 403, 403]);
    // Asking for B's notification through A's project path finds nothing.
    expect((await call(`/v1/projects/${a.id}/notifications/${inB!.id}`, { headers: a.key })).status).toBe(404);
    expect(await countIn(b.id)).toBe(1);
    // A user of A never sees B's notifications (same user id).
    const page = (await (await call('/api/v1/client/notifications', { headers: await asUser({ sub: 'u', project: a.id }) })).json()) as {
      notifications: unknown[];
    };
    expect(page.notifications).toEqual([]);
  });

  it('is 404 for an unknown project', async () => {
    const res = await create('no-such-project', { to: [{ user: 'u' }], title: 't' });
    expect(res.status).toBe(404);
  });
});
