import { describe, expect, it } from 'vitest';
import { call, freshProject, send, userToken } from '../../helpers';
import { raw, get } from './helpers';

describe('seeds/001 user notifications', () => {
  it('is 403 for another user unless the token may read other users (and such a read marks nothing)', async () => {
    const { id: project } = await freshProject();
    const [n] = await send(project, { to: [{ user: 'u2' }], title: 't' });
    const res = await call('/api/users/u2/notifications', { headers: await raw({ sub: 'u1', project }) });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ message: 'You may not read notifications of another user', code: 'FORBIDDEN' });
    expect((await call(`/api/users/u2/notifications/${n!.id}`, { headers: await raw({ sub: 'u1', project }) })).status).toBe(403);
    const support = await raw({ sub: 'support', project, permissions: ['notification:player:read'] });
    expect((await get(`/api/users/u2/notifications/${n!.id}`, support)).notifications[0]!.read).toBe(false);
    expect((await get('/api/users/u2/notifications', await raw({ sub: 'u2', project }))).notifications[0]!.read).toBe(false);
  });
});

describe('seeds/001 client (organisation) notifications', () => {
  it('is 403 for an organisation not in the token', async () => {
    const { id: project } = await freshProject();
    const res = await call('/api/clients/other-org/notifications', { headers: await raw({ sub: 'u', project, orgs: ['mine'] }) });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ message: 'You are not a member of client other-org', code: 'FORBIDDEN' });
  });
});

describe('seeds/001 tokens', () => {
  it('accepts the token raw or as Bearer, and answers 401 without a valid one', async () => {
    const { id: project } = await freshProject();
    const token = await userToken({ sub: 'u', project });
    expect((await call('/api/notifications/system', { headers: { authorization: token } })).status).toBe(200);
    expect((await call('/api/notifications/system', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    for (const headers of [{}, { authorization: 'garbage' }, { authorization: `${token.slice(0, -4)}AAAA` }] as Record<string, string>[]) {
      for (const path of ['/api/notifications/system', '/api/users/u/notifications', '/api/clients/o/notifications/x']) {
        const res = await call(path, { headers });
        expect(res.status).toBe(401);
        expect(await res.json()).toEqual({ message: expect.any(String), code: 'UNAUTHORIZED' });
      }
    }
  });
});
