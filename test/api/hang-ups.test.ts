import { describe, expect, it } from 'vitest';
import { call, listenerCount, projectListenerCount, until } from '../helpers';
import { member, SseClient, STREAM, WsClient } from './client/stream-helpers';
import { PLAYER } from './player/helpers';

// Slots follow real connections: a client that hangs up gives its slot back at once (here, as
// deployed, the runtime aborts request.signal; no probe writes are configured in these tests).
// `npm run check:listeners` checks the same against `npm start`, where a probe write finds the hang-up.

const LP = `${PLAYER}/me/stream/notification/lp?deadline=120`;

describe('hang-ups', () => {
  it('four long polls whose clients hung up do not lock the player out', async () => {
    const m = await member('hangup');
    const clients = Array.from({ length: 4 }, () => new AbortController());
    const polls = await Promise.all(clients.map((client) => call(LP, { headers: m.headers, signal: client.signal })));
    expect(polls.map((p) => p.status)).toEqual([200, 200, 200, 200]);
    expect(await listenerCount(m.project, m.user)).toBe(4);
    expect((await call(STREAM, { headers: m.headers })).status).toBe(409);

    clients.forEach((client) => client.abort());
    await until(async () => (await listenerCount(m.project, m.user)) === 0);
    expect(await projectListenerCount(m.project)).toBe(0);
    // The reloaded page gets all four back.
    const again = [await SseClient.open('', m.headers), await SseClient.open('', m.headers), await WsClient.open('', m.headers)];
    const poll = await call(LP.replace('deadline=120', 'deadline=0'), { headers: m.headers });
    expect(poll.status).toBe(200);
    await Promise.all(again.map((c) => c.close()));
  });

  it('four event streams and four sockets whose clients went away give their slots back', async () => {
    const m = await member('hangup');
    const streams = await Promise.all(Array.from({ length: 4 }, () => SseClient.open('', m.headers)));
    await Promise.all(streams.map((s) => s.next()));
    expect(await listenerCount(m.project, m.user)).toBe(4);
    await Promise.all(streams.map((s) => s.close()));
    await until(async () => (await listenerCount(m.project, m.user)) === 0);

    const sockets = await Promise.all(Array.from({ length: 4 }, () => WsClient.open('', m.headers)));
    expect(await listenerCount(m.project, m.user)).toBe(4);
    sockets.forEach((s) => s.close());
    await until(async () => (await listenerCount(m.project, m.user)) === 0);
    expect(await projectListenerCount(m.project)).toBe(0);
  });
});
