import { expect, it } from 'vitest';
import type { Inbox, InboxOptions } from '../src/types';
import { createInbox } from '../src/index';

// Type-level: the platform's own objects fit the options as they are (checked by `tsc -p packages/client`).
it('takes the platform’s fetch, WebSocket, BroadcastChannel and Web Locks as they are', () => {
  const platform = (): InboxOptions => ({
    baseUrl: 'https://inbox.example',
    token: async () => 'token',
    fetch: globalThis.fetch,
    WebSocket: globalThis.WebSocket,
    BroadcastChannel: globalThis.BroadcastChannel,
    locks: globalThis.navigator.locks,
    scheduler: { now: Date.now, setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (id) => clearTimeout(id as number) },
    visibility: { visible: () => true, subscribe: () => () => {} },
  });
  expect(typeof platform).toBe('function');
  const inbox: Inbox = createInbox({ baseUrl: 'https://inbox.example/', token: 't', share: false, fetch: async () => new Response(null, { status: 500 }) });
  expect(inbox.state).toEqual({ notifications: [], counts: { total: 0, pending: 0 }, transport: 'websocket', status: 'idle', hasMore: false, leader: false });
  expect(() => createInbox({ baseUrl: 'x', token: 't', listenerId: 'not valid!' })).toThrow(/listenerId/);
});

it('refuses a pageSize the server would refuse on every poll (an integer from 1 to 100)', () => {
  const withPageSize = (pageSize: number) => () => createInbox({ baseUrl: 'x', token: 't', share: false, pageSize });
  for (const pageSize of [0, 101, 2.5, -1, NaN]) expect(withPageSize(pageSize)).toThrow(expect.objectContaining({ code: 'INVALID_PARAMETER', message: expect.stringMatching(/pageSize/) }));
  for (const pageSize of [1, 100]) expect(withPageSize(pageSize)).not.toThrow();
});
