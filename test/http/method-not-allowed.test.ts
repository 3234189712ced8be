import { describe, expect, it } from 'vitest';
import { ADMIN, asUser, call } from '../helpers';

// A known path asked with a method it does not have: 405 with Allow, in each dialect's error shape,
// whoever asks (it does not depend on the credentials).

describe('405 Method Not Allowed', () => {
  it('answers in each dialect’s shape with the path’s methods in Allow', async () => {
    const user = await asUser({ sub: 'u' });
    const cases: [string, string, Record<string, string>, string, unknown][] = [
      ['DELETE', '/api/v1/client/notifications', user, 'GET, HEAD', { error: { code: 'METHOD_NOT_ALLOWED', message: expect.stringContaining('DELETE') } }],
      ['PUT', `/api/v1/client/notifications/${crypto.randomUUID()}/acknowledge`, user, 'POST', { error: { code: 'METHOD_NOT_ALLOWED', message: expect.any(String) } }],
      ['POST', '/api/v1/client/notifications/stream', user, 'GET, HEAD', { error: { code: 'METHOD_NOT_ALLOWED', message: expect.any(String) } }],
      ['PUT', '/notification/v1/player/me/notification', user, 'GET, HEAD, POST', { auth_success: true, error_code: 'method_not_allowed', desc: expect.stringContaining('PUT') }],
      ['POST', '/api/notifications/system', user, 'GET, HEAD', { message: expect.stringContaining('POST'), code: 'METHOD_NOT_ALLOWED' }],
      ['DELETE', '/api/v1/project/default/notifications', ADMIN, 'GET, HEAD', { message: expect.stringContaining('DELETE') }],
      ['PATCH', `/v1/projects/default/notifications/${crypto.randomUUID()}`, ADMIN, 'DELETE, GET, HEAD', { error: { code: 'method_not_allowed', message: expect.any(String) } }],
    ];
    for (const [method, path, headers, allow, body] of cases) {
      for (const credentials of [headers, {}]) {
        const res = await call(path, { method, headers: credentials });
        expect(res.status, `${method} ${path}`).toBe(405);
        expect(res.headers.get('allow'), `${method} ${path}`).toBe(allow);
        expect(await res.json()).toEqual(body);
      }
    }
  });

  it('leaves unknown paths to 404 and known methods alone', async () => {
    const user = await asUser({ sub: 'u' });
    expect((await call('/api/v1/client/nothing-here', { method: 'DELETE', headers: user })).status).toBe(404);
    expect((await call('/api/v1/client/notifications', { headers: user })).status).toBe(200);
    expect((await call('/api/v1/client/notifications', { method: 'HEAD', headers: user })).status).toBe(200);
  });
});
