import { describe, expect, it } from 'vitest';
import { ADMIN, call, freshProject, postJson, send, userToken } from '../../helpers';
import { base, json } from './helpers';

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
