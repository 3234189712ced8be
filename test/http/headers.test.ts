import { describe, expect, it } from 'vitest';
import { asUser, call, freshProject, send } from '../helpers';

// Test configuration: CORS_ORIGINS = "https://app.example, https://admin.example".
describe('response headers', () => {
  it('every response is private to its user, carries a request id, and echoes a sane one it was given', async () => {
    const { id: project } = await freshProject('hdr');
    await send(project, { to: [{ user: 'u' }], title: 't' });
    const headers = await asUser({ sub: 'u', project });
    const page = await call('/api/v1/client/notifications', { headers });
    const responses = [
      page,
      await call('/api/v1/client/notifications', { headers: { ...headers, 'if-none-match': page.headers.get('etag')! } }),
      await call('/api/v1/client/notifications'),
      await call('/nowhere'),
      await call('/notification/v1/player/me/notification', { headers }),
    ];
    for (const res of responses) {
      expect(res.headers.get('cache-control'), `${res.status}`).toBe('private, no-cache');
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
    const given = await call('/nowhere', { headers: { 'x-request-id': 'trace-123' } });
    expect(given.headers.get('x-request-id')).toBe('trace-123');
    const odd = await call('/nowhere', { headers: { 'x-request-id': 'a b {"forged":1}' } });
    expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const stream = await call('/api/v1/client/notifications/stream', { headers });
    expect(stream.headers.get('cache-control')).toBe('private, no-cache');
    await stream.body!.cancel();
  });

  it('allows the configured origins only, and exposes the headers a browser client needs', async () => {
    const headers = await asUser({ sub: 'u' });
    const allowed = await call('/api/v1/client/notifications', { headers: { ...headers, origin: 'https://app.example' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(allowed.headers.get('access-control-expose-headers')).toBe('Allow,ETag,Retry-After,Server-Timing,Stream-Cursor,X-D1-Bookmark,X-Request-Id');
    expect(allowed.headers.get('access-control-allow-credentials')).toBeNull();

    const other = await call('/api/v1/client/notifications', { headers: { ...headers, origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();

    const preflight = await call('/api/v1/client/notifications/acknowledge', {
      method: 'OPTIONS',
      headers: { origin: 'https://admin.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://admin.example');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Authorization');
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');

    // A WebSocket upgrade from an allowed page is left alone (its 101 cannot take new headers).
    const ws = await call('/api/v1/client/notifications/ws', { headers: { ...headers, origin: 'https://app.example', upgrade: 'websocket' } });
    expect(ws.status).toBe(101);
    ws.webSocket!.accept();
    ws.webSocket!.close(1000);
  });
});
