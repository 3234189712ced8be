import { describe, expect, it } from 'vitest';
import { asUser, call, freshProject, send } from '../../helpers';

describe('seeds/000 Fetch Pending Notifications', () => {
  it('lists the caller own, organisation and everyone notifications, newest first', async () => {
    const { id: project } = await freshProject();
    const [own] = await send(project, { to: [{ user: 'alice' }], title: 'own', body: 'b1' });
    const [org] = await send(project, { to: [{ org: 'acme' }], title: 'org' });
    const [all] = await send(project, { to: [{ everyone: true }], title: 'all' });
    await send(project, { to: [{ user: 'bob' }, { org: 'other' }], title: 'not for alice' });

    const res = await call('/api/v1/client/notifications', { headers: await asUser({ sub: 'alice', project, orgs: ['acme'] }) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { notifications: { id: string }[]; pagination: unknown };
    expect(body.notifications.map((n) => n.id)).toEqual([all!.id, org!.id, own!.id]);
    expect(body.pagination).toEqual({ next_cursor: null, has_more: false, total_count: 3 });
  });
});
