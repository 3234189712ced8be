import { describe, expect, it } from 'vitest';
import { fakeVisibility, note, refusal, slowAnswer, T0 } from './fakes';
import { live, setup, started } from './setup';

const at = (ms: number) => new Date(ms).toISOString();

describe('acknowledge', () => {
  it('is optimistic, then takes the server’s answer; the stream’s echo changes nothing', async () => {
    const t = await live();
    t.server.now = () => T0 + 999;
    const [a] = t.items;
    const done = t.inbox.acknowledge(a!.id);
    expect(t.inbox.state.notifications[0]).toEqual({ ...a, status: 'acknowledged', acknowledged_at: at(T0) });
    expect(t.inbox.state.counts).toEqual({ total: 3, pending: 2 });
    await done;
    expect(t.server.callsTo(`/${a!.id}/acknowledge`, 'POST')).toHaveLength(1);
    expect(t.inbox.state.notifications[0]).toEqual({ ...a, status: 'acknowledged', acknowledged_at: at(T0 + 999) });
    t.socket.receive({ type: 'state', cursor: 'c11', state: { id: a!.id, status: 'acknowledged', read_at: null, acknowledged_at: at(T0 + 999), archived_at: null } });
    expect(t.inbox.state.counts).toEqual({ total: 3, pending: 2 });
  });

  it('rolls back with the error when it fails', async () => {
    const t = await live();
    t.server.refuse = (c) => (c.method == 'POST' ? refusal(500, 'INTERNAL_ERROR') : undefined);
    const before = t.inbox.state;
    const done = t.inbox.acknowledge(t.items[1]!.id);
    expect(t.inbox.state.counts.pending).toBe(2);
    await expect(done).rejects.toMatchObject({ code: 'INTERNAL_ERROR', status: 500 });
    expect(t.inbox.state.notifications).toEqual(before.notifications);
    expect(t.inbox.state.counts).toEqual(before.counts);
    expect(t.inbox.state.error).toMatchObject({ code: 'INTERNAL_ERROR' });
  });

  it('takes 409 already responded as acknowledged', async () => {
    const t = await live();
    const [a] = t.items;
    t.server.items[0] = { ...a!, status: 'acknowledged', acknowledged_at: at(T0 - 5000) };
    await t.inbox.acknowledge(a!.id);
    expect(t.inbox.state.notifications[0]).toMatchObject({ status: 'acknowledged' });
    expect(t.inbox.state.counts).toEqual({ total: 3, pending: 2 });
    expect(t.inbox.state.error).toBeUndefined();
  });

  it('drops one the server no longer has (404) and asks for the counts', async () => {
    const t = await live();
    const [, b] = t.items;
    t.server.items.splice(1, 1);
    await expect(t.inbox.acknowledge(b!.id)).rejects.toMatchObject({ code: 'NOTIFICATION_NOT_FOUND' });
    await t.clock.advance(0);
    expect(t.inbox.state.notifications.map((n) => n.id)).toEqual([t.items[0]!.id, t.items[2]!.id]);
    expect(t.inbox.state.counts).toEqual({ total: 2, pending: 2 });
    expect(t.server.callsTo('/counts')).toHaveLength(2);
  });

  it('does not let a /counts answer requested before it put the pending count back, and asks again after', async () => {
    const t = await live();
    // A /counts request under way (for an event about one not held), whose answer comes after the acknowledge.
    let answer: ReturnType<typeof slowAnswer> | undefined;
    t.server.refuse = (c) => (c.route == '/counts' && !answer ? (answer = slowAnswer(t.server.counts(), { etag: '"k-before"' })).response : undefined);
    t.socket.receive({ type: 'deleted', cursor: 'c11', id: 'not-held' });
    await t.clock.advance(0);
    expect(t.server.callsTo('/counts')).toHaveLength(2);
    await t.inbox.acknowledge(t.items[0]!.id);
    expect(t.inbox.state.counts).toEqual({ total: 3, pending: 2 });
    answer!.finish();
    await t.clock.advance(0);
    // The answer counts the acknowledged one as pending: not shown.
    expect(t.inbox.state.counts).toEqual({ total: 3, pending: 2 });
    await t.clock.advance(1000);
    expect(t.server.callsTo('/counts')).toHaveLength(3);
    expect(t.inbox.state.counts).toEqual({ total: 3, pending: 2 });
  });
});

describe('acknowledgeAll', () => {
  it('acknowledges through the newest held notification, optimistically; one it has not shown stays pending', async () => {
    const t = await live();
    const unseen = note();
    t.server.items.unshift(unseen);
    const done = t.inbox.acknowledgeAll();
    expect(t.inbox.state.notifications.map((n) => [n.status, n.acknowledged_at])).toEqual(t.items.map(() => ['acknowledged', at(T0)]));
    expect(t.inbox.state.counts).toEqual({ total: 3, pending: 0 });
    expect(await done).toBe(3);
    const [call] = t.server.callsTo('/acknowledge-all', 'POST');
    expect(call!.body).toEqual({ through: t.items[0]!.id });
    expect(call!.headers.get('content-type')).toBe('application/json');
    await t.clock.advance(0);
    expect(t.server.items.map((n) => n.status)).toEqual(['pending', 'acknowledged', 'acknowledged', 'acknowledged']);
    expect(t.inbox.state.counts).toEqual({ total: 4, pending: 1 });
  });

  it('rolls back on failure, leaving those acknowledged before as they were', async () => {
    const done = note({ status: 'acknowledged', acknowledged_at: at(T0 - 1) });
    const t = await live({}, [note(), done, note()]);
    t.server.refuse = (c) => (c.method == 'POST' ? refusal(503, 'SERVICE_UNAVAILABLE') : undefined);
    const before = t.inbox.state;
    const all = t.inbox.acknowledgeAll();
    expect(t.inbox.state.counts.pending).toBe(0);
    await expect(all).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE', status: 503 });
    await t.clock.advance(0);
    expect(t.inbox.state.notifications).toEqual(before.notifications);
    expect(t.inbox.state.counts).toEqual({ total: 3, pending: 2 });
  });

  it('does not let a /counts answer requested before it put the pending count back', async () => {
    const t = await live();
    let answer: ReturnType<typeof slowAnswer> | undefined;
    t.server.refuse = (c) => (c.route == '/counts' && !answer ? (answer = slowAnswer(t.server.counts(), { etag: '"k-before"' })).response : undefined);
    t.socket.receive({ type: 'deleted', cursor: 'c11', id: 'not-held' });
    await t.clock.advance(0);
    expect(await t.inbox.acknowledgeAll()).toBe(3);
    const shown: number[] = [];
    t.inbox.subscribe((state) => shown.push(state.counts.pending));
    answer!.finish();
    await t.clock.advance(0);
    // Never back to 3 pending, not even for a moment; the counts asked for after the acknowledge are shown.
    expect(shown).not.toContain(3);
    expect(t.server.callsTo('/counts')).toHaveLength(3);
    expect(t.inbox.state.counts).toEqual({ total: 3, pending: 0 });
  });

  it('goes through the next held notification when the newest is gone (404), instead of rolling back', async () => {
    const t = await live();
    const [a, b, c] = t.items;
    // a was deleted (or archived, or expired) before the stream said so.
    t.server.items.shift();
    expect(await t.inbox.acknowledgeAll()).toBe(2);
    expect(t.server.callsTo('/acknowledge-all', 'POST').map((call) => call.body.through)).toEqual([a!.id, b!.id]);
    await t.clock.advance(0);
    expect(t.inbox.state.notifications.map((n) => [n.id, n.status])).toEqual([
      [b!.id, 'acknowledged'],
      [c!.id, 'acknowledged'],
    ]);
    expect(t.inbox.state.counts).toEqual({ total: 2, pending: 0 });
    expect(t.inbox.state.error).toBeUndefined();
  });

  it('tries a few held notifications at most, then rolls back; resolves 0 when none held is left', async () => {
    const items = [note(), note(), note(), note(), note()];
    const t = await live({}, items);
    t.server.items = items.slice(4);
    await expect(t.inbox.acknowledgeAll()).rejects.toMatchObject({ code: 'NOTIFICATION_NOT_FOUND' });
    expect(t.server.callsTo('/acknowledge-all', 'POST')).toHaveLength(4);
    await t.clock.advance(0);
    // The four gone are dropped, the one left is pending again.
    expect(t.inbox.state.notifications).toEqual([items[4]]);
    t.server.items = [];
    expect(await t.inbox.acknowledgeAll()).toBe(0);
    expect(t.inbox.state.notifications).toEqual([]);
  });

  it('does nothing on an empty inbox', async () => {
    const t = await live({}, []);
    expect(await t.inbox.acknowledgeAll()).toBe(0);
    expect(t.server.callsTo('/acknowledge-all', 'POST')).toHaveLength(0);
  });
});

describe('loadMore', () => {
  it('appends the next pages, one request at a time, until there are no more', async () => {
    const items = [note(), note(), note(), note(), note()];
    const t = await live({ pageSize: 2 }, items);
    expect(t.inbox.state).toMatchObject({ notifications: items.slice(0, 2), hasMore: true });
    await Promise.all([t.inbox.loadMore(), t.inbox.loadMore()]);
    expect(t.server.callsTo('').map((c) => Object.fromEntries(c.url.searchParams))).toEqual([{ limit: '2' }, { limit: '2', cursor: items[1]!.id }]);
    expect(t.inbox.state).toMatchObject({ notifications: items.slice(0, 4), hasMore: true });
    await t.inbox.loadMore();
    expect(t.inbox.state).toMatchObject({ notifications: items, hasMore: false });
    await t.inbox.loadMore();
    expect(t.server.callsTo('')).toHaveLength(3);
  });

  it('drops a page that a resync overtook (it would follow the list the resync replaced)', async () => {
    const items = [note(), note(), note(), note(), note()];
    const t = await live({ pageSize: 2 }, items);
    // The next page's answer is slow; meanwhile a new notification and a `reset` bring a fresh first page.
    let answer!: () => void;
    t.server.refuse = (c) => {
      if (!c.url.searchParams.get('cursor')) return undefined;
      const page = { notifications: [items[2], items[3]], pagination: { next_cursor: items[3]!.id, has_more: true, total_count: 6 } };
      return new Response(new ReadableStream({ start: (body) => void (answer = () => (body.enqueue(new TextEncoder().encode(JSON.stringify(page))), body.close())) }));
    };
    const loading = t.inbox.loadMore();
    await t.clock.advance(0);
    const fresh = note();
    t.server.items.unshift(fresh);
    t.socket.receive({ type: 'reset', cursor: t.server.touch() });
    await t.clock.advance(0);
    expect(t.inbox.state.notifications).toEqual([fresh, items[0]]);
    answer();
    await loading;
    // Appending items[2] and [3] here would hide items[1] for good.
    expect(t.inbox.state.notifications).toEqual([fresh, items[0]]);
    t.server.refuse = undefined;
    await t.inbox.loadMore();
    expect(t.inbox.state.notifications).toEqual([fresh, ...items.slice(0, 3)]);
  });

  it('de-duplicates what it already holds', async () => {
    const items = [note(), note(), note()];
    const t = await live({ pageSize: 2 }, items);
    const fresh = note();
    t.server.items.unshift(fresh);
    t.socket.receive({ type: 'notification', cursor: t.server.touch(), notification: fresh });
    // The server's next page after items[1] is items[2]; a page that repeats one held must not repeat it here.
    t.server.refuse = (c) =>
      c.url.searchParams.get('cursor')
        ? new Response(JSON.stringify({ notifications: [items[1], items[2]], pagination: { next_cursor: null, has_more: false, total_count: 4 } }))
        : undefined;
    await t.inbox.loadMore();
    expect(t.inbox.state.notifications.map((n) => n.id)).toEqual([fresh, ...items].map((n) => n.id));
  });
});

describe('expiry', () => {
  it('waits for an expiry more than 2^31-1 ms away (a longer timer runs at once) without asking anything before', async () => {
    const day = 24 * 3600000;
    const far = note({ expires_at: at(T0 + 40 * day) });
    const visibility = fakeVisibility(false);
    // Polls paused, so that only the expiry's timer runs.
    const t = await started(setup({ transport: 'poll', visibility, polling: { pauseInBackground: true } }, [note(), far]));
    expect(t.clock.pending()).toEqual([2 ** 31 - 1]);
    await t.clock.advance(2 ** 31 - 1);
    expect(t.server.calls).toHaveLength(2);
    expect(t.inbox.state.notifications).toHaveLength(2);
    expect(t.clock.pending()).toEqual([40 * day - (2 ** 31 - 1)]);
    t.server.items.pop();
    await t.clock.advance(40 * day - (2 ** 31 - 1));
    expect(t.inbox.state.notifications.map((n) => n.id)).toEqual([t.items[0]!.id]);
    expect(t.server.callsTo('/counts')).toHaveLength(2);
    expect(t.inbox.state.counts).toEqual({ total: 1, pending: 1 });
  });

  it('drops a notification when it expires (the server sends nothing) and asks for the counts', async () => {
    const soon = note({ expires_at: at(T0 + 30000) });
    const t = await live({}, [note(), soon, note({ expires_at: at(T0 + 3600000) })]);
    t.server.items.splice(1, 1);
    await t.clock.advance(29999);
    expect(t.inbox.state.notifications).toHaveLength(3);
    t.socket.receive('pong');
    await t.clock.advance(1);
    expect(t.inbox.state.notifications.map((n) => n.id)).toEqual([t.items[0]!.id, t.items[2]!.id]);
    expect(t.inbox.state.counts).toEqual({ total: 2, pending: 2 });
    expect(t.server.callsTo('/counts')).toHaveLength(2);
  });
});
