import { describe, expect, it } from 'vitest';
import { call, freshProject, send } from '../../helpers';
import { raw } from './helpers';

describe('seeds/001 errors', () => {
  it('is 404 for an unknown notification and for one asked through another audience’s path', async () => {
    const { id: project } = await freshProject();
    const [sys, mine, orgs] = await send(project, { to: [{ everyone: true }, { user: 'u' }, { org: 'o' }], title: 't' });
    const headers = await raw({ sub: 'u', project, orgs: ['o'] });
    for (const path of [
      `/api/notifications/system/${mine!.id}`,
      `/api/notifications/system/${crypto.randomUUID()}`,
      `/api/users/u/notifications/${sys!.id}`,
      `/api/users/u/notifications/${orgs!.id}`,
      `/api/clients/o/notifications/${sys!.id}`,
      `/api/clients/o/notifications/${mine!.id}`,
      '/api/users/u/notifications/not-an-id',
    ]) {
      const res = await call(path, { headers });
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { code: string }).code).toBe('NOT_FOUND');
    }
  });
});
