import { describe, expect, it } from 'vitest';
import { asUser, call, freshProject, send } from '../helpers';

// A tag depends only on what its response shows: the audiences it lists, the reader's state fields
// it carries, its project and its query (issue 12, defects 1 and 5).

const CLIENT = '/api/v1/client/notifications';
const PLAYER_PAGE = '/notification/v1/player/me/notification';
const SYSTEM = '/api/notifications/system';

async function tagOf(path: string, headers: Record<string, string>) {
  const res = await call(path, { headers });
  expect(res.status, path).toBe(200);
  await res.arrayBuffer();
  return res.headers.get('etag')!;
}

async function statusWith(path: string, headers: Record<string, string>, etag: string) {
  const res = await call(path, { headers: { ...headers, 'if-none-match': etag } });
  await res.arrayBuffer();
  return res.status;
}

describe('ETags scoped to what the response shows', () => {
  it('a player tag from one project is not current in another project for the same player id', async () => {
    const [a, b] = [await freshProject('ta'), await freshProject('tb')];
    const player = crypto.randomUUID();
    await send(a.id, { to: [{ user: player }], title: 'in A', body: 'A' });
    await send(b.id, { to: [{ user: player }], title: 'in B', body: 'B' });
    const inA = await asUser({ sub: player, project: a.id });
    const inB = await asUser({ sub: player, project: b.id });
    const etag = await tagOf(PLAYER_PAGE, inA);

    const res = await call(PLAYER_PAGE, { headers: { ...inB, 'if-none-match': etag } });
    expect(res.status).toBe(200);
    const page = (await res.json()) as { notifications: { message: string }[] };
    expect(page.notifications.map((n) => n.message)).toEqual(['B']);
  });

  it('the system list stays 304 after a notification addressed only to the user, and changes for everyone', async () => {
    const { id: project } = await freshProject();
    await send(project, { to: [{ everyone: true }] });
    const headers = await asUser({ sub: 'u', project, orgs: ['o1'] });
    const etag = await tagOf(SYSTEM, headers);
    await send(project, { to: [{ user: 'u' }, { org: 'o1' }] });
    expect(await statusWith(SYSTEM, headers, etag)).toBe(304);
    await send(project, { to: [{ everyone: true }] });
    expect(await statusWith(SYSTEM, headers, etag)).toBe(200);
  });

  it('the system list changes when the user reads one of its notifications (it shows `read`)', async () => {
    const { id: project } = await freshProject();
    const [n] = await send(project, { to: [{ everyone: true }] });
    const headers = await asUser({ sub: 'u', project });
    const etag = await tagOf(SYSTEM, headers);
    expect((await call(`${SYSTEM}/${n!.id}`, { headers })).status).toBe(200);
    expect(await statusWith(SYSTEM, headers, etag)).toBe(200);
  });

  it('the client list stays 304 after a seeds/001 read (it does not show reads), and changes on acknowledge', async () => {
    const { id: project } = await freshProject();
    const [n] = await send(project, { to: [{ everyone: true }] });
    const headers = await asUser({ sub: 'u', project });
    const etag = await tagOf(CLIENT, headers);
    expect((await call(`${SYSTEM}/${n!.id}`, { headers })).status).toBe(200);
    expect(await statusWith(CLIENT, headers, etag)).toBe(304);
    expect((await call(`${CLIENT}/${n!.id}/acknowledge`, { method: 'POST', headers })).status).toBe(200);
    expect(await statusWith(CLIENT, headers, etag)).toBe(200);
  });

  it('the player page stays 304 after an acknowledge or a read (it shows no state), and changes on a new notification', async () => {
    const { id: project } = await freshProject();
    const player = crypto.randomUUID();
    const [own, all] = await send(project, { to: [{ user: player }, { everyone: true }] });
    const headers = await asUser({ sub: player, project });
    const etag = await tagOf(PLAYER_PAGE, headers);
    expect((await call(`${CLIENT}/${own!.id}/acknowledge`, { method: 'POST', headers })).status).toBe(200);
    expect((await call(`${SYSTEM}/${all!.id}`, { headers })).status).toBe(200);
    expect(await statusWith(PLAYER_PAGE, headers, etag)).toBe(304);
    await send(project, { to: [{ user: player }] });
    expect(await statusWith(PLAYER_PAGE, headers, etag)).toBe(200);
  });
});
