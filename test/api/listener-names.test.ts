import { describe, expect, it } from 'vitest';
import { asUser, call, listenerCount, projectListenerCount, send, until } from '../helpers';
import { member, SseClient, STREAM, WS, WsClient } from './client/stream-helpers';
import { json, PLAYER, player, type Page } from './player/helpers';

// README "Listener names": `listener_id` on the long poll, the event stream and the WebSocket.

const lp = (query: string, headers: Record<string, string>) => call(`${PLAYER}/me/stream/notification/lp${query}`, { headers });

/** Resolves when the event stream's body ends (the server closed it). */
function ended(stream: SseClient): Promise<void> {
  return until(async () => stream.ended, 5000).then(() => {});
}

describe('listener_id', () => {
  it('a long poll with the name of a waiting one takes its slot; the old one answers an empty page with its cursor', async () => {
    const p = await player();
    const first = await lp('?deadline=60&listener_id=game-1', p.headers);
    expect(first.status).toBe(200);
    expect(await listenerCount(p.project, p.id)).toBe(1);

    const second = lp('?deadline=60&listener_id=game-1', p.headers);
    // Answered at once, not at its 60 s deadline: nothing consumed, the cursor is where it asked from.
    const old = await json<Page>(first);
    expect(old.notifications).toEqual([]);
    const resumed = await json<Page>(await lp(`?deadline=0&exclude_before=${old.cursor}`, p.headers));
    expect(resumed).toEqual({ notifications: [], cursor: old.cursor });

    const replacing = await second;
    expect(replacing.status).toBe(200);
    expect(await listenerCount(p.project, p.id)).toBe(1);
    expect(await projectListenerCount(p.project)).toBe(1);
    await replacing.body!.cancel();
    await until(async () => (await listenerCount(p.project, p.id)) === 0);
    expect(await projectListenerCount(p.project)).toBe(0);
  });

  it('an event stream with a held name closes the old stream; a socket with a held name closes the old socket with 4000', async () => {
    const m = await member('named');
    const old = await SseClient.open('?listener_id=tab-a', m.headers);
    const ready = await old.next();
    const replacing = await SseClient.open('?listener_id=tab-a', m.headers);
    // Its last message says why it ends (an EventSource would otherwise reconnect and take the name back).
    expect(await old.next()).toEqual({ type: 'replaced', cursor: ready.cursor });
    await ended(old);
    expect(await listenerCount(m.project, m.user)).toBe(1);

    const socket = await WsClient.open('?listener_id=phone', m.headers);
    await socket.next();
    const newer = await WsClient.open('?listener_id=phone', m.headers);
    expect((await newer.next()).type).toBe('ready');
    await until(async () => socket.closed);
    expect(socket.closeCode).toBe(4000);
    expect(await listenerCount(m.project, m.user)).toBe(2);

    // One name across transports: a socket takes an event stream's place, and the other way round.
    const socketForStream = await WsClient.open('?listener_id=tab-a', m.headers);
    await socketForStream.next();
    await ended(replacing);
    const streamForSocket = await SseClient.open('?listener_id=phone', m.headers);
    await streamForSocket.next();
    await until(async () => newer.closed);
    expect(newer.closeCode).toBe(4000);
    expect(await listenerCount(m.project, m.user)).toBe(2);
    expect(await projectListenerCount(m.project)).toBe(2);

    socketForStream.close();
    await streamForSocket.close();
    await until(async () => (await listenerCount(m.project, m.user)) === 0);
    expect(await projectListenerCount(m.project)).toBe(0);
  });

  it('accepts four named listeners that reconnect before the server noticed the old connections had gone', async () => {
    const m = await member('named');
    const p = { project: m.project, headers: m.headers };
    // The old connections stay open on this side: to the server they are still live (a phone that
    // lost its network says nothing).
    const oldPoll = await lp('?deadline=120&listener_id=poll', p.headers);
    const oldStreams = [await SseClient.open('?listener_id=sse-1', m.headers), await SseClient.open('?listener_id=sse-2', m.headers)];
    const oldSocket = await WsClient.open('?listener_id=ws', m.headers);
    expect(await listenerCount(m.project, m.user)).toBe(4);
    expect((await call(STREAM, { headers: m.headers })).status).toBe(409);

    const [poll, sse1, sse2, socket] = await Promise.all([
      lp('?deadline=120&listener_id=poll', p.headers),
      SseClient.open('?listener_id=sse-1', m.headers),
      SseClient.open('?listener_id=sse-2', m.headers),
      WsClient.open('?listener_id=ws', m.headers),
    ]);
    expect(poll.status).toBe(200);
    expect(await listenerCount(m.project, m.user)).toBe(4);
    expect(await projectListenerCount(m.project)).toBe(4);
    expect((await json<Page>(oldPoll)).notifications).toEqual([]);
    await Promise.all(oldStreams.map(ended));
    await until(async () => oldSocket.closed);

    await poll.body!.cancel();
    await Promise.all([sse1.close(), sse2.close()]);
    socket.close();
    await until(async () => (await listenerCount(m.project, m.user)) === 0);
    expect(await projectListenerCount(m.project)).toBe(0);
  });

  it('never reaches another user’s listeners, and unnamed listeners keep the limit', async () => {
    const m = await member('named');
    const other = await asUser({ sub: 'someone-else', project: m.project });
    const mine = await SseClient.open('?listener_id=same', m.headers);
    await mine.next();
    const theirs = await SseClient.open('?listener_id=same', other);
    await theirs.next();
    expect(await listenerCount(m.project, m.user)).toBe(1);
    expect(await listenerCount(m.project, 'someone-else')).toBe(1);
    // Both still follow their inboxes.
    const [a] = await send(m.project, { to: [{ user: m.user }], title: 'mine' });
    const [b] = await send(m.project, { to: [{ user: 'someone-else' }], title: 'theirs' });
    expect((await mine.nextOf('notification')).notification!.id).toBe(a!.id);
    expect((await theirs.nextOf('notification')).notification!.id).toBe(b!.id);

    const unnamed = [];
    for (let i = 0; i < 3; i++) unnamed.push(await SseClient.open('', m.headers));
    const fifth = await call(`${STREAM}?listener_id=fresh`, { headers: m.headers });
    expect(fifth.status).toBe(409);
    expect(await fifth.json()).toEqual({ error: { code: 'TOO_MANY_LISTENERS', message: 'This player already has the most listeners allowed' } });
    // A refused listener takes nothing: the four are still held.
    expect(await listenerCount(m.project, m.user)).toBe(4);

    await Promise.all([mine, theirs, ...unnamed].map((s) => s.close()));
    await until(async () => (await projectListenerCount(m.project)) === 0);
  });

  it('refuses a listener_id that is empty, too long or has other characters, in each dialect’s shape', async () => {
    const m = await member('named');
    for (const bad of ['', 'x'.repeat(65), 'tab%201', 'tab.1', 'ü']) {
      const res = await call(`${STREAM}?listener_id=${bad}`, { headers: m.headers });
      expect(res.status, bad).toBe(400);
      expect(await res.json()).toEqual({
        error: { code: 'INVALID_PARAMETER', message: 'listener_id: must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -' },
      });
      expect((await call(`${WS}?listener_id=${bad}`, { headers: { ...m.headers, upgrade: 'websocket' } })).status).toBe(400);
    }
    const res = await lp(`?listener_id=${'x'.repeat(65)}`, m.headers);
    expect(res.status).toBe(422);
    expect(await res.json()).toEqual({
      detail: [
        {
          loc: ['query', 'listener_id'],
          msg: 'must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -',
          type: 'string_pattern_mismatch',
        },
      ],
    });
    expect(await listenerCount(m.project, m.user)).toBe(0);
    const longest = await SseClient.open(`?listener_id=${'A-z_9'.repeat(12)}abcd`, m.headers);
    await longest.next();
    await longest.close();
  });
});
