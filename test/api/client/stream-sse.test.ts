import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { asUser, call, listenerCount, projectListenerCount, until, send, userToken, forgetEveryChange } from '../../helpers';
import { expectDeliveryByWakeUp, member, reconnectWhileCreating, SseClient, STREAM } from './stream-helpers';

/** A cursor with its position changed (its fingerprint kept): what a client could replay from elsewhere. */
function rewrite(cursor: string, change: (c: { q: number; c: number }) => object): string {
  const json = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'));
  return btoa(JSON.stringify(change(JSON.parse(json)))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

describe('client API event stream (SSE)', () => {
  it('starts with ready, then delivers a new notification in the client API shape when woken', async () => {
    const m = await member('sse');
    const stream = await SseClient.open('', m.headers);
    const ready = await stream.next();
    expect(ready).toEqual({ type: 'ready', cursor: expect.any(String) });
    await until(async () => (await listenerCount(m.project, m.user)) === 1);

    const [created] = await send(m.project, { to: [{ user: m.user }], title: 'Hi', body: 'there', priority: 'high', custom_data: { a: 1 } });
    const message = await stream.next();
    expectDeliveryByWakeUp();
    expect(message).toEqual({
      type: 'notification',
      cursor: expect.any(String),
      notification: {
        id: created!.id,
        title: 'Hi',
        body: 'there',
        category: null,
        priority: 'high',
        icon: null,
        action_url: null,
        service_id: null,
        project: null,
        custom_data: { a: 1 },
        audience: { type: 'user' },
        status: 'pending',
        created_at: expect.any(String),
        acknowledged_at: null,
        expires_at: null,
      },
    });
    // The same object the polling API answers.
    const polled = await call(`/api/v1/client/notifications/${created!.id}`, { headers: m.headers });
    expect(message.notification).toEqual(await polled.json());
    await stream.close();
  });

  it('first tells EventSource when to reconnect (retry: 2–5 s, spread), then sends ready', async () => {
    const m = await member('sse');
    const retries = new Set<number>();
    for (let i = 0; i < 4; i++) {
      const stream = await SseClient.open('', m.headers);
      await stream.next();
      expect(stream.frames[0]).toEqual({ retry: expect.stringMatching(/^\d+$/) });
      expect(stream.frames[1]!.event).toBe('ready');
      retries.add(Number(stream.frames[0]!.retry));
      await stream.close();
    }
    for (const retry of retries) {
      expect(retry).toBeGreaterThanOrEqual(2000);
      expect(retry).toBeLessThan(5000);
    }
    // Spread, so that a deploy's reconnects do not arrive together (four equal draws: about 1 in 10^10).
    expect(retries.size).toBeGreaterThan(1);
  });

  it('sends heartbeat comments while idle', async () => {
    const m = await member('sse');
    const stream = await SseClient.open('', m.headers);
    await stream.next();
    await until(async () => stream.frames.some((f) => f.comment === 'heartbeat'), 8000);
    await stream.close();
  });

  it('resumes after a disconnect from Last-Event-ID or ?since=, oldest first, without gaps or repeats', async () => {
    const m = await member('sse');
    const first = await SseClient.open('', m.headers);
    await first.next();
    const [one] = await send(m.project, { to: [{ user: m.user }], title: 'one' });
    const got = await first.nextOf('notification');
    expect(got.notification!.id).toBe(one!.id);
    await first.close();

    const [two] = await send(m.project, { to: [{ user: m.user }], title: 'two' });
    const [three] = await send(m.project, { to: [{ everyone: true }], title: 'three' });
    for (const resume of [{ query: '', headers: { ...m.headers, 'last-event-id': got.cursor } }, { query: `?since=${got.cursor}`, headers: m.headers }]) {
      const again = await SseClient.open(resume.query, resume.headers);
      expect(await again.next()).toEqual({ type: 'ready', cursor: got.cursor });
      expect((await again.next()).notification!.id).toBe(two!.id);
      expect((await again.next()).notification!.id).toBe(three!.id);
      await again.close();
    }
  });

  it('resumes (no reset) after the newest notification it saw was deleted, and says it was', async () => {
    const m = await member('sse');
    const stream = await SseClient.open('', m.headers);
    await stream.next();
    const [newest] = await send(m.project, { to: [{ user: m.user }], title: 'soon deleted' });
    const seen = await stream.nextOf('notification');
    await stream.close();
    expect((await call(`/v1/projects/${m.project}/notifications/${newest!.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${env.ADMIN_API_KEY}` } })).status).toBe(204);
    const again = await SseClient.open(`?since=${seen.cursor}`, m.headers);
    expect(await again.next()).toEqual({ type: 'ready', cursor: seen.cursor });
    expect(await again.next()).toEqual({ type: 'deleted', cursor: expect.any(String), id: newest!.id });
    await again.close();
  });

  it('tells a second device of the same user about acknowledges, reads and deletes', async () => {
    const m = await member('sse');
    const [created] = await send(m.project, { to: [{ user: m.user }], title: 'shared' });
    const phone = await SseClient.open('', m.headers);
    const tablet = await SseClient.open('', m.headers);
    await phone.next();
    await tablet.next();

    const acked = await call(`/api/v1/client/notifications/${created!.id}/acknowledge`, { method: 'POST', headers: m.headers });
    expect(acked.status).toBe(200);
    const { acknowledged_at } = (await acked.json()) as { acknowledged_at: string };
    for (const device of [phone, tablet]) {
      expect(await device.next()).toEqual({
        type: 'state',
        cursor: expect.any(String),
        state: { id: created!.id, status: 'acknowledged', read_at: null, acknowledged_at, archived_at: null },
      });
    }

    // seeds/001 marks read on a single fetch.
    expect((await call(`/api/users/${m.user}/notifications/${created!.id}`, { headers: m.headers })).status).toBe(200);
    expect((await tablet.next()).state).toMatchObject({ id: created!.id, read_at: expect.any(String), acknowledged_at });

    expect((await call(`/v1/projects/${m.project}/notifications/${created!.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${env.ADMIN_API_KEY}` } })).status).toBe(204);
    expect(await phone.nextOf('deleted')).toEqual({ type: 'deleted', cursor: expect.any(String), id: created!.id });
    await phone.close();
    await tablet.close();
  });

  it('delivers organisation and everyone notifications through the listener shards, woken by them', async () => {
    const m = await member('sse', ['guild']);
    const stream = await SseClient.open('', m.headers);
    await stream.next();
    await until(async () => (await listenerCount(m.project, m.user)) === 1);
    for (const to of [{ org: 'guild' }, { everyone: true }]) {
      const [created] = await send(m.project, { to: [to], title: 'news' });
      expect((await stream.next()).notification!.id).toBe(created!.id);
      // Long before a safety re-read could have found it: the shard woke this player.
      expectDeliveryByWakeUp();
    }
    // Not someone else's organisation.
    await send(m.project, { to: [{ org: 'other-guild' }], title: 'not for me' });
    const [mine] = await send(m.project, { to: [{ user: m.user }], title: 'mine' });
    expect((await stream.next()).notification!.id).toBe(mine!.id);
    await stream.close();
  });

  it('holds a listener slot: released when the client goes away, 409 past the player limit, 503 past the project limit', async () => {
    const m = await member('sse');
    const streams = [];
    for (let i = 0; i < 4; i++) streams.push(await SseClient.open('', m.headers));
    expect(await listenerCount(m.project, m.user)).toBe(4);
    const fifth = await call(STREAM, { headers: m.headers });
    expect(fifth.status).toBe(409);
    expect(await fifth.json()).toEqual({ error: { code: 'TOO_MANY_LISTENERS', message: 'This player already has the most listeners allowed' } });

    const other = await asUser({ sub: 'other-user', project: m.project });
    streams.push(await SseClient.open('', other), await SseClient.open('', other));
    expect(await projectListenerCount(m.project)).toBe(6);
    const third = await call(STREAM, { headers: await asUser({ sub: 'third-user', project: m.project }) });
    expect(third.status).toBe(503);
    expect(await third.json()).toEqual({ error: { code: 'CONNECTION_LIMIT_REACHED', message: 'The project has the most listeners allowed' } });

    await Promise.all(streams.map((s) => s.close()));
    await until(async () => (await projectListenerCount(m.project)) === 0);
    expect(await listenerCount(m.project, m.user)).toBe(0);
  });

  it('sends reset when the cursor is older than the stored change history, or from another database', async () => {
    const m = await member('sse');
    const stream = await SseClient.open('', m.headers);
    const ready = await stream.next();
    const [created] = await send(m.project, { to: [{ user: m.user }], title: 'x' });
    await stream.nextOf('notification');
    await stream.close();
    await call(`/api/v1/client/notifications/${created!.id}/acknowledge`, { method: 'POST', headers: m.headers });

    // Retention forgets every change so far: the acknowledge after `ready` is lost to that cursor.
    await forgetEveryChange();
    const stale = await SseClient.open(`?since=${ready.cursor}`, m.headers);
    const reset = await stale.next();
    expect(reset).toEqual({ type: 'reset', cursor: expect.any(String) });
    expect(reset.cursor).not.toBe(ready.cursor);
    await stale.close();

    // From the reset cursor on, the stream goes on normally.
    const resumed = await SseClient.open(`?since=${reset.cursor}`, m.headers);
    expect(await resumed.next()).toEqual({ type: 'ready', cursor: reset.cursor });
    const [later] = await send(m.project, { to: [{ user: m.user }], title: 'later' });
    expect((await resumed.next()).notification!.id).toBe(later!.id);
    await resumed.close();

    // A cursor ahead of everything stored (a restored or another database) cannot be trusted either.
    const ahead = await SseClient.open(`?since=${rewrite(reset.cursor, (c) => ({ ...c, c: c.c + 1_000_000 }))}`, m.headers);
    expect((await ahead.next()).type).toBe('reset');
    await ahead.close();
  });

  it('misses nothing and repeats nothing when notifications arrive while the client reconnects', async () => {
    const m = await member('sse', ['crew']);
    const { created, seen, connections } = await reconnectWhileCreating(m, (query) => SseClient.open(query, m.headers));
    expect(connections).toBeGreaterThan(3);
    expect(seen).toEqual(created);
  }, 60_000);

  it('takes the token as access_token for browsers, and refuses garbage cursors and missing tokens', async () => {
    const m = await member('sse');
    const token = await userToken({ sub: m.user, project: m.project });
    const browser = await SseClient.open(`?access_token=${token}`, {});
    expect((await browser.next()).type).toBe('ready');
    await browser.close();

    // Only the two stream routes read it.
    const list = await call(`/api/v1/client/notifications?access_token=${token}`);
    expect(list.status).toBe(401);

    const none = await call(STREAM);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('AUTH_INVALID_TOKEN');

    const garbage = await call(`${STREAM}?since=not-a-cursor`, { headers: m.headers });
    expect(garbage.status).toBe(400);
    expect(await garbage.json()).toEqual({ error: { code: 'INVALID_PARAMETER', message: 'since is not a cursor this request can continue from' } });

    // Someone else's cursor is not a place in this user's stream.
    const other = await SseClient.open('', await asUser({ sub: 'someone-else', project: m.project }));
    const theirs = (await other.next()).cursor;
    await other.close();
    const foreign = await call(STREAM, { headers: { ...m.headers, 'last-event-id': theirs } });
    expect(foreign.status).toBe(400);
    expect(await foreign.json()).toEqual({ error: { code: 'INVALID_PARAMETER', message: 'Last-Event-ID is not a cursor this request can continue from' } });
  });

  it('never writes the access token to the logs, also when the request fails', async () => {
    const m = await member('sse');
    const token = await userToken({ sub: m.user, project: m.project });
    const expired = await userToken({ sub: m.user, project: m.project }, { expiresIn: -60 });
    const lines: string[] = [];
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' '))),
    );
    try {
      const ok = await SseClient.open(`?access_token=${token}`, {});
      await ok.next();
      await ok.close();
      expect((await call(`${STREAM}?access_token=${expired}`)).status).toBe(401);
      expect((await call(`${STREAM}?access_token=${token}&since=garbage`)).status).toBe(400);
      const ws = await call(`/api/v1/client/notifications/ws?access_token=${token}`, { headers: { upgrade: 'websocket' } });
      expect(ws.status).toBe(101);
      ws.webSocket!.accept();
      ws.webSocket!.close(1000);
    } finally {
      spies.forEach((spy) => spy.mockRestore());
    }
    expect(lines.filter((line) => line.includes(token) || line.includes(expired))).toEqual([]);
  });
});
