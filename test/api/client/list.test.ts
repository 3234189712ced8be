import { describe, expect, it } from 'vitest';
import { asUser, call, freshProject, send, until } from '../../helpers';

interface Page {
  notifications: { id: string; title: string; status: string; service_id: string | null; project: string | null }[];
  pagination: { next_cursor: string | null; has_more: boolean; total_count: number };
}

const LIST = '/api/v1/client/notifications';

async function list(headers: Record<string, string>, query = ''): Promise<Page> {
  const res = await call(`${LIST}${query}`, { headers });
  expect(res.status).toBe(200);
  return (await res.json()) as Page;
}

describe('seeds/000 Fetch Pending Notifications', () => {
  it('lists the caller own, organisation and everyone notifications, newest first, in the documented shape', async () => {
    const { id: project } = await freshProject();
    const [own] = await send(project, {
      to: [{ user: 'alice' }],
      title: 'own',
      body: 'b1',
      category: 'billing',
      priority: 'high',
      icon: 'https://cdn.example/i.png',
      action_url: 'https://app.example/x',
      service_id: 'billing-svc',
      origin_project: 'web',
      custom_data: { invoice: 42 },
    });
    const [org] = await send(project, { to: [{ org: 'acme' }], title: 'org' });
    const [all] = await send(project, { to: [{ everyone: true }], title: 'all' });
    await send(project, { to: [{ user: 'bob' }, { org: 'other' }], title: 'not for alice' });

    const res = await call(LIST, { headers: await asUser({ sub: 'alice', project, orgs: ['acme'] }) });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toMatch(/^"[A-Za-z0-9_-]+~[0-9a-z]+"$/);
    const body = (await res.json()) as Page;
    expect(body.notifications.map((n) => n.id)).toEqual([all!.id, org!.id, own!.id]);
    expect(body.pagination).toEqual({ next_cursor: null, has_more: false, total_count: 3 });
    expect(body.notifications[2]).toEqual({
      id: own!.id,
      title: 'own',
      body: 'b1',
      category: 'billing',
      priority: 'high',
      icon: 'https://cdn.example/i.png',
      action_url: 'https://app.example/x',
      service_id: 'billing-svc',
      project: 'web',
      custom_data: { invoice: 42 },
      audience: { type: 'user' },
      status: 'pending',
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      acknowledged_at: null,
      expires_at: null,
    });
    expect(body.notifications[1]).toMatchObject({ audience: { type: 'organization', id: 'acme' } });
    expect(body.notifications[0]).toMatchObject({ audience: { type: 'everyone' }, priority: 'normal', body: '' });
  });

  it('filters by status, service_id and project (the origin label), and sorts oldest first', async () => {
    const { id: project } = await freshProject();
    await send(project, { to: [{ user: 'u' }], title: 'a', service_id: 's1', origin_project: 'web' });
    const [b] = await send(project, { to: [{ user: 'u' }], title: 'b', service_id: 's2', origin_project: 'web' });
    await send(project, { to: [{ everyone: true }], title: 'c', service_id: 's1', origin_project: 'ios' });
    const headers = await asUser({ sub: 'u', project });
    expect((await call(`${LIST}/${b!.id}/acknowledge`, { method: 'POST', headers })).status).toBe(200);

    const ids = (page: Page) => page.notifications.map((n) => n.title);
    expect(ids(await list(headers, '?status=pending'))).toEqual(['c', 'a']);
    expect(ids(await list(headers, '?status=acknowledged'))).toEqual(['b']);
    expect(ids(await list(headers, '?service_id=s1'))).toEqual(['c', 'a']);
    expect(ids(await list(headers, '?project=web'))).toEqual(['b', 'a']);
    expect(ids(await list(headers, '?project=web&service_id=s1'))).toEqual(['a']);
    expect(ids(await list(headers, '?sort=oldest'))).toEqual(['a', 'b', 'c']);
    expect((await list(headers, '?status=pending')).pagination.total_count).toBe(2);
    expect((await list(headers, '?service_id=none')).pagination).toEqual({ next_cursor: null, has_more: false, total_count: 0 });
  });

  it('counts a service_id or project filter on its first page, and carries that total in its cursor', async () => {
    const { id: project } = await freshProject();
    for (const title of ['a', 'b', 'c']) await send(project, { to: [{ user: 'u' }], title, service_id: 'svc' });
    await send(project, { to: [{ user: 'u' }], title: 'other' });
    const headers = await asUser({ sub: 'u', project });
    const first = await call(`${LIST}?service_id=svc&limit=2`, { headers });
    const firstBody = (await first.json()) as Page;
    expect(firstBody.pagination).toMatchObject({ has_more: true, total_count: 3 });
    const second = await call(`${LIST}?service_id=svc&limit=2&cursor=${firstBody.pagination.next_cursor}`, { headers });
    const secondBody = (await second.json()) as Page;
    expect(secondBody.notifications.map((n) => n.title)).toEqual(['a']);
    expect(secondBody.pagination).toEqual({ next_cursor: null, has_more: false, total_count: 3 });
    // The first page ran a counting statement; the second did not (one fewer query).
    const queries = (res: Response) => Number(res.headers.get('server-timing')!.match(/q=(\d+)/)![1]);
    expect(queries(second)).toBe(queries(first) - 1);
  });

  it('leaves out expired notifications', async () => {
    const { id: project } = await freshProject();
    // Room for the sends and the first list on a slow machine; then wait for the expiry itself.
    const expiresAt = Date.now() + 4000;
    await send(project, { to: [{ user: 'u' }], title: 'soon gone', expires_at: new Date(expiresAt).toISOString() });
    await send(project, { to: [{ user: 'u' }], title: 'stays', expires_at: new Date(Date.now() + 3_600_000).toISOString() });
    const headers = await asUser({ sub: 'u', project });
    expect((await list(headers)).notifications.map((n) => n.title)).toEqual(['stays', 'soon gone']);
    await until(async () => Date.now() > expiresAt, 6000);
    const after = await list(headers);
    expect(after.notifications.map((n) => n.title)).toEqual(['stays']);
    expect(after.pagination.total_count).toBe(1);
  });

  for (const sort of ['newest', 'oldest'] as const) {
    it(`walks every page (${sort} first) with no item skipped or repeated while new ones arrive`, async () => {
      const { id: project } = await freshProject();
      const initial: string[] = [];
      for (let i = 0; i < 7; i++) {
        const [n] = await send(project, { to: [i % 3 === 0 ? { everyone: true } : { user: 'walker' }], title: `n${i}` });
        initial.push(n!.id);
      }
      const headers = await asUser({ sub: 'walker', project });
      const seen: string[] = [];
      const arrived: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: Page = await list(headers, `?limit=3&sort=${sort}${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...page.notifications.map((n) => n.id));
        cursor = page.pagination.next_cursor;
        expect(page.pagination.has_more).toBe(cursor !== null);
        // Something new arrives between every two pages.
        const [fresh] = await send(project, { to: [{ user: 'walker' }], title: `late${pages}` });
        arrived.push(fresh!.id);
        pages++;
      } while (cursor && pages < 20);

      expect(new Set(seen).size).toBe(seen.length);
      if (sort === 'newest') {
        // Newest first: everything that existed when the walk began, in order; later arrivals are for the next poll.
        expect(seen).toEqual([...initial].reverse());
      } else {
        // Oldest first: the walk reaches the end, so it also picks up what arrived during it, in order.
        expect(seen).toEqual([...initial, ...arrived.slice(0, seen.length - initial.length)]);
        expect(seen.length).toBeGreaterThan(initial.length);
      }
    });
  }

  it('answers 400 INVALID_PARAMETER naming the parameter', async () => {
    const headers = await asUser({ sub: 'u' });
    const cases: [string, string][] = [
      ['?status=read', 'status'],
      ['?sort=sideways', 'sort'],
      ['?limit=0', 'limit'],
      ['?limit=101', 'limit'],
      ['?limit=abc', 'limit'],
      ['?limit=2.5', 'limit'],
      ['?cursor=garbage!!', 'cursor'],
      ['?cursor=', 'cursor'],
    ];
    for (const [query, parameter] of cases) {
      const res = await call(`${LIST}${query}`, { headers });
      expect(res.status, query).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code, query).toBe('INVALID_PARAMETER');
      expect(body.error.message, query).toContain(parameter);
    }
  });

  it('refuses a cursor from another user, filter or sort instead of paging something else', async () => {
    const { id: project } = await freshProject();
    await send(project, { to: [{ everyone: true }, { everyone: true }], title: 'x' });
    const alice = await asUser({ sub: 'alice', project });
    const { pagination } = await list(alice, '?limit=1');
    expect(pagination.next_cursor).not.toBeNull();
    const cursor = pagination.next_cursor!;
    const bob = await asUser({ sub: 'bob', project });
    for (const [headers, query] of [
      [bob, `?limit=1&cursor=${cursor}`],
      [alice, `?limit=1&sort=oldest&cursor=${cursor}`],
      [alice, `?limit=1&status=pending&cursor=${cursor}`],
    ] as const) {
      const res = await call(`${LIST}${query}`, { headers });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({
        error: { code: 'INVALID_PARAMETER', message: 'cursor is not a cursor this request can continue from' },
      });
    }
    // The same query may change its page size and keep the cursor.
    expect((await list(alice, `?limit=5&cursor=${cursor}`)).notifications).toHaveLength(1);
  });

  it('never shows another project’s notifications to a user with the same id', async () => {
    const a = await freshProject('a');
    const b = await freshProject('b');
    await send(b.id, { to: [{ user: 'same' }, { everyone: true }, { org: 'acme' }], title: 'from b' }, b.key);
    const page = await list(await asUser({ sub: 'same', project: a.id, orgs: ['acme'] }));
    expect(page.notifications).toEqual([]);
    expect(page.pagination.total_count).toBe(0);
  });

  it('accepts limit at both ends of the range', async () => {
    const headers = await asUser({ sub: 'edge' });
    expect((await call(`${LIST}?limit=1`, { headers })).status).toBe(200);
    expect((await call(`${LIST}?limit=100`, { headers })).status).toBe(200);
  });
});
