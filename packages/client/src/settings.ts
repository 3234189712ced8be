import { createApi, failure, type Api, type Fetch } from './http';
import type { PollPace } from './schedule';
import type { InboxOptions, Scheduler, Socket, Transport, Visibility } from './types';

/** The options with their defaults, and what follows from them: read once, when the inbox is created. */
export interface Settings {
  readonly options: InboxOptions;
  readonly scheduler: Scheduler;
  readonly random: () => number;
  /** `{baseUrl}/api/v1/client/notifications`: the first page; the other routes are under it. */
  readonly endpoint: string;
  readonly fetch: Fetch;
  /** Requests with the user's token. */
  readonly api: Api;
  readonly visibility: Visibility;
  readonly online: NonNullable<InboxOptions['online']>;
  /** Whether there is a `document` (a browser page): `share` and `liveInBackground` default to it. */
  readonly inPage: boolean;
  readonly liveInBackground: boolean;
  readonly pace: PollPace;
  readonly pageSize: number;
  readonly WebSocket: (new (url: string, protocols?: string[]) => Socket) | null | undefined;
  /** The transports to try, best first (only one when the options name it). */
  readonly ladder: Transport[];
  readonly pingMs: number;
  readonly pongMs: number;
  readonly listenerId: string;
}

export function resolveSettings(options: InboxOptions): Settings {
  const global = globalThis as any;
  const scheduler = options.scheduler || {
    now: () => Date.now(),
    setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms),
    clearTimeout: (id: any) => clearTimeout(id),
  };
  const random = options.random || Math.random;
  const endpoint = options.baseUrl.replace(/\/+$/, '') + '/api/v1/client/notifications';
  const fetch = options.fetch || ((url, init) => global.fetch(url, init));
  const page = global.document;
  const polling = options.polling || {};
  const WebSocket = options.WebSocket === undefined ? global.WebSocket : options.WebSocket;
  const listenerId = options.listenerId || 'i' + random().toString(36).slice(2, 12) + random().toString(36).slice(2, 12);
  if (!/^[\w-]{1,64}$/.test(listenerId)) throw failure('INVALID_PARAMETER', 'listenerId: 1-64 of A-Za-z0-9_-');
  // The server refuses any other `limit` (400), which polls would retry forever.
  const pageSize = options.pageSize ?? 50;
  if (!(Number.isInteger(pageSize) && pageSize >= 1 && pageSize <= 100)) throw failure('INVALID_PARAMETER', 'pageSize: an integer from 1 to 100');
  return {
    options,
    scheduler,
    random,
    endpoint,
    fetch,
    api: createApi(endpoint, options.token, fetch, () => scheduler.now()),
    visibility: options.visibility || {
      visible: () => page?.visibilityState != 'hidden',
      subscribe: (onChange: () => void) => (
        page?.addEventListener('visibilitychange', onChange), () => page?.removeEventListener('visibilitychange', onChange)
      ),
    },
    // Only a page's window says `online`; elsewhere (Workers, Node, Deno) the option does, or nothing.
    online: options.online || {
      subscribe: (onOnline: () => void) =>
        page ? (global.addEventListener('online', onOnline), () => global.removeEventListener('online', onOnline)) : () => {},
    },
    inPage: !!page,
    liveInBackground: options.liveInBackground ?? !!page,
    pace: {
      minIntervalMs: polling.minIntervalMs ?? 5000,
      maxIntervalMs: polling.maxIntervalMs ?? 60000,
      backgroundIntervalMs: polling.backgroundIntervalMs ?? 300000,
      pauseInBackground: !!polling.pauseInBackground,
    },
    pageSize,
    WebSocket,
    // `auto` without a WebSocket constructor starts at the event stream (and never climbs to what is not there).
    ladder: !options.transport || options.transport == 'auto' ? (WebSocket ? ['websocket', 'sse', 'poll'] : ['sse', 'poll']) : [options.transport],
    pingMs: options.pingIntervalMs ?? 60000,
    pongMs: options.pongTimeoutMs ?? 10000,
    listenerId,
  };
}
