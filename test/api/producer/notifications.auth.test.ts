import { describe, expect, it } from 'vitest';
import { asUser, call, freshProject, postJson, send } from '../../helpers';
import { create, countIn } from './helpers';

describe('producer API: notifications and project keys', () => {
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
});
