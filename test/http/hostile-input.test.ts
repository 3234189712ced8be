import { describe, expect, it } from 'vitest';
import { ADMIN, asUser, call, freshProject } from '../helpers';

// Whatever arrives, every dialect answers in its own shape: a 4xx naming the problem (or a plain
// answer when the odd value is legitimate data), never a 500, never a stack.
describe('hostile input', () => {
  it('never answers 5xx or leaks a stack for odd bodies, content types, ids and query strings', async () => {
    const { id: project, key } = await freshProject();
    const player = crypto.randomUUID();
    const user = await asUser({ sub: player, project, permissions: ['notification:player:*'] });
    const long = 'x'.repeat(10_000);
    const sql = "'; DROP TABLE notifications; --";
    const requests: [number, string, string, Record<string, string>, BodyInit?][] = [
      [400, 'POST', `/v1/projects/${project}/notifications`, { ...key, 'content-type': 'text/plain' }, 'title=x'],
      [400, 'POST', `/v1/projects/${project}/notifications`, { ...key, 'content-type': 'application/json' }, ''],
      [400, 'POST', `/v1/projects/${project}/notifications`, { ...key, 'content-type': 'application/json' }, '[1,2,3]'],
      [400, 'POST', `/v1/projects/${project}/notifications`, { ...key, 'content-type': 'application/json' }, new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])],
      [400, 'POST', `/v1/projects/${project}/notifications`, { ...key, 'content-type': 'application/json' }, JSON.stringify({ to: [{ user: long }], title: 'x' })],
      [400, 'POST', `/v1/projects/${project}/notifications`, { ...key, 'content-type': 'application/json' }, JSON.stringify({ to: [{ user: 'u' }], title: { nested: true } })],
      [400, 'POST', `/v1/projects/${encodeURIComponent(sql)}/notifications`, { ...ADMIN, 'content-type': 'application/json' }, '{}'],
      [400, 'GET', `/v1/projects/${project}/notifications/${long}`, key],
      [400, 'GET', `/api/v1/client/notifications?cursor=${long}&limit=1&limit=2`, user],
      [200, 'GET', `/api/v1/client/notifications?service_id=${encodeURIComponent(sql)}&project=${encodeURIComponent('../../etc')}`, user],
      [400, 'GET', `/api/v1/client/notifications/..%2F..%2Fetc%2Fpasswd`, user],
      [400, 'POST', '/api/v1/client/notifications/acknowledge', { ...user, 'content-type': 'application/json' }, '{"ids":"nope"}'],
      [400, 'POST', '/api/v1/client/notifications/acknowledge', { ...user, 'content-type': 'text/plain' }, 'ids'],
      [422, 'GET', `/notification/v1/player/me/notification?page_size=${long}`, user],
      [404, 'GET', `/notification/v1/player/me/notification/${encodeURIComponent(sql)}`, user],
      [400, 'GET', `/notification/v1/player/${long}/notification`, user],
      [422, 'POST', '/notification/v1/player/me/notification', { ...user, 'content-type': 'application/json' }, '{"notifications":[{"message":1}]}'],
      [422, 'POST', '/notification/v1/player/me/notification', { ...user, 'content-type': 'application/json' }, '{"notifications":'],
      [422, 'GET', `/notification/v1/player/me/stream/notification/lp?deadline=-1&exclude_before=${long}`, user],
      [200, 'GET', `/api/users/${encodeURIComponent(sql)}/notifications`, user],
      [400, 'GET', `/api/clients/${long}/notifications/${long}`, user],
      [422, 'GET', `/api/v1/project/${project}/notifications?per_page=${encodeURIComponent(sql)}`, key],
      [404, 'GET', `/api/v1/project/${project}/notification/${long}`, key],
      [422, 'POST', `/api/v1/project/${project}/user/u/notifications`, { ...key, 'content-type': 'application/json' }, '{"title":'],
      [404, 'PUT', `/api/v1/project/${encodeURIComponent(sql)}/notification/x/archive`, ADMIN],
      [404, 'GET', '/does/not/exist', {}],
      // Streams: garbage cursors and tokens, duplicated and empty parameters.
      [400, 'GET', `/api/v1/client/notifications/stream?since=${long}`, user],
      [400, 'GET', `/api/v1/client/notifications/stream?since=${encodeURIComponent(sql)}&since=x`, user],
      [401, 'GET', `/api/v1/client/notifications/stream?access_token=${encodeURIComponent(sql)}`, {}],
      [401, 'GET', `/api/v1/client/notifications/ws?access_token=${long}`, { upgrade: 'websocket' }],
      [400, 'GET', '/api/v1/client/notifications/ws?since=%FF%FE', { ...user, upgrade: 'websocket' }],
      [400, 'GET', '/api/v1/client/notifications?status=pending&status=acknowledged', user],
      [400, 'GET', '/api/v1/client/notifications?limit=&cursor=', user],
      [400, 'GET', '/api/v1/client/notifications?cursor=%C3%28', user],
      // Unknown fields are ignored (the documented ones still have to be right).
      [201, 'POST', `/v1/projects/${project}/notifications`, { ...key, 'content-type': 'application/json' }, JSON.stringify({ to: [{ user: 'u' }], title: 'x', extra: { deep: [1] } })],
      [400, 'POST', `/v1/projects/${project}/notifications`, { ...key, 'content-type': 'application/json' }, JSON.stringify({ to: [{ user: 'u', admin: true }], title: 'x' })],
    ];
    // Bodies over 256 KB are refused before anything parses them, on every route that takes a body.
    const huge = JSON.stringify({ title: 'x'.repeat(1024 * 1024) });
    const bodied: [string, string, Record<string, string>][] = [
      ['POST', `/v1/projects`, ADMIN],
      ['POST', `/v1/projects/${project}/keys`, key],
      ['POST', `/v1/projects/${project}/notifications`, key],
      ['POST', '/api/v1/client/notifications/acknowledge', user],
      ['POST', `/api/v1/client/notifications/${crypto.randomUUID()}/acknowledge`, user],
      ['POST', '/notification/v1/player/me/notification', user],
      ['POST', `/api/v1/project/${project}/user/u/notifications`, key],
      ['PUT', `/api/v1/project/${project}/notification/${crypto.randomUUID()}/archive`, key],
    ];
    for (const [method, path, headers] of bodied) {
      for (const chunked of [false, true]) {
        // Without Content-Length (a stream), the limit is counted as the body arrives.
        const body = chunked ? new Blob([huge]).stream() : huge;
        const res = await call(path, { method, headers: { ...headers, 'content-type': 'application/json' }, body, ...(chunked && { duplex: 'half' }) } as RequestInit);
        expect(res.status, `${method} ${path} chunked=${chunked}`).toBe(413);
        const text = await res.text();
        expect(text).toMatch(/256 KB|too large|payload/i);
      }
    }
    for (const [status, method, path, headers, body] of requests) {
      const res = await call(path, { method, headers, body });
      const text = await res.text();
      const label = `${method} ${path.slice(0, 90)}`;
      expect(res.status, label).toBe(status);
      expect(text, label).not.toMatch(/at .*\.(ts|js):\d+|stack/i);
    }
    // The SQL fragments were only ever data.
    expect((await call(`/api/v1/project/${project}/notifications`, { headers: key })).status).toBe(200);
  });
});
