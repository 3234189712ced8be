import { describe, expect, it } from 'vitest';
import { asUser, call, es256Token, postJson, userToken } from '../../helpers';
import { createFor, player, PLAYER } from './helpers';

describe('reference/player-api.md POST …/notification', () => {
  it('needs notification:player:write or notification:player:*', async () => {
    const p = await player();
    for (const permissions of [undefined, ['notification:player:read'], ['notification:player:self:*']]) {
      const token = await asUser({ sub: p.id, project: p.project, ...(permissions && { permissions }) });
      const res = await postJson(`${PLAYER}/me/notification`, { notifications: [{ message: 'x' }] }, token);
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ auth_success: true, error_code: 'insufficient_permissions', desc: 'Insufficient Permissions' });
    }
  });
});

describe('reference/player-api.md permissions and auth errors', () => {
  it('lets a player read itself with no permissions claim or a self permission, and nobody else', async () => {
    const p = await player();
    const other = crypto.randomUUID();
    const as = (permissions?: string[]) => asUser({ sub: p.id, project: p.project, ...(permissions && { permissions }) });
    const cases: [string[] | undefined, string, number][] = [
      [undefined, p.id, 200],
      [undefined, 'me', 200],
      [undefined, other, 403],
      [['notification:player:self:read'], p.id, 200],
      [['notification:player:self:*'], 'me', 200],
      [['notification:player:self:read'], other, 403],
      [['notification:player:read'], other, 200],
      [['notification:player:*'], other, 200],
      [['notification:player:write'], p.id, 403],
      [[], p.id, 403],
    ];
    for (const [permissions, who, status] of cases) {
      const res = await call(`${PLAYER}/${who}/notification`, { headers: await as(permissions) });
      expect(res.status, `${JSON.stringify(permissions)} ${who === p.id ? 'self' : who}`).toBe(status);
      if (status === 403) expect(((await res.json()) as { error_code: string }).error_code).toBe('insufficient_permissions');
    }
  });

  it('answers token problems with 403 and the code of the check that failed', async () => {
    const b64 = (v: unknown) => btoa(JSON.stringify(v)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
    const exp = Math.floor(Date.now() / 1000) + 600;
    const cases: [Record<string, string>, string][] = [
      [{}, 'auth_not_jwt'],
      [{ authorization: 'Bearer abc' }, 'auth_not_jwt'],
      [{ authorization: 'Bearer a.b.c' }, 'auth_malformed_access'],
      [{ authorization: `Bearer ${await userToken({ sub: 'u' }, { secret: 'another-secret-another-secret-1234' })}` }, 'auth_token_sig_invalid'],
      [{ authorization: `Bearer ${await userToken({ sub: 'u' }, { expiresIn: Math.floor(Date.now() / 1000) - 5 })}` }, 'auth_token_expired'],
      [{ authorization: `Bearer ${b64({ alg: 'none' })}.${b64({ sub: 'u', exp })}.` }, 'auth_token_format'],
      [{ authorization: `Bearer ${await userToken({ sub: 'u', project: 'NOT VALID' })}` }, 'auth_token_invalid_claim'],
    ];
    for (const [headers, code] of cases) {
      const res = await call(`${PLAYER}/me/notification`, { headers });
      expect(res.status, code).toBe(403);
      expect(await res.json(), code).toEqual({ auth_success: false, error_code: code, desc: expect.any(String) });
    }
  });
});

describe('tokens signed with a configured JWK set (ES256)', () => {
  it('are accepted by every user-facing API, and an unknown kid is named as such', async () => {
    const p = await player();
    await createFor(p.project, p.id, 'signed elsewhere');
    const token = await es256Token({ sub: p.id, project: p.project });
    expect((await call(`${PLAYER}/me/notification`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await call('/api/v1/client/notifications', { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await call('/api/notifications/system', { headers: { authorization: token } })).status).toBe(200);

    const unknown = await es256Token({ sub: p.id, project: p.project }, 'rotated-away');
    const res = await call(`${PLAYER}/me/notification`, { headers: { authorization: `Bearer ${unknown}` } });
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({
      auth_success: false,
      error_code: 'auth_invalid_key_id',
      desc: 'Invalid Authorization - Invalid Key ID in Access Token',
    });
    expect((await call('/api/v1/client/notifications', { headers: { authorization: `Bearer ${unknown}` } })).status).toBe(401);
  });
});
