import { describe, expect, it } from 'vitest';
import { createInbox } from '../src/inbox';
import type { InboxOptions } from '../src/types';
import { fakeChannels, fakeClock, fakeLocks, fakeServer, fakeVisibility, fakeWebSockets, jwt, note, refusal } from './fakes';

/** One browser: tabs share the server, the clock, the locks and the channels. */
function browser({ locks = true } = {}) {
  const server = fakeServer([note(), note(), note()]);
  server.token = jwt('alice');
  const clock = fakeClock();
  const ws = fakeWebSockets();
  const lockManager = fakeLocks();
  const channels = fakeChannels();
  let tabs = 0;
  const tab = (o: Partial<InboxOptions> = {}) => {
    const n = ++tabs;
    const inbox = createInbox({
      baseUrl: 'https://inbox.test',
      token: server.token,
      fetch: server.fetch,
      WebSocket: ws.WebSocket,
      scheduler: clock,
      random: () => n / 10,
      listenerId: 'tab-' + n,
      share: true,
      locks: locks ? lockManager : null,
      BroadcastChannel: channels.BroadcastChannel,
      ...o,
    });
    const seen: (typeof inbox.state)[] = [];
    inbox.subscribe((s) => seen.push(s));
    return Object.assign(inbox, { seen });
  };
  /** The open WebSocket, opened and ready (the leader's connection). */
  const ready = () => {
    const socket = ws.open().at(-1)!;
    socket.open();
    socket.receive({ type: 'ready', cursor: 'c' + server.seq });
    return socket;
  };
  return { server, clock, ws, locks: lockManager, channels, tab, ready };
}

const strip = ({ leader, ...rest }: { leader: boolean }) => rest;

describe('one connection per browser (Web Locks)', () => {
  it('elects the first tab; the second shows its state, live, and opens nothing', async () => {
    const b = browser();
    const a = b.tab();
    const started = a.start();
    await b.clock.advance(0);
    await started;
    const socket = b.ready();
    const second = b.tab();
    const followed = second.start();
    await b.clock.advance(0);
    await followed;
    expect(b.ws.sockets).toHaveLength(1);
    expect(b.server.calls.map((c) => c.route)).toEqual(['']);
    expect(a.state).toMatchObject({ leader: true, status: 'live' });
    expect(second.state).toMatchObject({ leader: false, status: 'live', transport: 'websocket' });
    expect(strip(second.state)).toEqual(strip(a.state));

    const fresh = note();
    b.server.items.unshift(fresh);
    socket.receive({ type: 'notification', cursor: b.server.touch(), notification: fresh });
    await b.clock.advance(0);
    expect(second.seen.at(-1)!.notifications[0]).toEqual(fresh);
    expect(second.state.counts).toEqual({ total: 4, pending: 4 });
    // The lock is named after the base URL and what the server scopes by: the token's iss, project, sub and orgs.
    expect([...b.locks.held.keys()]).toEqual(['edge-inbox:https://inbox.test/api/v1/client/notifications:[null,null,"alice",[]]']);
  });

  it('forwards a follower’s acknowledge, acknowledgeAll and loadMore to the leader', async () => {
    const b = browser();
    const a = b.tab({ pageSize: 2 });
    const f = b.tab();
    await Promise.all([a.start(), f.start(), b.clock.advance(0)]);
    b.ready();
    const id = b.server.items[0]!.id;
    const ack = f.acknowledge(id);
    await b.clock.advance(0);
    await ack;
    expect(b.server.callsTo(`/${id}/acknowledge`, 'POST')).toHaveLength(1);
    expect(f.state.notifications[0]).toMatchObject({ id, status: 'acknowledged' });
    expect(f.state.counts).toEqual({ total: 3, pending: 2 });

    const more = f.loadMore();
    await b.clock.advance(0);
    await more;
    expect(f.state).toMatchObject({ hasMore: false });
    expect(f.state.notifications).toHaveLength(3);

    b.server.refuse = (c) => (c.method == 'POST' ? refusal(500, 'INTERNAL_ERROR') : undefined);
    const all = f.acknowledgeAll();
    const failed = expect(all).rejects.toMatchObject({ code: 'INTERNAL_ERROR', status: 500 });
    await b.clock.advance(0);
    await failed;
    expect(b.server.calls.filter((c) => c.method == 'POST').map((c) => c.route)).toEqual([`/${id}/acknowledge`, '/acknowledge-all']);
    expect(f.state.notifications.map((n) => n.status)).toEqual(['acknowledged', 'pending', 'pending']);
  });

  it('hands over when the leader stops: the follower connects from the shared cursor, without refetching', async () => {
    const b = browser();
    const a = b.tab();
    const f = b.tab();
    await Promise.all([a.start(), f.start(), b.clock.advance(0)]);
    const socket = b.ready();
    b.server.items.shift();
    socket.receive({ type: 'deleted', cursor: b.server.touch(), id: b.server.calls.length ? f.state.notifications[0]!.id : '' });
    await b.clock.advance(0);
    const states = f.seen.length;
    a.stop();
    await b.clock.advance(0);
    expect(a.state).toMatchObject({ status: 'stopped', leader: false });
    expect(socket.closed).toBe(true);
    // The follower never showed 'stopped'.
    expect(f.seen.slice(states).map((s) => s.status)).not.toContain('stopped');
    expect(f.state.leader).toBe(true);
    expect(b.ws.open()).toHaveLength(1);
    const url = b.ws.open()[0]!.url;
    expect(url.searchParams.get('since')).toBe('c11');
    expect(url.searchParams.get('listener_id')).toBe('tab-2');
    expect(b.server.callsTo('')).toHaveLength(1);
    b.ready();
    expect(f.state).toMatchObject({ status: 'live', leader: true, notifications: b.server.items });
  });

  it('runs a forwarded call itself when it becomes leader before the answer', async () => {
    const b = browser();
    const a = b.tab();
    const f = b.tab();
    await Promise.all([a.start(), f.start(), b.clock.advance(0)]);
    b.ready();
    const id = f.state.notifications[1]!.id;
    // The leader goes before it hears the call.
    const ack = f.acknowledge(id);
    a.stop();
    await b.clock.advance(0);
    await ack;
    expect(b.server.callsTo(`/${id}/acknowledge`, 'POST')).toHaveLength(1);
    expect(f.state.notifications[1]).toMatchObject({ status: 'acknowledged' });
  });

  it('tells a leader in the background that a follower is visible: it checks at once and keeps the foreground pace', async () => {
    const b = browser();
    const hidden = fakeVisibility(false);
    const a = b.tab({ transport: 'poll', visibility: hidden });
    await Promise.all([a.start(), b.clock.advance(0)]);
    expect(b.clock.pending()).toEqual([300000]);
    const shown = fakeVisibility(true);
    const f = b.tab({ visibility: shown });
    await Promise.all([f.start(), b.clock.advance(0)]);
    // A poll at once, then the foreground pace (and the follower's liveness check of the leader, every 15 s).
    expect(b.server.callsTo('')).toHaveLength(2);
    expect(b.clock.pending()).toEqual([9900, 15000]);
    shown.set(false);
    await b.clock.advance(0);
    expect(b.clock.pending()).toEqual([15000, 300000]);
  });

  it('takes over from a frozen leader tab within a minute: asks after 15 s of silence, steals the lock after 30 s', async () => {
    const b = browser();
    const a = b.tab();
    await Promise.all([a.start(), b.clock.advance(0)]);
    const first = b.ready();
    const f = b.tab();
    await Promise.all([f.start(), b.clock.advance(0)]);
    // A live leader that has nothing to say answers the follower's question: nobody takes over.
    await b.clock.advance(60000);
    expect(b.channels.log.filter((m) => m.data.t == 'p').length).toBeGreaterThan(0);
    expect(f.state.leader).toBe(false);
    expect(b.ws.sockets).toHaveLength(1);
    // The leader's tab freezes: it holds its lock and hears nothing.
    const [channelOfA] = [...b.channels.open];
    b.channels.cut(channelOfA!);
    const frozenAt = b.clock.now();
    await b.clock.advance(45000);
    expect(f.state).toMatchObject({ leader: true });
    expect(b.clock.now() - frozenAt).toBeLessThanOrEqual(45000);
    // It connects from where the frozen leader's stream was (the shared cursor), without a new page.
    expect(b.ws.sockets[1]!.url.searchParams.get('since')).toBe('c' + b.server.seq);
    expect(b.server.callsTo('')).toHaveLength(1);
    // The frozen tab thaws: its lock was stolen, so it follows and closes its connection; no tab takes it back.
    b.channels.uncut(channelOfA!);
    await b.clock.advance(0);
    expect(a.state.leader).toBe(false);
    expect(first.closed).toBe(true);
    await b.clock.advance(120000);
    expect([a.state.leader, f.state.leader]).toEqual([false, true]);
    expect(b.ws.open().length).toBeLessThanOrEqual(1);
  });

  it('asks before it takes over, so that a follower whose timers were slowed does not steal from a live leader', async () => {
    const b = browser();
    const a = b.tab();
    await Promise.all([a.start(), b.clock.advance(0)]);
    b.ready();
    // The follower's timers are held back to a minute (a long-hidden tab): each check finds a minute of silence.
    const throttled = { ...b.clock, setTimeout: (fn: () => void, ms: number) => b.clock.setTimeout(fn, Math.max(ms, 60000)) };
    const f = b.tab({ scheduler: throttled });
    await Promise.all([f.start(), b.clock.advance(0)]);
    const log = b.channels.log.length;
    await b.clock.advance(300000);
    const asked = b.channels.log.slice(log).filter((m) => m.data.t == 'p').length;
    expect(asked).toBeGreaterThan(1);
    expect([a.state.leader, f.state.leader]).toEqual([true, false]);
  });

  it('does not share between users', async () => {
    const b = browser();
    const a = b.tab();
    await Promise.all([a.start(), b.clock.advance(0)]);
    const bob = fakeServer([note()]);
    bob.token = jwt('bob');
    const c = b.tab({ token: jwt('bob'), fetch: bob.fetch });
    await Promise.all([c.start(), b.clock.advance(0)]);
    expect(a.state.leader).toBe(true);
    expect(c.state.leader).toBe(true);
    expect(b.ws.open()).toHaveLength(2);
    expect(b.locks.held.size).toBe(2);
  });

  it('does not share between projects (or organizations) of one user: each has its leader and its connection', async () => {
    const b = browser();
    const inProject = (project: string, orgs: string[]) => {
      const server = fakeServer([note()]);
      server.token = jwt('alice', { iss: 'https://id.example', project, orgs });
      return b.tab({ token: server.token, fetch: server.fetch });
    };
    const [x, y] = [inProject('shop', ['o1', 'o2']), inProject('blog', ['o1', 'o2'])];
    await Promise.all([x.start(), y.start(), b.clock.advance(0)]);
    expect([x.state.leader, y.state.leader]).toEqual([true, true]);
    expect(b.ws.open()).toHaveLength(2);
    // The same organizations in another order: the same principal, one connection.
    const z = inProject('shop', ['o2', 'o1']);
    await Promise.all([z.start(), b.clock.advance(0)]);
    expect(z.state.leader).toBe(false);
    expect(b.ws.open()).toHaveLength(2);
    expect(b.locks.held.size).toBe(2);
  });

  it('lets every instance lead without BroadcastChannel, or when sharing is off', async () => {
    for (const o of [{ BroadcastChannel: null }, { share: false }] as Partial<InboxOptions>[]) {
      const b = browser();
      const [x, y] = [b.tab(o), b.tab(o)];
      await Promise.all([x.start(), y.start(), b.clock.advance(0)]);
      expect([x.state.leader, y.state.leader]).toEqual([true, true]);
      expect(b.ws.open()).toHaveLength(2);
    }
  });
});

describe('one connection per browser (BroadcastChannel heartbeats)', () => {
  it('leads alone after a short wait; a second tab follows; only one connection', async () => {
    const b = browser({ locks: false });
    const a = b.tab();
    const started = a.start();
    await b.clock.advance(499);
    expect(a.state.leader).toBe(false);
    await b.clock.advance(1);
    await started;
    expect(a.state.leader).toBe(true);
    b.ready();
    const f = b.tab();
    await Promise.all([f.start(), b.clock.advance(0)]);
    expect(f.state).toMatchObject({ leader: false, status: 'live' });
    for (let i = 0; i < 3; i++) {
      await b.clock.advance(60000);
      b.ws.open()[0]!.receive('pong');
    }
    expect(f.state.leader).toBe(false);
    expect(b.ws.sockets).toHaveLength(1);
  });

  it('takes over soon after the leader says goodbye, or three beats after it went silent', async () => {
    const b = browser({ locks: false });
    const a = b.tab();
    await Promise.all([a.start(), b.clock.advance(500)]);
    const socket = b.ready();
    const f = b.tab();
    await Promise.all([f.start(), b.clock.advance(0)]);
    a.stop();
    expect(socket.closed).toBe(true);
    // Spread over a beat (random 0.2 here): 400 ms.
    await b.clock.advance(399);
    expect(f.state.leader).toBe(false);
    await b.clock.advance(1);
    expect(f.state.leader).toBe(true);
    expect(b.ws.open()).toHaveLength(1);
    expect(b.ws.open()[0]!.url.searchParams.get('since')).toBe('c10');

    // A tab that is closed says nothing: its channel just goes.
    const g = b.tab();
    await Promise.all([g.start(), b.clock.advance(0)]);
    expect(g.state.leader).toBe(false);
    // The leader's tab (f) freezes.
    const [leaderChannel, followerChannel] = [...b.channels.open];
    expect(followerChannel).toBeDefined();
    b.channels.cut(leaderChannel!);
    // Heard last at the start; three beats and a 0.3 beat later (6600 ms) it leads.
    await b.clock.advance(6599);
    expect(g.state.leader).toBe(false);
    await b.clock.advance(1);
    expect(g.state.leader).toBe(true);
  });

  it('resolves two leaders: the lower id steps down and closes its connection', async () => {
    const b = browser({ locks: false });
    const [x, y] = [b.tab(), b.tab()];
    b.channels.hold();
    await Promise.all([x.start(), y.start(), b.clock.advance(500)]);
    expect([x.state.leader, y.state.leader]).toEqual([true, true]);
    expect(b.ws.open()).toHaveLength(2);
    b.channels.release();
    await b.clock.advance(0);
    expect(y.state.leader).toBe(true);
    expect(x.state.leader).toBe(false);
    expect(b.ws.open()).toHaveLength(1);
    b.ready();
    await b.clock.advance(0);
    expect(x.state).toMatchObject({ status: 'live', leader: false });
    expect(b.ws.open()[0]!.url.searchParams.get('listener_id')).toBe('tab-2');
    await b.clock.advance(10000);
    expect([x.state.leader, y.state.leader]).toEqual([false, true]);
  });
});
