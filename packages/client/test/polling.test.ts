import { describe, expect, it } from 'vitest';
import type { InboxOptions } from '../src/types';
import { fakeVisibility, note, refusal } from './fakes';
import { params, setup, started } from './setup';

const polling = (o: Partial<InboxOptions> = {}, items?: ReturnType<typeof note>[]) => started(setup({ transport: 'poll', ...o }, items));

/** Runs the next poll; returns its delay and the requests it made as [route, If-None-Match]. */
async function next(t: Awaited<ReturnType<typeof polling>>) {
  const delay = t.clock.pending()[0]!;
  const before = t.server.calls.length;
  await t.clock.advance(delay);
  return { delay, requests: t.server.calls.slice(before).map((c) => [c.route, c.headers.get('if-none-match')]) };
}

describe('polling', () => {
  it('polls with If-None-Match; an idle poll is one 304 that changes nothing; the interval doubles to the maximum', async () => {
    const t = await polling();
    expect(t.server.calls.map((c) => [c.route, c.headers.get('if-none-match')])).toEqual([['', null]]);
    expect(t.inbox.state).toMatchObject({ status: 'polling', transport: 'poll', notifications: t.items });
    const state = t.inbox.state;
    const seen = t.seen.length;
    const delays = [];
    for (let i = 0; i < 6; i++) {
      const poll = await next(t);
      expect(poll.requests).toEqual([['', 'W/"v1"']]);
      delays.push(poll.delay);
    }
    expect(delays).toEqual([5000, 10000, 20000, 40000, 60000, 60000]);
    expect(t.inbox.state).toBe(state);
    expect(t.seen).toHaveLength(seen);
  });

  it('jitters the idle growth', async () => {
    const t = await polling({ random: () => 0.5 });
    const delays = [];
    for (let i = 0; i < 5; i++) delays.push((await next(t)).delay);
    expect(delays).toEqual([5000, 9500, 19000, 38000, 57000]);
  });

  it('comes back to the minimum after a change, with the counts of the page’s snapshot (no /counts)', async () => {
    const t = await polling();
    for (let i = 0; i < 4; i++) await next(t);
    const fresh = note();
    t.server.items.unshift(fresh);
    t.server.touch();
    const poll = await next(t);
    expect(poll).toEqual({ delay: 60000, requests: [['', 'W/"v1"']] });
    expect(params(t.server.calls.at(-1)!.url)).toEqual({ limit: '50', include: 'counts' });
    expect(t.inbox.state.notifications[0]).toEqual(fresh);
    expect(t.inbox.state.counts).toEqual({ total: 4, pending: 4 });
    expect(t.clock.pending()).toEqual([5000]);
    // A 200 that shows nothing new keeps growing.
    t.server.touch();
    expect(await next(t)).toEqual({ delay: 5000, requests: [['', 'W/"v2"']] });
    expect(t.inbox.state.counts).toEqual({ total: 4, pending: 4 });
    expect(t.clock.pending()).toEqual([10000]);
  });

  it('reads again every notification loadMore added when the inbox changed, so that older ones follow too (issue 25, case 5)', async () => {
    const items = Array.from({ length: 7 }, () => note());
    const t = await polling({ pageSize: 2 }, items);
    await t.inbox.loadMore();
    await t.inbox.loadMore();
    expect(t.inbox.state.notifications).toEqual(items.slice(0, 6));
    // Another device deletes the 5th and acknowledges the 6th: neither is on the first page.
    t.server.items = t.server.items.filter((n) => n != items[4]).map((n) => (n == items[5] ? { ...n, status: 'acknowledged' as const } : n));
    t.server.touch();
    const poll = await next(t);
    expect(poll.requests).toEqual([
      ['', 'W/"v1"'],
      ['', null],
      ['', null],
    ]);
    expect(t.inbox.state.notifications.map((n) => [n.id, n.status])).toEqual(
      [items[0], items[1], items[2], items[3], items[5], items[6]].map((n) => [n!.id, n == items[5] ? 'acknowledged' : 'pending']),
    );
    expect(t.inbox.state.counts).toEqual({ total: 6, pending: 5 });
    expect(t.inbox.state.hasMore).toBe(false);
    // An idle poll is still one 304.
    expect((await next(t)).requests).toEqual([['', 'W/"v2"']]);
  });

  it('checks at once in the foreground and polls at the background pace in the background', async () => {
    const visibility = fakeVisibility();
    const t = await polling({ visibility });
    visibility.set(false);
    expect(t.clock.pending()).toEqual([300000]);
    expect(await next(t)).toEqual({ delay: 300000, requests: [['', 'W/"v1"']] });
    expect(t.clock.pending()).toEqual([300000]);
    visibility.set(true);
    expect(t.clock.pending()).toEqual([0]);
    expect(await next(t)).toEqual({ delay: 0, requests: [['', 'W/"v1"']] });
    expect(t.clock.pending()).toEqual([10000]);
  });

  it('pauses in the background when asked, and checks at once in the foreground', async () => {
    const visibility = fakeVisibility();
    const t = await polling({ visibility, polling: { pauseInBackground: true } });
    visibility.set(false);
    expect(t.inbox.state.status).toBe('paused');
    expect(t.clock.pending()).toEqual([]);
    await t.clock.advance(24 * 3600000);
    expect(t.server.calls).toHaveLength(1);
    visibility.set(true);
    await t.clock.advance(0);
    expect(t.server.calls).toHaveLength(2);
    expect(t.inbox.state.status).toBe('polling');
  });

  it('comes back to the minimum in the background when something high or critical arrives', async () => {
    const visibility = fakeVisibility();
    const t = await polling({ visibility });
    visibility.set(false);
    t.server.items.unshift(note({ priority: 'low' }));
    t.server.touch();
    await next(t);
    expect(t.clock.pending()).toEqual([300000]);
    t.server.items.unshift(note({ priority: 'critical' }));
    t.server.touch();
    await next(t);
    expect(t.clock.pending()).toEqual([5000]);
    await next(t);
    expect(t.clock.pending()).toEqual([10000]);
    await next(t);
    expect(t.clock.pending()).toEqual([20000]);
  });

  it('honours Retry-After on 429 and 503', async () => {
    const t = await polling();
    let refusals = [refusal(429, 'RATE_LIMIT_EXCEEDED', { 'retry-after': '7' }), refusal(503, 'CONNECTION_LIMIT_REACHED', { 'retry-after': '90' })];
    t.server.refuse = () => refusals.shift();
    await next(t);
    expect(t.inbox.state).toMatchObject({ status: 'offline', error: { code: 'RATE_LIMIT_EXCEEDED', status: 429, retryAfterMs: 7000 } });
    expect(t.clock.pending()).toEqual([7000]);
    await next(t);
    expect(t.clock.pending()).toEqual([90000]);
    await next(t);
    expect(t.inbox.state).toMatchObject({ status: 'polling', error: undefined });
  });

  it('retries network errors with capped exponential backoff, then carries on', async () => {
    const t = await polling({ random: () => 1 });
    let down = 6;
    t.server.refuse = () => {
      if (down-- > 0) throw new TypeError('Network connection lost');
      return undefined;
    };
    const delays = [];
    for (let i = 0; i < 7; i++) delays.push((await next(t)).delay);
    // The first is the ordinary 5 s; then 10, 20, 40 s, capped at 60 s, less a quarter of jitter.
    expect(delays).toEqual([5000, 7500, 15000, 30000, 45000, 45000, 45000]);
    expect(t.inbox.state).toMatchObject({ status: 'polling', error: undefined });
    expect(t.server.callsTo('')).toHaveLength(8);
  });

  it('shows a network error while retrying', async () => {
    const t = await polling();
    t.server.refuse = () => {
      throw new TypeError('offline');
    };
    await next(t);
    expect(t.inbox.state).toMatchObject({ status: 'offline', error: { code: 'NETWORK_ERROR', status: 0 } });
  });
});

describe('background with a live transport', () => {
  it('drops a background poll’s answer that comes after the app returned to the foreground (the stream’s is newer)', async () => {
    const visibility = fakeVisibility();
    const t = await started(setup({ visibility }));
    t.ws.sockets[0]!.open();
    t.ws.sockets[0]!.receive({ type: 'ready', cursor: 'c10' });
    visibility.set(false);
    // The background poll's answer is slow; meanwhile the app comes back and the new stream says more.
    let finish!: () => void;
    const stale = { notifications: t.items, pagination: { next_cursor: null, has_more: false, total_count: 3 }, counts: { total: 3, pending: 3 } };
    t.server.refuse = (c) => {
      if (c.route != '') return undefined;
      t.server.refuse = undefined;
      const body = new ReadableStream<Uint8Array>({ start: (controller) => void (finish = () => (controller.enqueue(new TextEncoder().encode(JSON.stringify(stale))), controller.close())) });
      return new Response(body, { headers: { etag: 'W/"v0"', 'stream-cursor': 'c5' } });
    };
    await t.clock.advance(300000);
    visibility.set(true);
    await t.clock.advance(0);
    const socket = t.ws.sockets.at(-1)!;
    socket.open();
    socket.receive({ type: 'ready', cursor: 'c10' });
    socket.receive({ type: 'deleted', cursor: 'c11', id: t.items[0]!.id });
    socket.receive({ type: 'counts', cursor: 'c11', counts: { total: 2, pending: 2 } });
    finish();
    await t.clock.advance(0);
    expect(t.inbox.state.notifications.map((n) => n.id)).toEqual([t.items[1]!.id, t.items[2]!.id]);
    expect(t.inbox.state.counts).toEqual({ total: 2, pending: 2 });
    socket.drop(1006);
    await t.clock.advance(2000);
    expect(t.ws.sockets.at(-1)!.url.searchParams.get('since')).toBe('c11');
  });

  it('in an app: closes it in the background, polls at the background pace, reconnects from the cursor in the foreground', async () => {
    const visibility = fakeVisibility();
    const t = await started(setup({ visibility }));
    const socket = t.ws.sockets[0]!;
    socket.open();
    socket.receive({ type: 'ready', cursor: 'c10' });
    t.server.items.shift();
    socket.receive({ type: 'deleted', cursor: t.server.touch(), id: t.items[0]!.id });
    visibility.set(false);
    expect(socket.closed).toBe(true);
    expect(t.inbox.state).toMatchObject({ transport: 'poll', status: 'polling' });
    expect(t.clock.pending()).toEqual([300000]);
    const fresh = note();
    t.server.items.unshift(fresh);
    expect(t.server.touch()).toBe('c12');
    await t.clock.advance(300000);
    expect(t.server.calls.map((c) => c.route)).toEqual(['', '']);
    expect(t.inbox.state.notifications.map((n) => n.id)).toEqual([fresh.id, t.items[1]!.id, t.items[2]!.id]);
    expect(t.inbox.state.counts).toEqual({ total: 3, pending: 3 });
    visibility.set(true);
    await t.clock.advance(0);
    expect(t.ws.sockets).toHaveLength(2);
    // The background poll's snapshot is where the stream resumes.
    expect(t.ws.sockets[1]!.url.searchParams.get('since')).toBe('c12');
    expect(t.inbox.state).toMatchObject({ transport: 'websocket', status: 'connecting' });
  });

  it('in a browser page: keeps it open in the background', async () => {
    const visibility = fakeVisibility();
    const t = await started(setup({ visibility, liveInBackground: true }));
    t.ws.sockets[0]!.open();
    t.ws.sockets[0]!.receive({ type: 'ready', cursor: 'c10' });
    visibility.set(false);
    expect(t.ws.sockets[0]!.closed).toBe(false);
    expect(t.inbox.state.status).toBe('live');
  });
});
