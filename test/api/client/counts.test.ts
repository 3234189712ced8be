import { describe, expect, it } from 'vitest';
import { asUser, call, freshProject, send } from '../../helpers';
import { d1Cost, seed } from '../cost/helpers';
import { ack, LIST } from './helpers';

const COUNTS = `${LIST}/counts`;

describe('GET /api/v1/client/notifications/counts', () => {
  it('answers the totals with an ETag, 304 while they hold, and moves with creates and acknowledges', async () => {
    const { id: project } = await freshProject();
    const u = await asUser({ sub: 'u', project, orgs: ['o1'] });
    const empty = await call(COUNTS, { headers: u });
    expect(empty.status).toBe(200);
    expect(await empty.json()).toEqual({ total: 0, pending: 0 });

    const [mine] = await send(project, { to: [{ user: 'u' }] });
    await send(project, { to: [{ org: 'o1' }, { everyone: true }, { user: 'someone-else' }, { org: 'o2' }] });
    const first = await call(COUNTS, { headers: u });
    expect(await first.json()).toEqual({ total: 3, pending: 3 });
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+~[0-9a-z]+"$/);

    const same = await call(COUNTS, { headers: { ...u, 'if-none-match': etag } });
    expect(same.status).toBe(304);
    expect(same.headers.get('etag')).toBe(etag);
    expect(await same.text()).toBe('');
    // Another user's notification does not touch this user's tag.
    await send(project, { to: [{ user: 'someone-else' }] });
    expect((await call(COUNTS, { headers: { ...u, 'if-none-match': etag } })).status).toBe(304);

    await ack(mine!.id, u);
    const acked = await call(COUNTS, { headers: { ...u, 'if-none-match': etag } });
    expect(acked.status).toBe(200);
    expect(await acked.json()).toEqual({ total: 3, pending: 2 });
  });

  it('agrees with the list’s totals', async () => {
    const { id: project } = await freshProject();
    const u = await asUser({ sub: 'u', project });
    const sent = await send(project, { to: [{ user: 'u' }, { everyone: true }, { user: 'u' }] });
    await ack(sent[1]!.id, u);
    const total = ((await (await call(LIST, { headers: u })).json()) as { pagination: { total_count: number } }).pagination.total_count;
    const pending = ((await (await call(`${LIST}?status=pending`, { headers: u })).json()) as { pagination: { total_count: number } }).pagination
      .total_count;
    expect(await (await call(COUNTS, { headers: u })).json()).toEqual({ total, pending });
    expect({ total, pending }).toEqual({ total: 3, pending: 2 });
  });

  it('reads only the counter rows, however big the inbox', async () => {
    const small = await freshProject();
    const large = await freshProject();
    await seed(small.id, 'u:u', 3);
    await seed(large.id, 'u:u', 3000);
    await seed(large.id, '*', 1000);
    const headers = (project: string) => asUser({ sub: 'u', project, orgs: ['o1'] });
    const smallRes = await call(COUNTS, { headers: await headers(small.id) });
    const largeRes = await call(COUNTS, { headers: await headers(large.id) });
    expect(await largeRes.json()).toEqual({ total: 4000, pending: 4000 });
    // Three audiences (own, o1, everyone): at most a version row and a user_counts row each.
    expect(d1Cost(largeRes).rowsRead).toBeLessThanOrEqual(6);
    expect(d1Cost(largeRes).rowsRead).toBeGreaterThanOrEqual(d1Cost(smallRes).rowsRead);
    expect(d1Cost(largeRes).rowsWritten).toBe(0);
    const notModified = await call(COUNTS, { headers: { ...(await headers(large.id)), 'if-none-match': largeRes.headers.get('etag')! } });
    expect(notModified.status).toBe(304);
    expect(d1Cost(notModified)).toEqual({ queries: 1, rowsRead: 2, rowsWritten: 0 });
  });

  it('is 401 without a token', async () => {
    const res = await call(COUNTS);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('AUTH_INVALID_TOKEN');
  });
});
