import { describe, expect, it } from 'vitest';
import { call, listenerCount, projectListenerCount } from '../helpers';
import { member, SseClient, STREAM, WS, WsClient } from '../api/client/stream-helpers';
import { PLAYER } from '../api/player/helpers';

// README "Browsers and origins": listener routes refuse pages of origins that may not call them.
// vitest.config.ts allows https://app.example and https://admin.example; the tests' own origin is
// http://inbox.test.

const LP = `${PLAYER}/me/stream/notification/lp?deadline=5`;

describe('listener routes and the Origin header', () => {
  it('refuses a page of another origin with 403 in each dialect’s shape, before a slot or a token is looked at', async () => {
    const m = await member('origin');
    for (const origin of ['https://evil.example', 'null', 'https://app.example.evil.example', 'http://app.example']) {
      const headers = { ...m.headers, origin };
      const stream = await call(STREAM, { headers });
      expect(stream.status, origin).toBe(403);
      expect(await stream.json()).toEqual({
        error: {
          code: 'ORIGIN_NOT_ALLOWED',
          message: `Pages of ${origin} may not listen here: it is not this service's origin nor in CORS_ORIGINS`,
        },
      });
      const socket = await call(WS, { headers: { ...headers, upgrade: 'websocket' } });
      expect(socket.status).toBe(403);
      expect(((await socket.json()) as { error: { code: string } }).error.code).toBe('ORIGIN_NOT_ALLOWED');
      const poll = await call(LP, { headers });
      expect(poll.status).toBe(403);
      expect(await poll.json()).toEqual({
        auth_success: true,
        error_code: 'origin_not_allowed',
        desc: `Pages of ${origin} may not listen here: it is not this service's origin nor in CORS_ORIGINS`,
      });
    }
    // Even with no token at all: the origin is the first thing asked.
    const anonymous = await call(`${STREAM}?access_token=x`, { headers: { origin: 'https://evil.example' } });
    expect(anonymous.status).toBe(403);
    expect(await listenerCount(m.project, m.user)).toBe(0);
    expect(await projectListenerCount(m.project)).toBe(0);
  });

  it('lets in the allowed origins, the service’s own origin, and requests with no Origin (not a browser)', async () => {
    const m = await member('origin');
    const allowed: Record<string, string>[] = [{ origin: 'https://app.example' }, { origin: 'https://admin.example' }, { origin: 'http://inbox.test' }, {}];
    const streams = [];
    for (const extra of allowed) streams.push(await SseClient.open('', { ...m.headers, ...extra }));
    expect(await listenerCount(m.project, m.user)).toBe(4);
    await Promise.all(streams.map((s) => s.close()));

    const socket = await WsClient.open('', { ...m.headers, origin: 'https://app.example' });
    expect((await socket.next()).type).toBe('ready');
    socket.close();
    const poll = await call(LP.replace('deadline=5', 'deadline=0'), { headers: { ...m.headers, origin: 'http://inbox.test' } });
    expect(poll.status).toBe(200);
  });
});
