import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, asUser, call, freshProject, send, userToken } from '../helpers';

// Every route, tried with someone else's credentials and with broken ones: the documented
// 401/403/404 (or an empty answer for "my own inbox" in the wrong project), never the victim's data.

const MARK = `SECRET-${crypto.randomUUID()}`;
const alice = crypto.randomUUID();
let victim = { project: '', key: {} as Record<string, string> };
let ids = { own: '', org: '', everyone: '' };
let keys: Record<string, Record<string, string>> = {};

type Cred = 'expired' | 'algNone' | 'wrongKey' | 'tampered' | 'otherProject' | 'otherUser' | 'otherOrg';
const creds: Record<Cred, Record<string, string>> = {} as never;

const b64 = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');

beforeAll(async () => {
  const a = await freshProject('iso-a');
  const b = await freshProject('iso-b');
  victim = { project: a.id, key: a.key };
  const [own, org] = await send(a.id, { to: [{ user: alice }, { org: 'red' }], title: MARK, body: MARK });
  // Everyone in the project may read this one; it carries no mark.
  const [everyone] = await send(a.id, { to: [{ everyone: true }], title: 'for the whole project' });
  ids = { own: own!.id, org: org!.id, everyone: everyone!.id };
  // The attacker's project has notifications too (its own inbox is not the victim's).
  await send(b.id, { to: [{ user: alice }], title: 'b-side' });

  const claims = { sub: alice, project: a.id, orgs: ['red'] };
  const valid = await userToken(claims);
  const [header, , signature] = valid.split('.');
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  Object.assign(creds, {
    expired: bearer(await userToken(claims, { expiresIn: -60 })),
    algNone: bearer(`${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims, exp: Math.floor(Date.now() / 1000) + 3600 })}.`),
    wrongKey: bearer(await userToken(claims, { secret: 'not-the-secret-not-the-secret-0123456789' })),
    tampered: bearer(`${header}.${b64({ ...claims, sub: 'someone-else', exp: Math.floor(Date.now() / 1000) + 3600 })}.${signature}`),
    otherProject: await asUser({ sub: alice, project: b.id, orgs: ['red'] }),
    otherUser: await asUser({ sub: crypto.randomUUID(), project: a.id }),
    otherOrg: await asUser({ sub: crypto.randomUUID(), project: a.id, orgs: ['blue'] }),
  });

  const revoked = await call(`/v1/projects/${a.id}/keys`, { method: 'POST', headers: { ...ADMIN, 'content-type': 'application/json' }, body: '{"name":"old"}' });
  const { id: revokedId, key: revokedKey } = (await revoked.json()) as { id: string; key: string };
  expect((await call(`/v1/projects/${a.id}/keys/${revokedId}`, { method: 'DELETE', headers: ADMIN })).status).toBe(204);
  keys = { otherProject: b.key, revoked: { authorization: `Bearer ${revokedKey}` }, garbage: { authorization: 'Bearer ik_garbage' } };
});

const json = { 'content-type': 'application/json' };

/** [method, path, body] of every user-token route, and the status each credential gets. */
function userRoutes() {
  const p = `/notification/v1/player/${alice}`;
  const BAD = { client: 401, player: 403, audience: 401 };
  // Statuses for: otherProject, otherUser, otherOrg (a 200 here must carry none of the victim's data).
  return [
    ['client', 'GET', '/api/v1/client/notifications', undefined, [200, 200, 200]],
    ['client', 'GET', `/api/v1/client/notifications/${ids.own}`, undefined, [404, 403, 403]],
    ['client', 'GET', `/api/v1/client/notifications/${ids.org}`, undefined, [404, 403, 403]],
    ['client', 'POST', `/api/v1/client/notifications/${ids.own}/acknowledge`, undefined, [404, 403, 403]],
    ['client', 'POST', '/api/v1/client/notifications/acknowledge', JSON.stringify({ ids: [ids.own, ids.org] }), [200, 200, 200]],
    ['player', 'GET', `${p}/notification`, undefined, [200, 403, 403]],
    ['player', 'GET', `${p}/notification/${ids.own}`, undefined, [404, 403, 403]],
    ['player', 'POST', `${p}/notification`, JSON.stringify({ notifications: [{ message: 'x' }] }), [403, 403, 403]],
    ['player', 'GET', `${p}/stream/notification/lp?deadline=0&offset_reset_strategy=earliest`, undefined, [200, 403, 403]],
    ['audience', 'GET', '/api/notifications/system', undefined, [200, 200, 200]],
    ['audience', 'GET', `/api/notifications/system/${ids.everyone}`, undefined, [404, 200, 200]],
    ['audience', 'GET', `/api/users/${alice}/notifications`, undefined, [200, 403, 403]],
    ['audience', 'GET', `/api/users/${alice}/notifications/${ids.own}`, undefined, [404, 403, 403]],
    ['audience', 'GET', '/api/clients/red/notifications', undefined, [200, 403, 403]],
    ['audience', 'GET', `/api/clients/red/notifications/${ids.org}`, undefined, [404, 403, 403]],
  ].map(([dialect, method, path, body, others]) => ({
    dialect: dialect as keyof typeof BAD,
    method: method as string,
    path: path as string,
    body: body as string | undefined,
    expected: {
      expired: BAD[dialect as keyof typeof BAD],
      algNone: BAD[dialect as keyof typeof BAD],
      wrongKey: BAD[dialect as keyof typeof BAD],
      tampered: BAD[dialect as keyof typeof BAD],
      otherProject: (others as number[])[0]!,
      otherUser: (others as number[])[1]!,
      otherOrg: (others as number[])[2]!,
    } satisfies Record<Cred, number>,
  }));
}

describe('isolation', () => {
  it('refuses every user route to broken tokens and to other projects, users and organisations', async () => {
    const outcomes: string[] = [];
    const wrong: string[] = [];
    for (const route of userRoutes()) {
      for (const cred of Object.keys(creds) as Cred[]) {
        const res = await call(route.path, { method: route.method, headers: { ...creds[cred], ...(route.body && json) }, body: route.body });
        const text = await res.text();
        const label = `${cred} ${route.method} ${route.path.replace(alice, '{alice}')}: ${res.status}`;
        outcomes.push(label);
        if (res.status !== route.expected[cred]) wrong.push(`${label} (expected ${route.expected[cred]}) ${text.slice(0, 120)}`);
        // Never the victim's data: not their titles or bodies, whatever the status.
        if (text.includes(MARK)) wrong.push(`${label} leaked data`);
      }
    }
    // The push channels, with broken tokens (anyone else's valid token opens their own, empty stream).
    for (const cred of ['expired', 'algNone', 'wrongKey', 'tampered'] as const) {
      const token = creds[cred].authorization!.slice('Bearer '.length);
      for (const path of ['/api/v1/client/notifications/stream', `/api/v1/client/notifications/ws?access_token=${token}`]) {
        const res = await call(path, { headers: path.includes('/ws') ? { upgrade: 'websocket' } : creds[cred] });
        if (res.status !== 401) wrong.push(`${cred} ${path.split('?')[0]}: ${res.status} (expected 401)`);
        await res.arrayBuffer();
      }
    }
    expect(wrong).toEqual([]);
    expect(outcomes.length).toBe(15 * 7);
  });

  it('refuses every key route to another project’s key, a revoked key and a made-up key', async () => {
    const project = victim.project;
    const routes: [string, string, string | undefined][] = [
      ['GET', `/api/v1/project/${project}/notifications`, undefined],
      ['GET', `/api/v1/project/${project}/notification/${ids.own}`, undefined],
      ['PUT', `/api/v1/project/${project}/notification/${ids.own}/archive`, undefined],
      ['DELETE', `/api/v1/project/${project}/notification/${ids.own}`, undefined],
      ['GET', `/api/v1/project/${project}/user/${alice}/notifications`, undefined],
      ['POST', `/api/v1/project/${project}/user/${alice}/notifications`, JSON.stringify({ title: 'x', body: 'y' })],
      ['GET', `/api/v1/project/${project}/user/${alice}/notification/${ids.own}`, undefined],
      ['PUT', `/api/v1/project/${project}/user/${alice}/notification/${ids.own}/archive`, undefined],
      ['DELETE', `/api/v1/project/${project}/user/${alice}/notification/${ids.own}`, undefined],
      ['GET', `/v1/projects/${project}`, undefined],
      ['POST', `/v1/projects/${project}/keys`, JSON.stringify({ name: 'mine now' })],
      ['POST', `/v1/projects/${project}/notifications`, JSON.stringify({ to: [{ user: alice }], title: 'phish' })],
      ['DELETE', `/v1/projects/${project}/notifications/${ids.own}`, undefined],
      ['POST', '/v1/projects', JSON.stringify({ id: 'stolen', name: 'stolen' })],
    ];
    const wrong: string[] = [];
    for (const [method, path, body] of routes) {
      for (const [name, headers] of Object.entries(keys)) {
        const res = await call(path, { method, headers: { ...headers, ...(body && json) }, body });
        const text = await res.text();
        const expected = name === 'otherProject' ? 403 : 401;
        if (res.status !== expected) wrong.push(`${name} ${method} ${path}: ${res.status} (expected ${expected}) ${text.slice(0, 120)}`);
        if (text.includes(MARK)) wrong.push(`${name} ${method} ${path}: leaked data`);
      }
    }
    expect(wrong).toEqual([]);
    // Nothing was changed by any of them.
    const own = await call(`/api/v1/client/notifications/${ids.own}`, { headers: await asUser({ sub: alice, project }) });
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({ title: MARK, status: 'pending' });
  });
});
