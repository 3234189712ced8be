import { describe, expect, it } from 'vitest';
import { note, refusal, T0 } from './fakes';
import { live, params, setup, started } from './setup';

describe('snapshot and stream', () => {
  it('loads the first page with its counts, then opens the WebSocket at the page’s Stream-Cursor, the token out of the URL', async () => {
    const t = await started(setup());
    expect(t.server.calls.map((c) => c.route)).toEqual(['']);
    expect(params(t.server.calls[0]!.url)).toEqual({ limit: '50', include: 'counts' });
    expect(t.server.calls[0]!.headers.get('authorization')).toBe('Bearer tok');
    expect(t.ws.sockets).toHaveLength(1);
    const url = t.ws.sockets[0]!.url;
    expect(url.origin + url.pathname).toBe('wss://inbox.test/api/v1/client/notifications/ws');
    expect(params(url)).toEqual({ since: 'c10', listener_id: 'tab-1' });
    expect(t.ws.sockets[0]!.protocols).toEqual(['edge-inbox', 'bearer.tok']);
    expect(t.inbox.state).toEqual({
      notifications: t.items,
      counts: { total: 3, pending: 3 },
      transport: 'websocket',
      status: 'connecting',
      error: undefined,
      hasMore: false,
      leader: true,
    });
    t.ws.sockets[0]!.open();
    t.ws.sockets[0]!.receive({ type: 'ready', cursor: 'c10' });
    expect(t.inbox.state.status).toBe('live');
  });

  it('puts new notifications on top, once, and follows state, deleted and acknowledged events; the stream’s counts replace its own', async () => {
    const t = await live();
    const [a, b, c] = t.items;
    const fresh = note();
    t.server.items.unshift(fresh);
    t.socket.receive({ type: 'notification', cursor: t.server.touch(), notification: fresh });
    t.socket.receive({ type: 'notification', cursor: 'c11', notification: fresh });
    expect(t.inbox.state.notifications.map((n) => n.id)).toEqual([fresh.id, a!.id, b!.id, c!.id]);
    expect(t.inbox.state.counts).toEqual({ total: 4, pending: 4 });
    // Say the page's snapshot had already counted `fresh`: the server's counts after it say so.
    t.socket.receive({ type: 'counts', cursor: 'c11', counts: { total: 3, pending: 3 } });
    expect(t.inbox.state.counts).toEqual({ total: 3, pending: 3 });
    t.socket.receive({ type: 'counts', cursor: 'c11', counts: { total: 4, pending: 4 } });

    t.socket.receive({ type: 'state', cursor: 'c12', state: { id: b!.id, status: 'acknowledged', read_at: null, acknowledged_at: 'x', archived_at: null } });
    t.socket.receive({ type: 'deleted', cursor: 'c13', id: c!.id });
    expect(t.inbox.state.notifications.map((n) => [n.id, n.status])).toEqual([
      [fresh.id, 'pending'],
      [a!.id, 'pending'],
      [b!.id, 'acknowledged'],
    ]);
    expect(t.inbox.state.counts).toEqual({ total: 3, pending: 2 });

    // Acknowledge-all on another device through `a`: a and b now.
    t.socket.receive({ type: 'acknowledged', cursor: 'c14', through: a!.id, acknowledged_at: '2026-03-01T12:00:05.000Z' });
    expect(t.inbox.state.notifications.map((n) => n.status)).toEqual(['pending', 'acknowledged', 'acknowledged']);
    expect(t.inbox.state.notifications[1]!.acknowledged_at).toBe('2026-03-01T12:00:05.000Z');
    t.socket.receive({ type: 'counts', cursor: 'c14', counts: { total: 3, pending: 1 } });
    expect(t.inbox.state.counts).toEqual({ total: 3, pending: 1 });
    // Nothing asked of the server: the stream said it all.
    await t.clock.advance(5000);
    expect(t.server.calls.map((call) => call.route)).toEqual(['']);
  });

  it('takes the server’s counts after a read whose events moved its own estimate but not the server’s numbers', async () => {
    const t = await live();
    // One read: a new notification, and the delete of a pending one this instance does not hold (older).
    const fresh = note();
    t.socket.receive({ type: 'notification', cursor: 'c11', notification: fresh });
    t.socket.receive({ type: 'deleted', cursor: 'c12', id: 'not-held' });
    expect(t.inbox.state.counts).toEqual({ total: 4, pending: 4 });
    t.socket.receive({ type: 'counts', cursor: 'c12', counts: { total: 3, pending: 3 } });
    expect(t.inbox.state.counts).toEqual({ total: 3, pending: 3 });
  });

  it('takes an acknowledge-all through one it does not hold as about older ones: the list stays, the counts follow', async () => {
    const t = await live();
    t.socket.receive({ type: 'acknowledged', cursor: 'c12', through: 'older-than-held', acknowledged_at: 'x' });
    t.socket.receive({ type: 'counts', cursor: 'c12', counts: { total: 3, pending: 3 } });
    await t.clock.advance(0);
    expect(t.server.callsTo('')).toHaveLength(1);
    expect(t.ws.sockets).toHaveLength(1);
    expect(t.inbox.state.notifications.map((n) => n.status)).toEqual(['pending', 'pending', 'pending']);
  });

  it('resyncs (a fresh page, then the stream from its snapshot) for an acknowledge-all through one it dropped at its expiry', async () => {
    const expiring = note({ expires_at: new Date(T0 + 1000).toISOString() });
    const older = note();
    const t = await live({}, [expiring, older]);
    await t.clock.advance(1000);
    expect(t.inbox.state.notifications).toEqual([older]);
    // Another device, whose clock is behind, acknowledged all through the expiring one: `older` too.
    t.server.items = [{ ...older, status: 'acknowledged', acknowledged_at: 'x' }];
    t.server.touch();
    t.ws.sockets[0]!.receive({ type: 'acknowledged', cursor: 'c12', through: expiring.id, acknowledged_at: 'x' });
    await t.clock.advance(0);
    expect(t.server.callsTo('')).toHaveLength(2);
    expect(t.inbox.state.notifications).toEqual(t.server.items);
    expect(t.inbox.state.counts).toEqual({ total: 1, pending: 0 });
    expect(t.ws.sockets[0]!.closed).toBe(true);
    expect(params(t.ws.sockets[1]!.url).since).toBe('c' + t.server.seq);
  });

  it('waits before a resync soon after another, doubling: no storm while a replica is behind', async () => {
    const t = await live({ reconnect: { minDelayMs: 1000, maxDelayMs: 8000 } });
    t.socket.receive({ type: 'reset', cursor: 'c50' });
    await t.clock.advance(0);
    expect(t.server.callsTo('')).toHaveLength(2);
    t.ws.sockets[1]!.open();
    t.ws.sockets[1]!.receive({ type: 'reset', cursor: 'c51' });
    await t.clock.advance(999);
    expect(t.server.callsTo('')).toHaveLength(2);
    expect(t.ws.sockets[1]!.closed).toBe(true);
    await t.clock.advance(1);
    expect(t.server.callsTo('')).toHaveLength(3);
    t.ws.sockets[2]!.open();
    t.ws.sockets[2]!.receive({ type: 'reset', cursor: 'c52' });
    await t.clock.advance(1999);
    expect(t.server.callsTo('')).toHaveLength(3);
    await t.clock.advance(1);
    expect(t.server.callsTo('')).toHaveLength(4);
  });

  it('on reset, refetches the first page without a condition, replaces the list, and streams again from its snapshot', async () => {
    const t = await live();
    const other = note();
    t.server.items = [other];
    t.server.touch();
    t.socket.receive({ type: 'reset', cursor: 'c50' });
    await t.clock.advance(0);
    const refetch = t.server.callsTo('')[1]!;
    expect(refetch.headers.get('if-none-match')).toBeNull();
    expect(t.inbox.state.notifications).toEqual([other]);
    expect(t.inbox.state.counts).toEqual({ total: 1, pending: 1 });
    // What the old stream says after the reset is ignored: the new one starts at the page's snapshot.
    expect(t.ws.sockets[0]!.closed).toBe(true);
    t.ws.sockets[0]!.receive({ type: 'notification', cursor: 'c51', notification: note() });
    expect(t.inbox.state.notifications).toEqual([other]);
    expect(params(t.ws.sockets[1]!.url).since).toBe('c' + t.server.seq);
    t.ws.sockets[1]!.open();
    t.ws.sockets[1]!.receive({ type: 'ready', cursor: 'c' + t.server.seq });
    t.ws.sockets[1]!.receive({ type: 'notification', cursor: 'c52', notification: other });
    expect(t.inbox.state.notifications).toEqual([other]);
  });

  it('retries a resync whose page failed, with backoff, and streams only once it is in (issue 25, case 2)', async () => {
    const t = await live({ reconnect: { minDelayMs: 1000, maxDelayMs: 8000 } });
    const other = note();
    t.server.items = [other];
    t.server.touch();
    let failing = 2;
    t.server.refuse = (call) => (call.route == '' && failing-- > 0 ? refusal(503, 'UNAVAILABLE') : undefined);
    t.socket.receive({ type: 'reset', cursor: 'c50' });
    await t.clock.advance(0);
    expect(t.inbox.state.status).toBe('offline');
    expect(t.inbox.state.error?.status).toBe(503);
    expect(t.ws.sockets).toHaveLength(1);
    await t.clock.advance(1000);
    expect(t.server.callsTo('')).toHaveLength(3);
    expect(t.ws.sockets).toHaveLength(1);
    await t.clock.advance(2000);
    expect(t.server.callsTo('')).toHaveLength(4);
    expect(t.inbox.state.notifications).toEqual([other]);
    expect(t.ws.sockets).toHaveLength(2);
    expect(params(t.ws.sockets[1]!.url).since).toBe('c' + t.server.seq);
  });

  it('reconnects after a drop with since= the last cursor and the same listener id, after a jittered backoff', async () => {
    const t = await live({ random: () => 0.5 });
    t.socket.receive({ type: 'deleted', cursor: 'c77', id: t.items[2]!.id });
    // Up long enough to count as working (see the ladder's tests for one that drops sooner).
    await t.clock.advance(30000);
    t.socket.drop(1006);
    expect(t.inbox.state.status).toBe('connecting');
    await t.clock.advance(1749);
    expect(t.ws.sockets).toHaveLength(1);
    await t.clock.advance(1);
    expect(t.ws.sockets).toHaveLength(2);
    expect(params(t.ws.sockets[1]!.url)).toMatchObject({ since: 'c77', listener_id: 'tab-1' });
    // No refetch: the stream resumes.
    expect(t.server.callsTo('')).toHaveLength(1);
  });

  it('uses one random listener id per instance on every reconnect', async () => {
    const t = await live({ listenerId: undefined, random: () => 0.123456789 });
    const id = params(t.socket.url).listener_id!;
    expect(id).toMatch(/^[\w-]{1,64}$/);
    t.socket.drop(1006);
    await t.clock.advance(5000);
    expect(params(t.ws.sockets[1]!.url).listener_id).toBe(id);
  });

  it('pings after 60 s of silence and reconnects when no pong comes within 10 s', async () => {
    const t = await live();
    await t.clock.advance(59999);
    expect(t.socket.sent).toEqual([]);
    await t.clock.advance(1);
    expect(t.socket.sent).toEqual(['ping']);
    await t.clock.advance(5000);
    t.socket.receive('pong');
    await t.clock.advance(59999);
    expect(t.socket.sent).toEqual(['ping']);
    await t.clock.advance(1);
    expect(t.socket.sent).toEqual(['ping', 'ping']);
    await t.clock.advance(10000);
    expect(t.socket.closed).toBe(true);
    await t.clock.advance(2000);
    expect(t.ws.sockets).toHaveLength(2);
    // Nothing polled all that time.
    expect(t.server.calls).toHaveLength(1);
  });

  it('does not poll while live', async () => {
    const t = await live();
    for (let i = 0; i < 30; i++) {
      await t.clock.advance(60000);
      t.socket.receive('pong');
    }
    expect(t.server.calls.map((c) => c.route)).toEqual(['']);
    expect(t.inbox.state.status).toBe('live');
  });

  it('stops for good when replaced: WebSocket close 4000', async () => {
    const t = await live();
    t.socket.drop(4000);
    expect(t.inbox.state.status).toBe('replaced');
    await t.clock.advance(3600000);
    expect(t.ws.sockets).toHaveLength(1);
    expect(t.server.calls).toHaveLength(1);
    expect(t.clock.pending()).toEqual([]);
  });

  it('names a refused WebSocket’s status and error code (a close 4400–4599), and waits its Retry-After', async () => {
    const t = await started(setup({ reconnect: { minDelayMs: 1000, maxDelayMs: 8000 } }));
    t.ws.sockets[0]!.drop(4429, JSON.stringify({ code: 'RATE_LIMIT_EXCEEDED', retry_after: 7 }));
    expect(t.inbox.state.error).toMatchObject({ code: 'RATE_LIMIT_EXCEEDED', status: 429, retryAfterMs: 7000 });
    await t.clock.advance(6999);
    expect(t.ws.sockets).toHaveLength(1);
    await t.clock.advance(1);
    expect(t.ws.sockets).toHaveLength(2);
    t.ws.sockets[1]!.drop(4409, JSON.stringify({ code: 'TOO_MANY_LISTENERS' }));
    expect(t.inbox.state.error).toMatchObject({ code: 'TOO_MANY_LISTENERS', status: 409 });
  });

  it('sends its D1 bookmark with the event stream (header) and the WebSocket (subprotocol) after a write (issue 25, case 8)', async () => {
    const bookmark = '00000001-00000002-00000003-0123456789abcdef0123456789abcdef';
    for (const transport of ['sse', 'websocket'] as const) {
      const t = setup({ transport });
      const realFetch = t.server.fetch;
      t.server.fetch = async (url, init) => {
        const response = await realFetch(url, init);
        if (init?.method != 'POST') return response;
        const headers = new Headers(response.headers);
        headers.set('x-d1-bookmark', bookmark);
        return new Response(response.body, { status: response.status, headers });
      };
      const inbox = (await import('../src/inbox')).createInbox({
        baseUrl: 'https://inbox.test/',
        token: 'tok',
        fetch: (url, init) => t.server.fetch(url, init),
        WebSocket: t.ws.WebSocket,
        scheduler: t.clock,
        random: () => 0,
        listenerId: 'tab-1',
        share: false,
        transport,
      });
      const done = inbox.start();
      await t.clock.advance(0);
      await done;
      await inbox.acknowledge(t.items[0]!.id);
      // A new connection (after a drop) carries where the acknowledge committed.
      if (transport == 'sse') {
        expect(t.server.streams[0]!.headers.get('x-d1-bookmark')).toBeNull();
        t.server.streams[0]!.send({ type: 'ready', cursor: 'c10' });
        t.server.streams[0]!.end();
      } else {
        expect(t.ws.sockets[0]!.protocols).toEqual(['edge-inbox', 'bearer.tok']);
        t.ws.sockets[0]!.drop(1006);
      }
      await t.clock.advance(5000);
      if (transport == 'sse') expect(t.server.streams.at(-1)!.headers.get('x-d1-bookmark')).toBe(bookmark);
      else expect(t.ws.sockets.at(-1)!.protocols).toEqual(['edge-inbox', 'bearer.tok', 'bookmark.' + bookmark]);
      inbox.stop();
    }
  });

  it('tries again at once when the browser is back online, not after its backoff', async () => {
    const subscribers = new Set<() => void>();
    const online = { subscribe: (cb: () => void) => (subscribers.add(cb), () => void subscribers.delete(cb)) };
    const t = await live({ online, reconnect: { minDelayMs: 30000, maxDelayMs: 60000 } });
    t.socket.drop(1006);
    await t.clock.advance(0);
    expect(t.inbox.state.status).toBe('offline');
    expect(t.clock.pending()).toContain(30000);
    subscribers.forEach((cb) => cb());
    await t.clock.advance(0);
    expect(t.ws.sockets).toHaveLength(2);
    expect(t.inbox.state.status).toBe('connecting');
    // Online while connected changes nothing.
    subscribers.forEach((cb) => cb());
    expect(t.ws.sockets).toHaveLength(2);
    t.inbox.stop();
    expect(subscribers.size).toBe(0);
  });

  it('stops for good when replaced: the event stream’s last message', async () => {
    const t = await started(setup({ transport: 'sse' }));
    const stream = t.server.streams[0]!;
    expect(stream.headers.get('authorization')).toBe('Bearer tok');
    expect(params(stream.url)).toEqual({ since: 'c10', listener_id: 'tab-1' });
    stream.write('retry: 3000\n\n');
    stream.send({ type: 'ready', cursor: 'c10' });
    await t.clock.advance(0);
    expect(t.inbox.state).toMatchObject({ status: 'live', transport: 'sse' });
    stream.send({ type: 'replaced', cursor: 'c10' });
    await t.clock.advance(0);
    expect(t.inbox.state.status).toBe('replaced');
    expect(stream.aborted).toBe(true);
    await t.clock.advance(3600000);
    expect(t.server.streams).toHaveLength(1);
  });

  it('reads the event stream in pieces and resumes it from the last event id', async () => {
    const t = await started(setup({ transport: 'sse' }));
    const stream = t.server.streams[0]!;
    const fresh = note();
    const text = `id: c10\nevent: ready\ndata: {"type":"ready","cursor":"c10"}\n\n: heartbeat\n\n` + `id: c11\r\nevent: notification\r\ndata: ${JSON.stringify({ type: 'notification', cursor: 'c11', notification: fresh })}\r\n\r\n`;
    for (let i = 0; i < text.length; i += 40) stream.write(text.slice(i, i + 40));
    await t.clock.advance(0);
    expect(t.inbox.state.notifications[0]).toEqual(fresh);
    stream.end();
    await t.clock.advance(2000);
    expect(t.server.streams).toHaveLength(2);
    expect(params(t.server.streams[1]!.url).since).toBe('c11');
  });

  it('treats an event stream silent for two pings and a pong timeout as dead', async () => {
    const t = await started(setup({ transport: 'sse' }));
    const stream = t.server.streams[0]!;
    stream.send({ type: 'ready', cursor: 'c10' });
    await t.clock.advance(100000);
    stream.write(': heartbeat\n\n');
    await t.clock.advance(129999);
    expect(stream.aborted).toBe(false);
    await t.clock.advance(1);
    expect(stream.aborted).toBe(true);
  });

  it('asks the token function again after a 401 and retries once at once', async () => {
    let issued = 0;
    const t = setup({ transport: 'sse', token: () => 'tok' + (issued++ ? issued : '') });
    await started(t);
    expect(issued).toBe(1);
    t.server.streams[0]!.send({ type: 'ready', cursor: 'c10' });
    // The token expires; the stream drops; the reconnect is refused once, then works with a fresh token.
    t.server.token = 'tok2';
    t.server.streams[0]!.end();
    await t.clock.advance(2000);
    const attempts = t.server.callsTo('/stream');
    expect(attempts.map((c) => c.headers.get('authorization'))).toEqual(['Bearer tok', 'Bearer tok', 'Bearer tok2']);
    expect(issued).toBe(2);
    expect(t.server.streams).toHaveLength(2);
    // Requests too: a 401 asks for a token and sends the request once more.
    t.server.token = 'tok3';
    await t.inbox.loadMore();
    t.server.items.push(note(), note());
    const before = t.server.calls.length;
    await t.inbox.acknowledge(t.items[0]!.id);
    expect(t.server.calls.slice(before).map((c) => [c.route, c.headers.get('authorization')])).toEqual([
      [`/${t.items[0]!.id}/acknowledge`, 'Bearer tok2'],
      [`/${t.items[0]!.id}/acknowledge`, 'Bearer tok3'],
    ]);
  });

  it('stops with the error on 403 ORIGIN_NOT_ALLOWED and does not retry', async () => {
    const t = setup({ transport: 'sse' });
    t.server.refuse = (c) => (c.route == '/stream' ? refusal(403, 'ORIGIN_NOT_ALLOWED') : undefined);
    await started(t);
    await t.clock.advance(0);
    expect(t.inbox.state).toMatchObject({ status: 'stopped', error: { code: 'ORIGIN_NOT_ALLOWED', status: 403 } });
    await t.clock.advance(3600000);
    expect(t.server.callsTo('/stream')).toHaveLength(1);
  });

  it('stops when a string token is refused: start() rejects', async () => {
    const t = setup({ token: 'expired' });
    const refused = expect(t.inbox.start()).rejects.toMatchObject({ code: 'AUTH_INVALID_TOKEN', status: 401 });
    await t.clock.advance(0);
    await refused;
    expect(t.inbox.state).toMatchObject({ status: 'stopped', error: { code: 'AUTH_INVALID_TOKEN' } });
    expect(t.server.calls).toHaveLength(1);
  });
});

describe('transport ladder', () => {
  it('climbs down WebSocket → SSE → polling after two failed attempts each, and back up one step at a time', async () => {
    const t = setup();
    let refuse = true;
    t.server.refuse = (c) => (c.route == '/stream' && refuse ? refusal(503, 'CONNECTION_LIMIT_REACHED', { 'retry-after': '1' }) : undefined);
    await started(t);
    // A refused upgrade: only a close before open.
    t.ws.sockets[0]!.drop(1006);
    expect(t.inbox.state).toMatchObject({ status: 'offline', transport: 'websocket', error: { code: 'CLOSED' } });
    await t.clock.advance(2000);
    expect(t.ws.sockets).toHaveLength(2);
    t.ws.sockets[1]!.drop(1006);
    await t.clock.advance(0);
    expect(t.server.callsTo('/stream')).toHaveLength(1);
    expect(t.inbox.state).toMatchObject({ status: 'offline', transport: 'sse', error: { code: 'CONNECTION_LIMIT_REACHED', status: 503 } });
    await t.clock.advance(1000);
    expect(t.server.callsTo('/stream')).toHaveLength(2);
    // Polling at once, conditionally.
    expect(t.inbox.state).toMatchObject({ status: 'polling', transport: 'poll', error: undefined });
    expect(t.server.calls.at(-1)!.headers.get('if-none-match')).toBe('W/"v1"');

    // Five minutes later, the event stream again.
    refuse = false;
    await t.clock.advance(299999);
    expect(t.server.callsTo('/stream')).toHaveLength(2);
    const polls = t.server.callsTo('').length;
    await t.clock.advance(1);
    expect(t.server.callsTo('/stream')).toHaveLength(3);
    const sse = t.server.streams[0]!;
    expect(params(sse.url)).toEqual({ since: 'c10', listener_id: 'tab-1' });
    sse.send({ type: 'ready', cursor: 'c10' });
    await t.clock.advance(0);
    expect(t.inbox.state).toMatchObject({ status: 'live', transport: 'sse' });
    // While live, no polls.
    for (let i = 0; i < 2; i++) {
      await t.clock.advance(100000);
      sse.write(': heartbeat\n\n');
    }
    expect(t.server.callsTo('')).toHaveLength(polls);
    // Five minutes after that, the WebSocket again; the event stream is closed first.
    await t.clock.advance(100000);
    expect(t.ws.sockets).toHaveLength(3);
    expect(sse.aborted).toBe(true);
    t.ws.sockets[2]!.open();
    t.ws.sockets[2]!.receive({ type: 'ready', cursor: 'c10' });
    expect(t.inbox.state).toMatchObject({ status: 'live', transport: 'websocket' });
    // At the top: only the check that it stays up and the ping are due, no more climbing.
    expect(t.clock.pending()).toEqual([30000, 60000]);
  });

  it('goes back down after one failed try of the better transport, and waits twice as long before the next', async () => {
    const t = await started(setup());
    t.ws.sockets[0]!.drop(1006);
    await t.clock.advance(2000);
    t.ws.sockets[1]!.drop(1006);
    await t.clock.advance(0);
    const sse = t.server.streams[0]!;
    sse.send({ type: 'ready', cursor: 'c10' });
    await t.clock.advance(0);
    expect(t.inbox.state).toMatchObject({ status: 'live', transport: 'sse' });
    const beat = async (ms: number) => {
      for (let left = ms; left > 0; left -= 50000) {
        await t.clock.advance(Math.min(50000, left));
        t.server.streams.at(-1)!.write(': heartbeat\n\n');
      }
    };
    await beat(300000);
    expect(t.ws.sockets).toHaveLength(3);
    t.ws.sockets[2]!.drop(1006);
    await t.clock.advance(0);
    // Straight back to the event stream, from the last cursor.
    expect(t.server.streams).toHaveLength(2);
    t.server.streams[1]!.send({ type: 'ready', cursor: 'c10' });
    await beat(599999);
    expect(t.ws.sockets).toHaveLength(3);
    await t.clock.advance(1);
    expect(t.ws.sockets).toHaveLength(4);
  });

  it('goes straight to the event stream without a WebSocket constructor', async () => {
    const t = await started(setup({ WebSocket: null }));
    expect(t.ws.sockets).toHaveLength(0);
    expect(t.server.callsTo('/stream')).toHaveLength(1);
    expect(t.inbox.state).toMatchObject({ transport: 'sse', status: 'connecting', error: undefined });
    t.server.streams[0]!.send({ type: 'ready', cursor: 'c10' });
    // At the top already: no climbing to a transport that is not there.
    for (let i = 0; i < 8; i++) {
      await t.clock.advance(100000);
      t.server.streams[0]!.write(': heartbeat\n\n');
    }
    expect(t.server.streams).toHaveLength(1);
    expect(t.inbox.state).toMatchObject({ transport: 'sse', status: 'live' });
  });

  it('takes a fresh snapshot and its cursor when the stream refuses the cursor (400)', async () => {
    const t = setup({ transport: 'sse' });
    let bad = true;
    t.server.refuse = (c) => (c.route == '/stream' && bad ? ((bad = false), refusal(400, 'INVALID_PARAMETER')) : undefined);
    await started(t);
    await t.clock.advance(0);
    expect(t.inbox.state).toMatchObject({ status: 'offline', error: { code: 'INVALID_PARAMETER' } });
    t.server.items.unshift(note());
    t.server.touch();
    await t.clock.advance(2000);
    expect(t.server.calls.map((c) => c.route)).toEqual(['', '/stream', '', '/stream']);
    expect(params(t.server.streams[0]!.url).since).toBe('c11');
    expect(t.inbox.state.notifications[0]).toEqual(t.server.items[0]);
  });

  it('counts a transport that says nothing for 15 s as a failed attempt', async () => {
    const t = await started(setup());
    await t.clock.advance(14999);
    expect(t.ws.sockets[0]!.closed).toBe(false);
    await t.clock.advance(1);
    expect(t.ws.sockets[0]!.closed).toBe(true);
    expect(t.inbox.state).toMatchObject({ status: 'offline', error: { code: 'TIMEOUT' } });
    await t.clock.advance(2000);
    expect(t.ws.sockets).toHaveLength(2);
  });

  it('counts a connection that drops within 30 s of ready as a failed attempt: it backs off and climbs down', async () => {
    const t = await live();
    t.socket.drop(1006);
    expect(t.inbox.state).toMatchObject({ status: 'offline', transport: 'websocket', error: { code: 'CLOSED' } });
    await t.clock.advance(1999);
    expect(t.ws.sockets).toHaveLength(1);
    await t.clock.advance(1);
    const second = t.ws.sockets[1]!;
    second.open();
    second.receive({ type: 'ready', cursor: 'c10' });
    expect(t.inbox.state.status).toBe('live');
    await t.clock.advance(29999);
    second.drop(1006);
    await t.clock.advance(0);
    // Two failed attempts in a row: the event stream, at once.
    expect(t.server.callsTo('/stream')).toHaveLength(1);
    expect(t.inbox.state).toMatchObject({ transport: 'sse', status: 'connecting' });
    // Up 30 s: it works, and a drop after is only a drop: back soon, on the same transport.
    t.server.streams[0]!.send({ type: 'ready', cursor: 'c10' });
    await t.clock.advance(30000);
    t.server.streams[0]!.end();
    await t.clock.advance(0);
    expect(t.inbox.state).toMatchObject({ transport: 'sse', status: 'connecting', error: undefined });
    await t.clock.advance(2000);
    expect(t.server.callsTo('/stream')).toHaveLength(2);
  });

  it('waits Retry-After on 429 without counting it as a failure of the transport', async () => {
    const t = setup({ transport: 'auto', WebSocket: null });
    let refusals = 3;
    t.server.refuse = (c) => (c.route == '/stream' && refusals-- > 0 ? refusal(429, 'RATE_LIMIT_EXCEEDED', { 'retry-after': '30' }) : undefined);
    await started(t);
    for (let i = 1; i <= 3; i++) {
      expect(t.inbox.state).toMatchObject({ status: 'offline', transport: 'sse', error: { code: 'RATE_LIMIT_EXCEEDED', retryAfterMs: 30000 } });
      await t.clock.advance(29999);
      expect(t.server.callsTo('/stream')).toHaveLength(i);
      await t.clock.advance(1);
    }
    expect(t.server.callsTo('/stream')).toHaveLength(4);
    expect(t.server.callsTo('')).toHaveLength(1);
  });
});
