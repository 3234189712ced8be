import { describe, expect, it } from 'vitest';
import { ADMIN, asUser, call, freshProject, send } from '../helpers';

describe('Server-Timing', () => {
  it('every response reports its D1 time, statements, rows read and rows written', async () => {
    const { id: project } = await freshProject('timing');
    await send(project, { to: [{ user: 'u' }], title: 't' });
    const headers = await asUser({ sub: 'u', project });
    const page = await call('/api/v1/client/notifications', { headers });
    const responses = {
      page,
      notModified: await call('/api/v1/client/notifications', { headers: { ...headers, 'if-none-match': page.headers.get('etag')! } }),
      create: await call(`/v1/projects/${project}/notifications`, {
        method: 'POST',
        headers: { ...ADMIN, 'content-type': 'application/json' },
        body: JSON.stringify({ to: [{ user: 'u' }], title: 'x' }),
      }),
      unauthenticated: await call('/api/v1/client/notifications'),
      noRoute: await call('/nowhere'),
    };
    const format = /^db;dur=\d+\.\d, d1;desc="q=(\d+) rr=(\d+) rw=(\d+)";dur=\d+\.\d\d$/;
    const seen = Object.fromEntries(
      Object.entries(responses).map(([name, res]) => {
        const match = res.headers.get('server-timing')?.match(format);
        expect(match, `${name}: ${res.headers.get('server-timing')}`).toBeTruthy();
        return [name, { status: res.status, queries: Number(match![1]), written: Number(match![3]) }];
      }),
    );
    expect(seen).toMatchObject({
      page: { status: 200, written: 0 },
      notModified: { status: 304, queries: 1, written: 0 },
      create: { status: 201 },
      unauthenticated: { status: 401, queries: 0 },
      noRoute: { status: 404, queries: 0 },
    });
    expect(seen.create!.written).toBeGreaterThan(0);
  });
});
