import { createInbox } from '../src/inbox';
import type { InboxOptions } from '../src/types';
import { fakeClock, fakeServer, fakeWebSockets, note } from './fakes';

/** An inbox over the fake server, clock and WebSockets; random() is 0 (no jitter) unless given. */
export function setup(options: Partial<InboxOptions> = {}, items = [note(), note(), note()]) {
  const server = fakeServer(items);
  const clock = fakeClock();
  const ws = fakeWebSockets();
  const inbox = createInbox({
    baseUrl: 'https://inbox.test/',
    token: 'tok',
    fetch: server.fetch,
    WebSocket: ws.WebSocket,
    scheduler: clock,
    random: () => 0,
    listenerId: 'tab-1',
    share: false,
    ...options,
  });
  const seen: (typeof inbox.state)[] = [];
  inbox.subscribe((s) => seen.push(s));
  return { server, clock, ws, inbox, seen, items };
}

/** Starts and lets the first page, the counts and the transport's opening happen. */
export async function started(t: ReturnType<typeof setup>) {
  const done = t.inbox.start();
  await t.clock.advance(0);
  await done;
  return t;
}

/** Started, with the WebSocket open and `ready`. */
export async function live(options: Partial<InboxOptions> = {}, items?: ReturnType<typeof note>[]) {
  const t = await started(setup(options, items));
  const socket = t.ws.sockets.at(-1)!;
  socket.open();
  socket.receive({ type: 'ready', cursor: 'c' + t.server.seq });
  return { ...t, socket };
}

export const params = (url: URL) => Object.fromEntries(url.searchParams);
