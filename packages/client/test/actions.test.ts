import { describe, expect, it } from 'vitest';
import { fakeVisibility, note, refusal, slowAnswer, T0 } from './fakes';
import { createApi } from '../src/http';
import { live, setup, started } from './setup';

const at = (ms: number) => new Date(ms).toISOString();

const stateOf = (id: string, acknowledged_at: string) =>
  ({ type: 'state', cursor: 'c11', state: { id, status: 'acknowledged', read_at: null, acknowledged_at, archived_at: null } }) as const;

describe('acknowledge', () => {
  it('is optimistic, shows the server’s time once answered, and ends when the stream shows it; the counts never go back', async () => {
    const t = await live();
    t.server.now = () => T0 + 999;
    const [a] = t.items;
    const pendings: number[] = [];
    t.inbox.subscribe((state) => pendings.push(state.counts.pending));
    const done = t.inbox.acknowledge(a!.id);
    expect(t.inbox.state.notifications[0]).toEqual({ ...a, status: 'acknowledged', acknowledged_at: at(T0) });
    expect(t.inbox.state.counts).toEqual({ total: 3, pending: 2 });
    // The server's counts from before the acknowledge (a round under way) do not put it back.
    t.socket.receive({ type: 'counts', cursor: 'c10', counts: { total: 3, pending: 3 } });
    expect(t.inbox.state.counts).toEqual({ total: 3, pending: 2 });
    await done;
    expect(t.server.callsTo(`/${a!.id}/acknowledge`, 'POST')).toHaveLength(1);
    expect(t.inbox.state.notifications[0]).toEqual({ ...a, status: 'acknowledged', acknowledged_at: at(T0 + 999) });
    t.socket.receive({ type: 'counts', cursor: 'c10', counts: { total: 3, pending: 3 } });
    expect(t.inbox.state.counts).toEqual({ total: 3, pending: 2 });
    t.socket.receive(stateOf(a!.id, at(T0 + 999)));
    t.socket.receive({ type: 'counts', cursor: 'c11', counts: { total: 3, pending: 2 } });
    expect(t.inbox.state.notifications[0]).toEqual({ ...a, status: 'acknowledged', acknowledged_at: at(T0 + 999) });
    expect(t.inbox.state.counts).toEqual({ total: 3, pending: 2 });
    expect(pendings.every((pending) => pending == 2)).toBe(true);
    // The edit has ended: the server's word alone from here on.
    t.socket.receive({ type: 'counts', cursor: 'c12', counts: { total: 3, pending: 3 } });
    expect(t.inbox.state.counts).toEqual({ total: 3, pending: 3 });
  });

  it('sends one refused for a moment (503 with Retry-After: the inbox is moving to another database) again then, the edit showing meanwhile', async () => {
    const t = await live();
    const [a] = t.items;
    let refusals = 2;
    t.server.refuse = (c) => (c.method == 'POST' && refusals-- > 0 ? refusal(503, 'SERVICE_UNAVAILABLE', { 'retry-after': '2' }) : undefined);
    const done = t.inbox.acknowledge(a!.id);
    await t.clock.advance(0);
    expect(t.server.callsTo(`/${a!.id}/acknowledge`, 'POST')).toHaveLength(1);
    expect(t.inbox.state.notifications[0]).toMatchObject({ status: 'acknowledged' });
    await t.clock.advance(1999);
    expect(t.server.callsTo(`/${a!.id}/acknowledge`, 'POST')).toHaveLength(1);
    await t.clock.advance(1);
    await t.clock.advance(2000);
    await done;
    expect(t.server.callsTo(`/${a!.id}/acknowledge`, 'POST')).toHaveLength(3);
    expect(t.inbox.state.notifications[0]).toMatchObject({ status: 'acknowledged' });
    expect(t.inbox.state.error).toBeUndefined();
  });

  it('gives up on a refusal that lasts, and on a 503 that does not say when (the project’s listener limit)', async () => {
    const t = await live();
    t.server.refuse = (c) => (c.method == 'POST' ? refusal(503, 'SERVICE_UNAVAILABLE', { 'retry-after': '1' }) : undefined);
    const lasting = t.inbox.acknowledge(t.items[0]!.id);
    const failed = expect(lasting).rejects.toMatchObject({ status: 503 });
    for (let i = 0; i < 31; i++) await t.clock.advance(1000);
    await failed;
    expect(t.server.callsTo(`/${t.items[0]!.id}/acknowledge`, 'POST')).toHaveLength(30);
    t.server.refuse = (c) => (c.method == 'POST' ? refusal(503, 'CONNECTION_LIMIT_REACHED') : undefined);
    await expect(t.inbox.acknowledge(t.items[1]!.id)).rejects.toMatchObject({ status: 503 });
    expect(t.server.callsTo(`/${t.items[1]!.id}/acknowledge`, 'POST')).toHaveLength(1);
  });

  it('follows its inbox to another database: a bookmark of another database replaces a later-sorting one of the old', async () => {
    const given = [
      'ffffffff-00000002-00000003-0123456789abcdef0123456789abcdef',
      '00000001-00000002-00000003-0123456789abcdef0123456789abcdef',
      'DB_2.00000001-00000002-00000003-0123456789abcdef0123456789abcdef',
      'DB_2.00000002-00000002-00000003-0123456789abcdef0123456789abcdef',
      'DB_2.00000001-00000009-00000003-0123456789abcdef0123456789abcdef',
    ];
    const sent: (string | null)[] = [];
    const api = createApi('https://inbox.test/api/v1/client/notifications', 'tok', async (_url, init) => {
      sent.push(new Headers(init?.headers).get('x-d1-bookmark'));
      return new Response('{}', { headers: { 'x-d1-bookmark': given[sent.length - 1]! } });
    }, () => T0);
    for (let i = 0; i < given.length; i++) await api.call('/acknowledge-all', { method: 'POST', body: '{}' });
    // Later of one database kept; another database's taken at once; then the later of that one.
    expect(sent).toEqual([null, given[0], given[0], given[2], given[3]]);
    expect(api.bookmark()).toBe(given[3]);
  });

  it('rolls back with the error when it fails, and keeps what the stream said meanwhile', async () => {
    const t = await live();
    t.server.refuse = (c) => (c.method == 'POST' ? refusal(500, 'INTERNAL_ERROR') : undefined);
    const before = t.inbox.state;
    const done = t.inbox.acknowledge(t.items[1]!.id);
    expect(t.inbox.state.counts.pending).toBe(2);
    t.socket.receive({ type: 'deleted', cursor: 'c11', id: t.items[2]!.id });
    t.socket.receive({ type: 'counts', cursor: 'c11', counts: { total: 2, pending: 2 } });
    expect(t.inbox.state.counts).toEqual({ total: 2, pending: 1 });
    await expect(done).rejects.toMatchObject({ code: 'INTERNAL_ERROR', status: 500 });
    expect(t.inbox.state.notifications).toEqual(before.notifications.slice(0, 2));
    expect(t.inbox.state.counts).toEqual({ total: 2, pending: 2 });
    expect(t.inbox.state.error).toMatchObject({ code: 'INTERNAL_ERROR' });
  });

  it('takes 409 already responded as acknowledged, until the stream shows the other device’s acknowledge (issue 25, case 4)', async () => {
    const t = await live();
    const [a] = t.items;
    t.server.items[0] = { ...a!, status: 'acknowledged', acknowledged_at: at(T0 - 5000) };
    await t.inbox.acknowledge(a!.id);
    expect(t.inbox.state.notifications[0]).toMatchObject({ status: 'acknowledged' });
    expect(t.inbox.state.counts).toEqual({ total: 3, pending: 2 });
    expect(t.inbox.state.error).toBeUndefined();
    // What the other device did arrives; with it, what the server counts: another device also deleted one.
    t.socket.receive(stateOf(a!.id, at(T0 - 5000)));
    t.socket.receive({ type: 'deleted', cursor: 'c12', id: t.items[2]!.id });
    t.socket.receive({ type: 'counts', cursor: 'c12', counts: { total: 2, pending: 1 } });
    expect(t.inbox.state.notifications.map((n) => [n.id, n.status, n.acknowledged_at])).toEqual([
      [a!.id, 'acknowledged', at(T0 - 5000)],
      [t.items[1]!.id, 'pending', null],
    ]);
    expect(t.inbox.state.counts).toEqual({ total: 2, pending: 1 });
  });

  it('hides one the server no longer has (404) until the stream says it is gone', async () => {
    const t = await live();
    const [, b] = t.items;
    t.server.items.splice(1, 1);
    await expect(t.inbox.acknowledge(b!.id)).rejects.toMatchObject({ code: 'NOTIFICATION_NOT_FOUND' });
    expect(t.inbox.state.notifications.map((n) => n.id)).toEqual([t.items[0]!.id, t.items[2]!.id]);
    expect(t.inbox.state.counts).toEqual({ total: 2, pending: 2 });
    t.socket.receive({ type: 'deleted', cursor: 'c11', id: b!.id });
    t.socket.receive({ type: 'counts', cursor: 'c11', counts: { total: 2, pending: 2 } });
    expect(t.inbox.state.counts).toEqual({ total: 2, pending: 2 });
    expect(t.server.calls.map((call) => call.route)).toEqual(['', `/${b!.id}/acknowledge`]);
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
    expect(t.server.items.map((n) => n.status)).toEqual(['pending', 'acknowledged', 'acknowledged', 'acknowledged']);
    // The stream brings the unseen one, then the acknowledge-all, each with the server's counts.
    t.socket.receive({ type: 'notification', cursor: 'c11', notification: unseen });
    t.socket.receive({ type: 'counts', cursor: 'c11', counts: { total: 4, pending: 4 } });
    expect(t.inbox.state.counts).toEqual({ total: 4, pending: 1 });
    t.socket.receive({ type: 'acknowledged', cursor: 'c12', through: t.items[0]!.id, acknowledged_at: at(T0 + 1) });
    t.socket.receive({ type: 'counts', cursor: 'c12', counts: { total: 4, pending: 1 } });
    expect(t.inbox.state.counts).toEqual({ total: 4, pending: 1 });
    expect(t.inbox.state.notifications.map((n) => n.status)).toEqual(['pending', 'acknowledged', 'acknowledged', 'acknowledged']);
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

  it('goes through the next held notification when the newest is gone (404), instead of rolling back', async () => {
    const t = await live();
    const [a, b, c] = t.items;
    // a was deleted (or archived, or expired) before the stream said so.
    t.server.items.shift();
    expect(await t.inbox.acknowledgeAll()).toBe(2);
    expect(t.server.callsTo('/acknowledge-all', 'POST').map((call) => call.body.through)).toEqual([a!.id, b!.id]);
    await t.clock.advance(0);
    // Hidden at once; the stream's deleted (and counts) say the same later.
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
    expect(t.server.callsTo('').map((c) => Object.fromEntries(c.url.searchParams))).toEqual([
      { limit: '2', include: 'counts' },
      { limit: '2', cursor: items[1]!.id },
    ]);
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

  it('applies to a page it loads what the stream said meanwhile about its notifications', async () => {
    const items = [note(), note(), note(), note()];
    const t = await live({ pageSize: 2 }, items);
    // The next page answers late, as it was before another device acknowledged items[2] and deleted items[3].
    let answer!: () => void;
    t.server.refuse = (c) => {
      if (!c.url.searchParams.get('cursor')) return undefined;
      const page = { notifications: [items[2], items[3]], pagination: { next_cursor: null, has_more: false, total_count: 4 } };
      return new Response(new ReadableStream({ start: (body) => void (answer = () => (body.enqueue(new TextEncoder().encode(JSON.stringify(page))), body.close())) }));
    };
    const loading = t.inbox.loadMore();
    await t.clock.advance(0);
    t.socket.receive(stateOf(items[2]!.id, at(T0 + 5)));
    t.socket.receive({ type: 'deleted', cursor: 'c12', id: items[3]!.id });
    t.socket.receive({ type: 'counts', cursor: 'c12', counts: { total: 3, pending: 2 } });
    answer();
    await loading;
    expect(t.inbox.state.notifications.map((n) => [n.id, n.status])).toEqual([
      [items[0]!.id, 'pending'],
      [items[1]!.id, 'pending'],
      [items[2]!.id, 'acknowledged'],
    ]);
    expect(t.inbox.state.counts).toEqual({ total: 3, pending: 2 });
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
    expect(t.server.calls).toHaveLength(1);
    expect(t.inbox.state.notifications).toHaveLength(2);
    expect(t.clock.pending()).toEqual([40 * day - (2 ** 31 - 1)]);
    // Its tag lapses with the expiry.
    t.server.items.pop();
    t.server.touch();
    await t.clock.advance(40 * day - (2 ** 31 - 1));
    // Dropped; paused in the background, the counts wait for the next poll (in the foreground).
    expect(t.inbox.state.notifications.map((n) => n.id)).toEqual([t.items[0]!.id]);
    expect(t.server.calls).toHaveLength(1);
    visibility.set(true);
    await t.clock.advance(0);
    expect(t.inbox.state.counts).toEqual({ total: 1, pending: 1 });
  });

  it('drops a notification when it expires (the server sends nothing about it) and takes the stream’s counts', async () => {
    const soon = note({ expires_at: at(T0 + 30000) });
    const t = await live({}, [note(), soon, note({ expires_at: at(T0 + 3600000) })]);
    t.server.items.splice(1, 1);
    await t.clock.advance(29999);
    expect(t.inbox.state.notifications).toHaveLength(3);
    t.socket.receive('pong');
    await t.clock.advance(1);
    expect(t.inbox.state.notifications.map((n) => n.id)).toEqual([t.items[0]!.id, t.items[2]!.id]);
    t.socket.receive({ type: 'counts', cursor: 'c10', counts: { total: 2, pending: 2 } });
    expect(t.inbox.state.counts).toEqual({ total: 2, pending: 2 });
    expect(t.server.calls).toHaveLength(1);
  });

  it('polls at once when one it holds expires, while polling: the page’s tag has lapsed', async () => {
    const soon = note({ expires_at: at(T0 + 30000) });
    const t = await started(setup({ transport: 'poll', polling: { minIntervalMs: 5000, maxIntervalMs: 60000 } }, [note(), soon]));
    await t.clock.advance(25000);
    const polls = t.server.callsTo('').length;
    t.server.items.splice(1, 1);
    t.server.touch();
    await t.clock.advance(5000);
    expect(t.server.callsTo('')).toHaveLength(polls + 1);
    expect(t.inbox.state.counts).toEqual({ total: 1, pending: 1 });
  });
});
