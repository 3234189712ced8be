import { describe, expect, it } from 'vitest';
import { asUser, call, freshProject, postJson, send } from '../../helpers';
import { ack, LIST } from './helpers';

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
});
