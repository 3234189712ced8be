import { env } from 'cloudflare:workers';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { asUser, call, freshProject, send, userToken } from '../../helpers';
import { ack, LIST } from './helpers';

const b64 = (value: unknown) => btoa(JSON.stringify(value)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');

describe('seeds/000 authentication: 401 AUTH_INVALID_TOKEN', () => {
  const cases: [string, () => Promise<Record<string, string>>][] = [
    ['missing', async () => ({})],
    ['another scheme', async () => ({ authorization: `Basic ${btoa('a:b')}` })],
    ['malformed', async () => ({ authorization: 'Bearer not.a.jwt' })],
    ['not a JWT', async () => ({ authorization: 'Bearer abc' })],
    ['expired', async () => ({ authorization: `Bearer ${await userToken({ sub: 'u' }, { expiresIn: Math.floor(Date.now() / 1000) - 10 })}` })],
    ['bad signature', async () => ({ authorization: `Bearer ${await userToken({ sub: 'u' }, { secret: 'wrong-secret-wrong-secret-wrong-secret' })}` })],
    [
      'alg none',
      async () => ({ authorization: `Bearer ${b64({ alg: 'none' })}.${b64({ sub: 'u', exp: Math.floor(Date.now() / 1000) + 600 })}.` }),
    ],
    [
      'tampered payload',
      async () => {
        const [h, , s] = (await userToken({ sub: 'u' })).split('.');
        return { authorization: `Bearer ${h}.${b64({ sub: 'admin', exp: Math.floor(Date.now() / 1000) + 600 })}.${s}` };
      },
    ],
    [
      'no sub',
      async () => ({
        authorization: `Bearer ${await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('1h').sign(new TextEncoder().encode(env.JWT_SECRET))}`,
      }),
    ],
  ];

  for (const [name, headers] of cases) {
    it(`rejects a ${name} token`, async () => {
      for (const path of [LIST, `${LIST}/${crypto.randomUUID()}`]) {
        const res = await call(path, { headers: await headers() });
        expect(res.status).toBe(401);
        const body = (await res.json()) as { error: { code: string; message: string } };
        expect(body.error.code).toBe('AUTH_INVALID_TOKEN');
        expect(body.error.message.length).toBeGreaterThan(0);
      }
      const acknowledged = await ack(crypto.randomUUID(), await headers());
      expect(acknowledged.status).toBe(401);
    });
  }
});

describe('seeds/000 Fetch Single Notification: another user’s or organisation’s', () => {
  it('is 403 NOTIFICATION_ACCESS_DENIED for another user’s or another organisation’s notification', async () => {
    const { id: project } = await freshProject();
    const [mine, theirs, orgs] = await send(project, { to: [{ user: 'u' }, { user: 'v' }, { org: 'o2' }] });
    const headers = await asUser({ sub: 'u', project, orgs: ['o1'] });
    expect((await call(`${LIST}/${mine!.id}`, { headers })).status).toBe(200);
    for (const id of [theirs!.id, orgs!.id]) {
      const res = await call(`${LIST}/${id}`, { headers });
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({
        error: { code: 'NOTIFICATION_ACCESS_DENIED', message: `Notification ${id} is not addressed to this user` },
      });
    }
  });
});

describe('seeds/000 Acknowledge Notification: another user’s or project’s', () => {
  it('is 403 for someone else’s and 404 for an unknown or foreign-project notification', async () => {
    const { id: project } = await freshProject();
    const other = await freshProject();
    const [theirs] = await send(project, { to: [{ user: 'v' }] });
    const [foreign] = await send(other.id, { to: [{ user: 'u' }] });
    const headers = await asUser({ sub: 'u', project });
    const denied = await ack(theirs!.id, headers);
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { error: { code: string } }).error.code).toBe('NOTIFICATION_ACCESS_DENIED');
    for (const id of [foreign!.id, 'a4b7e5c2-0000-4000-8000-000000000000']) {
      const res = await ack(id, headers);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOTIFICATION_NOT_FOUND');
    }
    expect((await ack('not-a-uuid', headers)).status).toBe(400);
  });
});
