import { describe, expect, it } from 'vitest';
import { asUser, call, postJson, send } from '../../helpers';
import { createFor, json, player, PLAYER } from './helpers';

describe('reference/player-api.md GET …/notification/{notification_id}', () => {
  it('returns one notification, and 404 resource_not_found for unknown or someone else’s', async () => {
    const p = await player();
    const id = await createFor(p.project, p.id, 'hello', { rh_url: '/x', custom_data: { a: 'b' }, etag: 'e1' });
    const res = await call(`${PLAYER}/me/notification/${id}`, { headers: p.headers });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ message: 'hello', rh_url: '/x', custom_data: { a: 'b' }, etag: 'e1', notification_id: id, created: expect.any(String) });
    const other = await player();
    const [theirs] = await send(p.project, { to: [{ user: other.id }], title: 't' });
    for (const missing of [theirs!.id, crypto.randomUUID(), 'not-even-a-uuid']) {
      const r = await call(`${PLAYER}/${p.id}/notification/${missing}`, { headers: p.headers });
      expect(r.status).toBe(404);
      expect(await r.json()).toEqual({ auth_success: true, error_code: 'resource_not_found', desc: expect.any(String) });
    }
  });
});

describe('reference/player-api.md POST …/notification', () => {
  it('creates all atomically and answers with the last id', async () => {
    const p = await player();
    const server = await asUser({ sub: 'server', project: p.project, permissions: ['notification:player:*'] });
    const res = await postJson(`${PLAYER}/${p.id}/notification`, { notifications: [{ message: 'one' }, { message: 'two', custom_data: { k: 'v' } }] }, server);
    expect(res.status).toBe(200);
    const { notification_id } = (await res.json()) as { notification_id: string };
    const body = await json(await call(`${PLAYER}/me/notification`, { headers: p.headers }));
    expect(body.notifications.map((n) => n.message)).toEqual(['two', 'one']);
    expect(body.notifications[0]!.notification_id).toBe(notification_id);
  });
});
