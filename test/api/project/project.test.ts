import { describe, expect, it } from 'vitest';
import { ADMIN, asUser, call, freshProject, postJson, send, userToken } from '../../helpers';

const TS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/;

interface Row {
  id: string;
  user_id: string | null;
  title: string;
  seen_at: string | null;
  read_at: string | null;
  deleted_at: string | null;
}
interface Paginated {
  data: Row[];
  links: { first: null; last: null; prev: null; next: string | null };
  meta: { path: string; per_page: number };
}

const base = (project: string) => `/api/v1/project/${project}`;

async function json<T>(res: Response, status = 200): Promise<T> {
  expect(res.status).toBe(status);
  return (await res.json()) as T;
}

/** Follows links.next from a first URL to the end, as a client of the document would. */
async function walk(first: string, headers: Record<string, string>): Promise<Row[]> {
  const rows: Row[] = [];
  let url: string | null = first;
  for (let i = 0; url && i < 50; i++) {
    const { pathname, search } = new URL(url, 'http://inbox.test');
    const page: Paginated = await json(await call(`${pathname}${search}`, { headers }));
    rows.push(...page.data);
    url = page.links.next;
  }
  return rows;
}

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

  it('answers validation failures with 422 and every field’s problems', async () => {
    const { id: project, key } = await freshProject();
    const res = await postJson(`${base(project)}/user/u/notifications`, { body: 'x'.repeat(4097) }, key);
    expect(res.status).toBe(422);
    const body = (await res.json()) as { message: string; errors: Record<string, string[]> };
    expect(Object.keys(body.errors).sort()).toEqual(['body', 'title']);
    expect(body.message).toMatch(/\(and 1 more error\)$/);
    for (const query of ['?per_page=0', '?per_page=101', '?order=sideways', '?cursor=junk']) {
      const r = await call(`${base(project)}/notifications${query}`, { headers: key });
      expect(r.status, query).toBe(422);
      expect(Object.keys(((await r.json()) as { errors: object }).errors)).toEqual([query.slice(1).split('=')[0]]);
    }
  });
});

describe('seeds/003 keys', () => {
  it('is 401 Unauthenticated. without a key or with an unknown one, and 403 for another project’s key', async () => {
    const a = await freshProject('a');
    const b = await freshProject('b');
    const [n] = await send(b.id, { to: [{ user: 'u' }], title: 't' });
    for (const headers of [{}, { authorization: 'Bearer ik_nope' }, { authorization: `Bearer ${await userToken({ sub: 'u', project: b.id })}` }] as Record<string, string>[]) {
      const res = await call(`${base(b.id)}/notifications`, { headers });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ message: 'Unauthenticated.' });
    }
    for (const [method, path] of [
      ['GET', `${base(b.id)}/notifications`],
      ['GET', `${base(b.id)}/notification/${n!.id}`],
      ['PUT', `${base(b.id)}/notification/${n!.id}/archive`],
      ['DELETE', `${base(b.id)}/notification/${n!.id}`],
      ['GET', `${base(b.id)}/user/u/notifications`],
    ]) {
      const res = await call(path!, { method, headers: a.key });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(await res.json()).toEqual({ message: 'This action is unauthorized.' });
    }
    expect((await postJson(`${base(b.id)}/user/u/notifications`, { title: 'x' }, a.key)).status).toBe(403);
    // A's key asking for B's notification under A's project finds nothing.
    expect((await call(`${base(a.id)}/notification/${n!.id}`, { headers: a.key })).status).toBe(404);
    // A revoked key is unknown from then on.
    const issued = await json<{ id: string; key: string }>(await postJson(`/v1/projects/${b.id}/keys`, { name: 'temp' }, ADMIN), 201);
    const temp = { authorization: `Bearer ${issued.key}` };
    expect((await call(`${base(b.id)}/notifications`, { headers: temp })).status).toBe(200);
    expect((await call(`/v1/projects/${b.id}/keys/${issued.id}`, { method: 'DELETE', headers: b.key })).status).toBe(204);
    const revoked = await call(`${base(b.id)}/notifications`, { headers: temp });
    expect(revoked.status).toBe(401);
    expect(await revoked.json()).toEqual({ message: 'Unauthenticated.' });
    expect((await call(`/v1/projects/${b.id}/keys/${issued.id}`, { method: 'DELETE', headers: a.key })).status).toBe(403);
    // The admin key reaches both; an unknown project is 404.
    expect((await call(`${base(b.id)}/notification/${n!.id}`, { headers: ADMIN })).status).toBe(200);
    const missing = await call(`${base('no-such')}/notifications`, { headers: ADMIN });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ message: 'Project not found.' });
  });
});
