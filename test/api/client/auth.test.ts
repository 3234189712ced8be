import { env } from 'cloudflare:workers';
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { call, userToken } from '../../helpers';

const LIST = '/api/v1/client/notifications';
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
      const ack = await call(`${LIST}/${crypto.randomUUID()}/acknowledge`, { method: 'POST', headers: await headers() });
      expect(ack.status).toBe(401);
    });
  }
});
