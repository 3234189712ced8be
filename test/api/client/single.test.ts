import { describe, expect, it } from 'vitest';
import { asUser, call, freshProject, send } from '../../helpers';
import { LIST } from './helpers';

describe('seeds/000 Fetch Single Notification', () => {
  it('returns the notification in the list shape', async () => {
    const { id: project } = await freshProject();
    const [n] = await send(project, { to: [{ org: 'o1' }], title: 'T', body: 'B', custom_data: { k: 'v' } });
    const headers = await asUser({ sub: 'u', project, orgs: ['o1'] });
    const res = await call(`${LIST}/${n!.id}`, { headers });
    expect(res.status).toBe(200);
    const listed = (await (await call(LIST, { headers })).json()) as { notifications: unknown[] };
    expect(await res.json()).toEqual(listed.notifications[0]);
  });

  it('is 404 NOTIFICATION_NOT_FOUND for an unknown id and for another project’s notification', async () => {
    const { id: project } = await freshProject();
    const other = await freshProject();
    const [foreign] = await send(other.id, { to: [{ user: 'u' }] });
    const headers = await asUser({ sub: 'u', project });
    for (const id of ['6f1c1d7e-1111-4a1a-9a1a-111111111111', foreign!.id]) {
      const res = await call(`${LIST}/${id}`, { headers });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: { code: 'NOTIFICATION_NOT_FOUND', message: `Notification ${id} does not exist` } });
    }
  });

  it('is 400 INVALID_PARAMETER for an id that is not a UUID', async () => {
    const headers = await asUser({ sub: 'u' });
    for (const id of ['abc', '1%27%20OR%201%3D1', 'x'.repeat(10_000)]) {
      const res = await call(`${LIST}/${id}`, { headers });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({
        code: 'INVALID_PARAMETER',
        message: expect.stringContaining('id'),
      });
    }
  });
});
