import { env } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { UNTIL_CLOSED } from '../../../src/realtime/leases';
import { asUser, call, listenerCount, playerRoomStub, projectListenerCount, until, send, userToken, forgetEveryChange } from '../../helpers';
import { expectDeliveryByWakeUp, member, reconnectWhileCreating, SseClient, WS, WsClient } from './stream-helpers';

describe('client API WebSocket', () => {
  it('starts with ready and delivers notifications as JSON messages when woken; answers ping with pong', async () => {
    const m = await member('ws');
    const ws = await WsClient.open('', m.headers);
    expect(await ws.next()).toEqual({ type: 'ready', cursor: expect.any(String) });
    expect(await listenerCount(m.project, m.user)).toBe(1);

    const [created] = await send(m.project, { to: [{ user: m.user }], title: 'Hi', body: 'ws', category: 'game' });
    const message = await ws.next();
    expectDeliveryByWakeUp();
    const polled = await call(`/api/v1/client/notifications/${created!.id}`, { headers: m.headers });
    expect(message).toEqual({ type: 'notification', cursor: expect.any(String), notification: await polled.json() });

    ws.socket.send('ping');
    await until(async () => ws.texts.includes('pong'));
    ws.close();
  });

  it('resumes from since, also from a cursor the event stream gave (one cursor for both transports)', async () => {
    const m = await member('ws', ['team']);
    const sse = await SseClient.open('', m.headers);
    const ready = await sse.next();
    await sse.close();
    const [a] = await send(m.project, { to: [{ user: m.user }], title: 'a' });
    const [b] = await send(m.project, { to: [{ org: 'team' }], title: 'b' });

    const ws = await WsClient.open(`?since=${ready.cursor}`, m.headers);
    expect(await ws.next()).toEqual({ type: 'ready', cursor: ready.cursor });
    const first = await ws.next();
    expect(first.notification!.id).toBe(a!.id);
    expect((await ws.next()).notification!.id).toBe(b!.id);
    ws.close();
    await until(async () => (await listenerCount(m.project, m.user)) === 0);

    const [c] = await send(m.project, { to: [{ everyone: true }], title: 'c' });
    const again = await WsClient.open(`?since=${first.cursor}`, m.headers);
    await again.next();
    expect((await again.next()).notification!.id).toBe(b!.id);
    expect((await again.next()).notification!.id).toBe(c!.id);
    again.close();
  });

  it('sends state to the other devices when one acknowledges, and deleted when the operator archives', async () => {
    const m = await member('ws');
    const [created] = await send(m.project, { to: [{ user: m.user }], title: 'x' });
    const phone = await WsClient.open('', m.headers);
    await phone.next();
    const ack = await call(`/api/v1/client/notifications/acknowledge`, {
      method: 'POST',
      headers: { ...m.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ ids: [created!.id] }),
    });
    expect(ack.status).toBe(200);
    const state = await phone.next();
    expect(state).toEqual({
      type: 'state',
      cursor: expect.any(String),
      state: { id: created!.id, status: 'acknowledged', read_at: null, acknowledged_at: expect.any(String), archived_at: null },
    });

    const archived = await call(`/api/v1/project/${m.project}/notification/${created!.id}/archive`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${env.ADMIN_API_KEY}` },
    });
    expect(archived.status).toBe(200);
    expect(await phone.next()).toEqual({ type: 'deleted', cursor: expect.any(String), id: created!.id });
    phone.close();
  });

  it('counts sockets with the other listeners: 409 past the player limit, 503 past the project limit, released on close', async () => {
    const m = await member('ws');
    const sockets = [];
    for (let i = 0; i < 3; i++) sockets.push(await WsClient.open('', m.headers));
    const sse = await SseClient.open('', m.headers);
    const fifth = await call(WS, { headers: { ...m.headers, upgrade: 'websocket' } });
    expect(fifth.status).toBe(409);
    expect(await fifth.json()).toEqual({ error: { code: 'TOO_MANY_LISTENERS', message: 'This player already has the most listeners allowed' } });

    const other = await asUser({ sub: 'other', project: m.project });
    sockets.push(await WsClient.open('', other), await WsClient.open('', other));
    expect(await projectListenerCount(m.project)).toBe(6);
    const third = await call(WS, { headers: { ...(await asUser({ sub: 'third', project: m.project })), upgrade: 'websocket' } });
    expect(third.status).toBe(503);
    expect(await third.json()).toEqual({ error: { code: 'CONNECTION_LIMIT_REACHED', message: 'The project has the most listeners allowed' } });

    sockets.forEach((s) => s.close());
    await sse.close();
    await until(async () => (await projectListenerCount(m.project)) === 0, 12_000);
    expect(await listenerCount(m.project, m.user)).toBe(0);
  });

  it('forgets the slot of a socket that vanished without a close event (object restarted)', async () => {
    const m = await member('ws');
    const room = playerRoomStub(m.project, m.user);
    // Four socket leases whose sockets no longer exist: the player would be full.
    await runInDurableObject(room, (_instance, state) => {
      for (let i = 0; i < 4; i++) {
        state.storage.sql.exec(
          'INSERT INTO listener_leases (id, expires_at, user_id, orgs) VALUES (?, ?, ?, ?)',
          `ghost-${i}`,
          UNTIL_CLOSED,
          m.user,
          '[]',
        );
      }
    });
    expect(await listenerCount(m.project, m.user)).toBe(4);
    const ws = await WsClient.open('', m.headers);
    expect((await ws.next()).type).toBe('ready');
    expect(await listenerCount(m.project, m.user)).toBe(1);
    ws.close();
  });

  it('sends reset for a cursor older than the stored change history', async () => {
    const m = await member('ws');
    const ws = await WsClient.open('', m.headers);
    const ready = await ws.next();
    ws.close();
    const [created] = await send(m.project, { to: [{ user: m.user }], title: 'x' });
    await call(`/api/v1/client/notifications/${created!.id}/acknowledge`, { method: 'POST', headers: m.headers });
    await forgetEveryChange();

    const stale = await WsClient.open(`?since=${ready.cursor}`, m.headers);
    const reset = await stale.next();
    expect(reset).toEqual({ type: 'reset', cursor: expect.any(String) });
    const [later] = await send(m.project, { to: [{ user: m.user }], title: 'later' });
    expect((await stale.next()).notification!.id).toBe(later!.id);
    stale.close();
  });

  it('misses nothing and repeats nothing when notifications arrive while the client reconnects', async () => {
    const m = await member('ws', ['crew']);
    const { created, seen, connections } = await reconnectWhileCreating(m, (query) => WsClient.open(query, m.headers));
    expect(connections).toBeGreaterThan(3);
    expect(seen).toEqual(created);
  }, 60_000);

  it('takes access_token, and refuses a request that is not an upgrade, a missing token and a garbage since', async () => {
    const m = await member('ws');
    const token = await userToken({ sub: m.user, project: m.project });
    const browser = await WsClient.open(`?access_token=${token}`, {});
    expect((await browser.next()).type).toBe('ready');
    browser.close();

    const plain = await call(WS, { headers: m.headers });
    expect(plain.status).toBe(400);
    expect(await plain.json()).toEqual({ error: { code: 'INVALID_PARAMETER', message: 'This endpoint needs a WebSocket upgrade (Upgrade: websocket)' } });
    const none = await call(WS, { headers: { upgrade: 'websocket' } });
    expect(none.status).toBe(401);
    const garbage = await call(`${WS}?since=%00`, { headers: { ...m.headers, upgrade: 'websocket' } });
    expect(garbage.status).toBe(400);
    expect(((await garbage.json()) as { error: { code: string } }).error.code).toBe('INVALID_PARAMETER');
  });
});
