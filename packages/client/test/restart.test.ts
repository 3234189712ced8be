import { describe, expect, it } from 'vitest';
import { createInbox } from '../src/inbox';
import type { InboxOptions } from '../src/types';
import { fakeChannels, fakeClock, fakeLocks, fakeServer, fakeWebSockets, jwt, note } from './fakes';

function browser() {
  const server = fakeServer([note(), note(), note()]);
  server.token = jwt('alice');
  const clock = fakeClock();
  const ws = fakeWebSockets();
  const locks = fakeLocks();
  const channels = fakeChannels();
  let tabs = 0;
  const tab = (o: Partial<InboxOptions> = {}) => {
    const n = ++tabs;
    return createInbox({
      baseUrl: 'https://inbox.test',
      token: server.token,
      fetch: server.fetch,
      WebSocket: ws.WebSocket,
      scheduler: clock,
      random: () => n / 10,
      listenerId: 'tab-' + n,
      share: true,
      locks,
      BroadcastChannel: channels.BroadcastChannel,
      ...o,
    });
  };
  return { server, clock, ws, locks, channels, tab };
}

describe('start, stop and start again at once (as React StrictMode does with effects)', () => {
  it('joins the other tabs once, and leaves nothing behind when it stops', async () => {
    const b = browser();
    const a = b.tab();
    // The first start() rejects: it stopped before the first page.
    const first = expect(a.start()).rejects.toMatchObject({ code: 'STOPPED' });
    a.stop();
    const started = a.start();
    await b.clock.advance(0);
    await first;
    await started;
    expect(a.state.leader).toBe(true);
    expect(b.channels.open.size).toBe(1);
    a.stop();
    await b.clock.advance(0);
    expect(b.channels.open.size).toBe(0);
    expect(b.locks.held.size).toBe(0);
    // Another tab can lead.
    const other = b.tab();
    await Promise.all([other.start(), b.clock.advance(0)]);
    expect(other.state.leader).toBe(true);
  });
});
