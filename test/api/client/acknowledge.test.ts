import { describe, expect, it } from 'vitest';
import { asUser, call, freshProject, postJson, send } from '../../helpers';

const LIST = '/api/v1/client/notifications';
const ack = (id: string, headers: Record<string, string>) => call(`${LIST}/${id}/acknowledge`, { method: 'POST', headers });

describe('seeds/000 Acknowledge Notification', () => {
  it('returns 200 with the acknowledged notification, then 409 NOTIFICATION_ALREADY_RESPONDED', async () => {
    const { id: project } = await freshProject();
    const [n] = await send(project, { to: [{ user: 'u' }], title: 'ack me' });
    const headers = await asUser({ sub: 'u', project });
    const before = Date.now();
    const res = await ack(n!.id, headers);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { id: string; status: string; acknowledged_at: string; title: string };
    expect(body).toMatchObject({ id: n!.id, status: 'acknowledged', title: 'ack me' });
    expect(Date.parse(body.acknowledged_at)).toBeGreaterThanOrEqual(before - 5);

    const again = await ack(n!.id, headers);
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({
      error: { code: 'NOTIFICATION_ALREADY_RESPONDED', message: `Notification ${n!.id} has already been acknowledged` },
    });
    const fetched = (await (await call(`${LIST}/${n!.id}`, { headers })).json()) as { status: string; acknowledged_at: string };
    expect(fetched).toMatchObject({ status: 'acknowledged', acknowledged_at: body.acknowledged_at });
  });

  it('acknowledges a broadcast for the caller only', async () => {
    const { id: project } = await freshProject();
    const [n] = await send(project, { to: [{ everyone: true }] });
    const u = await asUser({ sub: 'u', project });
    const v = await asUser({ sub: 'v', project });
    expect((await ack(n!.id, u)).status).toBe(200);
    const status = async (headers: Record<string, string>) =>
      ((await (await call(`${LIST}/${n!.id}`, { headers })).json()) as { status: string }).status;
    expect(await status(u)).toBe('acknowledged');
    expect(await status(v)).toBe('pending');
    expect((await ack(n!.id, v)).status).toBe(200);
  });

  it('is 403 for someone else’s and 404 for an unknown or foreign-project notification', async () => {
    const { id: project } = await freshProject();
    const other = await freshProject();
    const [theirs] = await send(project, { to: [{ user: 'v' }] });
    const [foreign] = await send(other.id, { to: [{ user: 'u' }] });
    const headers = await asUser({ sub: 'u', project });
    const denied = await ack(theirs!.id, headers);
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { error: { code: string } }).error.code).toBe('NOTIFICATION_ACCESS_DENIED');
    for (const id of [foreign!.id, 'a4b7e5c2-0000-4000-8000-000000000000']) {
      const res = await ack(id, headers);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOTIFICATION_NOT_FOUND');
    }
    expect((await ack('not-a-uuid', headers)).status).toBe(400);
  });

  it('lets exactly one of many concurrent acknowledges succeed', async () => {
    const { id: project } = await freshProject();
    const [n] = await send(project, { to: [{ user: 'u' }] });
    const headers = await asUser({ sub: 'u', project });
    const statuses = (await Promise.all(Array.from({ length: 6 }, () => ack(n!.id, headers)))).map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(5);
  });
});

describe('seeds/000 Best practices: bulk acknowledge', () => {
  it('reports an outcome per id', async () => {
    const { id: project } = await freshProject();
    const [a, b, theirs] = await send(project, { to: [{ user: 'u' }, { everyone: true }, { user: 'v' }] });
    const headers = await asUser({ sub: 'u', project });
    expect((await ack(b!.id, headers)).status).toBe(200);
    const missing = '0b7e0f4e-2222-4bbb-8ccc-333333333333';
    const res = await postJson(`${LIST}/acknowledge`, { ids: [a!.id, b!.id, theirs!.id, missing] }, headers);
    expect(res.status).toBe(200);
    const { results } = (await res.json()) as { results: Record<string, unknown>[] };
    expect(results).toEqual([
      { id: a!.id, outcome: 'acknowledged', acknowledged_at: expect.any(String) },
      {
        id: b!.id,
        outcome: 'already_responded',
        error: { code: 'NOTIFICATION_ALREADY_RESPONDED', message: 'Notification has already been responded to' },
      },
      {
        id: theirs!.id,
        outcome: 'access_denied',
        error: { code: 'NOTIFICATION_ACCESS_DENIED', message: 'User does not have access to this notification' },
      },
      { id: missing, outcome: 'not_found', error: { code: 'NOTIFICATION_NOT_FOUND', message: 'Notification with specified ID does not exist' } },
    ]);
    const pending = (await (await call(`${LIST}?status=pending`, { headers })).json()) as { notifications: unknown[] };
    expect(pending.notifications).toEqual([]);
  });

  it('validates the body', async () => {
    const headers = await asUser({ sub: 'u' });
    const cases: unknown[] = [{}, { ids: [] }, { ids: ['nope'] }, { ids: Array.from({ length: 101 }, () => crypto.randomUUID()) }];
    for (const body of cases) {
      const res = await postJson(`${LIST}/acknowledge`, body, headers);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({
        code: 'INVALID_PARAMETER',
        message: expect.stringContaining('ids'),
      });
    }
    const malformed = await call(`${LIST}/acknowledge`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{"ids":' });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe('INVALID_PARAMETER');
  });
});
