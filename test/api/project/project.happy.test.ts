import { describe, expect, it } from 'vitest';
import { ADMIN, asUser, call, freshProject, postJson, send, userToken } from '../../helpers';
import { TS, type Row, type Paginated, base, json, walk } from './helpers';

describe('seeds/003 project-wide notifications', () => {
  it('lists every notification of the project newest first, in the documented envelope and fields', async () => {
    const { id: project, key } = await freshProject();
    const [u] = await send(project, { to: [{ user: 'u31' }], title: 'for u31', body: 'b', icon: 'https://i/x.png', category: 'comment', action_url: 'https://a/1' });
    const [all] = await send(project, { to: [{ everyone: true }], title: 'for all' });
    const page = await json<Paginated>(await call(`${base(project)}/notifications`, { headers: key }));
    expect(page).toEqual({
      data: [
        { id: all!.id, project_id: project, user_id: null, icon: null, title: 'for all', body: '', category: null, action_url: null, seen_at: null, read_at: null, created_at: expect.stringMatching(TS), deleted_at: null },
        { id: u!.id, project_id: project, user_id: 'u31', icon: 'https://i/x.png', title: 'for u31', body: 'b', category: 'comment', action_url: 'https://a/1', seen_at: null, read_at: null, created_at: expect.stringMatching(TS), deleted_at: null },
      ],
      links: { first: null, last: null, prev: null, next: null },
      meta: { path: `http://inbox.test${base(project)}/notifications`, per_page: 10 },
    });
  });

  it('walks links.next in both orders without skipping or repeating; next keeps per_page and order', async () => {
    const { id: project, key } = await freshProject();
    const made: string[] = [];
    for (let i = 0; i < 7; i++) made.push((await send(project, { to: [i % 2 ? { user: `u${i}` } : { org: 'o' }], title: `n${i}` }))[0]!.id);
    const first = await json<Paginated>(await call(`${base(project)}/notifications?per_page=3&order=asc`, { headers: key }));
    const next = new URL(first.links.next!);
    expect(next.searchParams.get('per_page')).toBe('3');
    expect(next.searchParams.get('order')).toBe('asc');
    expect(`${next.origin}${next.pathname}`).toBe(`http://inbox.test${base(project)}/notifications`);
    expect((await walk(`${base(project)}/notifications?per_page=3&order=asc`, key)).map((r) => r.id)).toEqual(made);
    expect((await walk(`${base(project)}/notifications?per_page=2`, key)).map((r) => r.id)).toEqual([...made].reverse());
    // A cursor of one order does not continue the other.
    const res = await call(`${base(project)}/notifications?order=desc&cursor=${next.searchParams.get('cursor')}`, { headers: key });
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({ message: 'cursor is not a cursor this request can continue from', errors: { cursor: ['cursor is not a cursor this request can continue from'] } });
  });

  it('shows seen_at and read_at as the user left them through the client APIs', async () => {
    const { id: project, key } = await freshProject();
    const [n] = await send(project, { to: [{ user: 'u1' }], title: 't' });
    const before = await json<Row>(await call(`${base(project)}/notification/${n!.id}`, { headers: key }));
    expect(before).toMatchObject({ seen_at: null, read_at: null });
    expect((await call(`/api/users/u1/notifications/${n!.id}`, { headers: { authorization: await userToken({ sub: 'u1', project }) } })).status).toBe(200);
    const after = await json<Row>(await call(`${base(project)}/notification/${n!.id}`, { headers: key }));
    expect(after.read_at).toMatch(TS);
    expect(after.seen_at).toBe(after.read_at);
  });

  it('archives once: the same deleted_at on a repeat, gone from every inbox, still listed here', async () => {
    const { id: project, key } = await freshProject();
    const [n] = await send(project, { to: [{ everyone: true }], title: 'to archive' });
    const user = await asUser({ sub: 'u', project });
    const etag = (await call('/api/v1/client/notifications', { headers: user })).headers.get('etag')!;
    const first = await json<{ message: string; data: Row }>(await call(`${base(project)}/notification/${n!.id}/archive`, { method: 'PUT', headers: key }));
    expect(first.message).toBe('Notification archived.');
    expect(first.data.deleted_at).toMatch(TS);
    await new Promise((r) => setTimeout(r, 1100));
    const again = await json<{ data: Row }>(await call(`${base(project)}/notification/${n!.id}/archive`, { method: 'PUT', headers: key }));
    expect(again.data.deleted_at).toBe(first.data.deleted_at);

    const client = await call('/api/v1/client/notifications', { headers: { ...user, 'if-none-match': etag } });
    expect(client.status).toBe(200);
    expect(((await client.json()) as { notifications: unknown[] }).notifications).toEqual([]);
    expect((await call(`/api/v1/client/notifications/${n!.id}`, { headers: user })).status).toBe(404);
    expect((await call(`/api/notifications/system/${n!.id}`, { headers: user })).status).toBe(404);
    const listed = await json<Paginated>(await call(`${base(project)}/notifications`, { headers: key }));
    expect(listed.data.map((r) => [r.id, r.deleted_at])).toEqual([[n!.id, first.data.deleted_at]]);
  });

  it('destroys for good, from every dialect', async () => {
    const { id: project, key } = await freshProject();
    const player = crypto.randomUUID();
    const [n] = await send(project, { to: [{ user: player }], title: 'doomed' });
    const res = await call(`${base(project)}/notification/${n!.id}`, { method: 'DELETE', headers: key });
    expect(await json(res)).toEqual({ message: 'Notification deleted.' });
    expect((await call(`${base(project)}/notification/${n!.id}`, { headers: key })).status).toBe(404);
    const headers = await asUser({ sub: player, project });
    expect((await call(`/api/v1/client/notifications/${n!.id}`, { headers })).status).toBe(404);
    expect((await call(`/notification/v1/player/me/notification/${n!.id}`, { headers })).status).toBe(404);
    expect((await call(`/v1/projects/${project}/notifications/${n!.id}`, { headers: ADMIN })).status).toBe(404);
    const gone = await call(`${base(project)}/notification/${n!.id}`, { method: 'DELETE', headers: key });
    expect(gone.status).toBe(404);
    expect(await gone.json()).toEqual({ message: 'Notification not found.' });
  });
});

describe('reference/project-api.md user-wide notifications', () => {
  it('creates for a user (201), lists, shows, archives and destroys only that user’s notifications', async () => {
    const { id: project, key } = await freshProject();
    const created = await json<Row>(
      await postJson(`${base(project)}/user/u7/notifications`, { title: 'Hi', body: 'there', icon: 'i', category: 'c', action_url: '/a' }, key),
      201,
    );
    expect(created).toEqual({ id: expect.any(String), project_id: project, user_id: 'u7', icon: 'i', title: 'Hi', body: 'there', category: 'c', action_url: '/a', seen_at: null, read_at: null, created_at: expect.stringMatching(TS), deleted_at: null });
    const [other] = await send(project, { to: [{ user: 'u8' }, { everyone: true }], title: 'not u7' });
    const list = await json<Paginated>(await call(`${base(project)}/user/u7/notifications`, { headers: key }));
    expect(list.data.map((r) => r.id)).toEqual([created.id]);
    expect(list.meta.path).toBe(`http://inbox.test${base(project)}/user/u7/notifications`);
    expect((await call(`${base(project)}/user/u7/notification/${created.id}`, { headers: key })).status).toBe(200);
    expect((await call(`${base(project)}/user/u7/notification/${other!.id}`, { headers: key })).status).toBe(404);
    expect((await call(`${base(project)}/user/u7/notification/${other!.id}/archive`, { method: 'PUT', headers: key })).status).toBe(404);
    expect((await call(`${base(project)}/user/u7/notification/${other!.id}`, { method: 'DELETE', headers: key })).status).toBe(404);
    expect((await call(`${base(project)}/user/u7/notification/${created.id}/archive`, { method: 'PUT', headers: key })).status).toBe(200);
    expect((await call(`${base(project)}/user/u7/notification/${created.id}`, { method: 'DELETE', headers: key })).status).toBe(200);
    expect((await call(`${base(project)}/notification/${other!.id}`, { headers: key })).status).toBe(200);
  });

  it('walks one user’s list with links.next in both orders', async () => {
    const { id: project, key } = await freshProject();
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      made.push((await json<Row>(await postJson(`${base(project)}/user/w/notifications`, { title: `t${i}` }, key), 201)).id);
      await send(project, { to: [{ user: 'someone-else' }], title: 'noise' });
    }
    expect((await walk(`${base(project)}/user/w/notifications?per_page=2&order=asc`, key)).map((r) => r.id)).toEqual(made);
    expect((await walk(`${base(project)}/user/w/notifications?per_page=2`, key)).map((r) => r.id)).toEqual([...made].reverse());
  });
});
