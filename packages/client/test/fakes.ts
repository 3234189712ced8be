import type { Notification, Socket, StreamMessage } from '../src/types';

// Test doubles: a clock the test moves, a fetch that answers like the Worker (a small in-memory model of
// the client API), WebSockets, Web Locks and BroadcastChannels.

/** Lets pending promises and response bodies settle (a zero-delay yield to the event loop, not a wait). */
export async function flush(rounds = 12) {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setTimeout(r, 0));
}

export const T0 = Date.parse('2026-03-01T12:00:00.000Z');

export function fakeClock(start = T0) {
  let now = start;
  let seq = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  return {
    now: () => now,
    setTimeout(fn: () => void, ms: number) {
      // As every platform does: a delay over 2^31-1 ms overflows and the timer runs at once.
      timers.set(++seq, { at: now + (ms > 2 ** 31 - 1 ? 0 : Math.max(0, ms)), fn });
      return seq;
    },
    clearTimeout(id: unknown) {
      timers.delete(id as number);
    },
    /** The delays of the timers not yet run, soonest first. */
    pending: () => [...timers.values()].map((t) => t.at - now).sort((a, b) => a - b),
    /** Moves time on by `ms`, running each timer due on the way in order, letting promises settle after each. */
    async advance(ms: number) {
      const end = now + ms;
      await flush();
      for (;;) {
        let next: [number, { at: number; fn: () => void }] | undefined;
        for (const entry of timers) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
        if (!next) break;
        timers.delete(next[0]);
        now = next[1].at;
        next[1].fn();
        await flush();
      }
      now = end;
    },
  };
}
export type FakeClock = ReturnType<typeof fakeClock>;

let serial = 0;
export function note(over: Partial<Notification> = {}): Notification {
  serial++;
  return {
    id: `00000000-0000-4000-8000-${String(serial).padStart(12, '0')}`,
    title: 'n' + serial,
    body: '',
    category: null,
    priority: 'normal',
    icon: null,
    action_url: null,
    service_id: null,
    project: null,
    custom_data: {},
    audience: { type: 'user' },
    status: 'pending',
    created_at: new Date(T0 + serial).toISOString(),
    acknowledged_at: null,
    expires_at: null,
    ...over,
  };
}

export interface Call {
  url: URL;
  method: string;
  headers: Headers;
  body?: any;
  /** The path after /api/v1/client/notifications ('' for the list). */
  route: string;
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
export const refusal = (status: number, code: string, headers: Record<string, string> = {}) => json({ error: { code, message: code } }, status, headers);

export interface FakeStream {
  url: URL;
  headers: Headers;
  /** Sends raw SSE text. */
  write(text: string): void;
  /** Sends a message as the Worker frames it. */
  send(m: StreamMessage): void;
  end(): void;
  aborted: boolean;
}

/**
 * The client API in memory: `items` newest first, a version for the list's ETag, a sequence for stream cursors.
 * `refuse(call)` may answer a request first (a refusal, or a thrown network error).
 */
export function fakeServer(items: Notification[] = []) {
  const server = {
    items: [...items],
    token: 'tok',
    version: 1,
    seq: 10,
    calls: [] as Call[],
    streams: [] as FakeStream[],
    refuse: undefined as ((c: Call) => Response | undefined) | undefined,
    now: () => T0,
    /** Calls to a route ('' list, '/counts', '/stream', …), optionally by method. */
    callsTo: (route: string, method = 'GET') => server.calls.filter((c) => c.route == route && c.method == method),
    /** A change: the list's ETag and the stream position move on. */
    touch() {
      server.version++;
      return 'c' + ++server.seq;
    },
    counts: () => ({ total: server.items.length, pending: server.items.filter((n) => n.status == 'pending').length }),
    fetch: async (u: string, init: RequestInit = {}): Promise<Response> => {
      const url = new URL(u);
      const call: Call = {
        url,
        method: init.method || 'GET',
        headers: new Headers(init.headers),
        body: init.body ? JSON.parse(init.body as string) : undefined,
        route: url.pathname.replace('/api/v1/client/notifications', ''),
      };
      server.calls.push(call);
      const refused = server.refuse?.(call);
      if (refused) return refused;
      if (call.headers.get('authorization') != 'Bearer ' + server.token) return refusal(401, 'AUTH_INVALID_TOKEN');
      const { route, method } = call;
      if (route == '' && method == 'GET') {
        const limit = +url.searchParams.get('limit')!;
        const cursor = url.searchParams.get('cursor');
        const from = cursor ? server.items.findIndex((n) => n.id == cursor) + 1 : 0;
        const page = server.items.slice(from, from + limit);
        const more = from + limit < server.items.length;
        const etag = `W/"v${server.version}"`;
        if (!cursor && call.headers.get('if-none-match') == etag) return new Response(null, { status: 304, headers: { etag } });
        const body = {
          notifications: page,
          pagination: { next_cursor: more ? page[page.length - 1]!.id : null, has_more: more, total_count: server.items.length },
          ...(url.searchParams.get('include') == 'counts' ? { counts: server.counts() } : {}),
        };
        return json(body, 200, cursor ? {} : { etag, 'stream-cursor': 'c' + server.seq });
      }
      if (route == '/counts') {
        const c = server.counts();
        const etag = `"k${c.total}.${c.pending}"`;
        if (call.headers.get('if-none-match') == etag) return new Response(null, { status: 304, headers: { etag } });
        return json(c, 200, { etag });
      }
      if (route == '/acknowledge-all' && method == 'POST') {
        const through = server.items.findIndex((n) => n.id == call.body?.through);
        if (through < 0) return refusal(404, 'NOTIFICATION_NOT_FOUND');
        let acknowledged = 0;
        server.items = server.items.map((n, i) => (i >= through && n.status == 'pending' ? (acknowledged++, { ...n, status: 'acknowledged', acknowledged_at: new Date(server.now()).toISOString() }) : n));
        if (acknowledged) server.touch();
        return json({ acknowledged });
      }
      const ack = route.match(/^\/([\w-]+)\/acknowledge$/);
      if (ack && method == 'POST') {
        const n = server.items.find((x) => x.id == ack[1]);
        if (!n) return refusal(404, 'NOTIFICATION_NOT_FOUND');
        if (n.status == 'acknowledged') return refusal(409, 'NOTIFICATION_ALREADY_RESPONDED');
        const done: Notification = { ...n, status: 'acknowledged', acknowledged_at: new Date(server.now()).toISOString() };
        server.items = server.items.map((x) => (x == n ? done : x));
        server.touch();
        return json(done);
      }
      if (route == '/stream') {
        let controller!: ReadableStreamDefaultController<Uint8Array>;
        const encoder = new TextEncoder();
        const stream: FakeStream = {
          url,
          headers: call.headers,
          aborted: false,
          write: (text) => stream.aborted || controller.enqueue(encoder.encode(text)),
          send: (m) => stream.write(`id: ${m.cursor}\nevent: ${m.type}\ndata: ${JSON.stringify(m)}\n\n`),
          end: () => controller.close(),
        };
        // As fetch does: an abort fails the body's read.
        init.signal?.addEventListener('abort', () => {
          stream.aborted = true;
          controller.error(new DOMException('The operation was aborted', 'AbortError'));
        });
        server.streams.push(stream);
        return new Response(new ReadableStream({ start: (c) => void (controller = c) }), { headers: { 'content-type': 'text/event-stream' } });
      }
      return refusal(404, 'NOT_FOUND');
    },
  };
  return server;
}
export type FakeServer = ReturnType<typeof fakeServer>;

export interface FakeSocket extends Socket {
  url: URL;
  /** The subprotocols offered (`edge-inbox`, `bearer.<token>`, `bookmark.<b>`). */
  protocols: string[];
  sent: string[];
  closed: boolean;
  /** Server side: accept, send a message (JSON unless a string), close with a code. */
  open(): void;
  receive(m: StreamMessage | string): void;
  drop(code: number, reason?: string): void;
}

export function fakeWebSockets() {
  const sockets: FakeSocket[] = [];
  class FakeWebSocket implements FakeSocket {
    url: URL;
    sent: string[] = [];
    closed = false;
    onopen: FakeSocket['onopen'] = null;
    onmessage: FakeSocket['onmessage'] = null;
    onclose: FakeSocket['onclose'] = null;
    onerror: FakeSocket['onerror'] = null;
    protocols: string[];
    constructor(url: string, protocols: string[] = []) {
      this.url = new URL(url);
      this.protocols = protocols;
      sockets.push(this);
    }
    send(data: string) {
      this.sent.push(data);
    }
    close() {
      this.closed = true;
    }
    open() {
      this.onopen?.({});
    }
    receive(m: StreamMessage | string) {
      this.onmessage?.({ data: typeof m == 'string' ? m : JSON.stringify(m) });
    }
    drop(code: number, reason = '') {
      this.closed = true;
      this.onclose?.({ code, reason });
    }
  }
  return { WebSocket: FakeWebSocket, sockets, open: () => sockets.filter((s) => !s.closed) };
}

/**
 * Exclusive Web Locks by name: granted in request order, released when the callback's promise settles. `steal`
 * takes a held lock at once: the holder's request rejects (AbortError), its callback runs on unaware.
 */
export function fakeLocks() {
  const held = new Map<string, { reject: (error: Error) => void }>();
  const waiting: { name: string; grant: () => void; cancel: () => void }[] = [];
  const next = (name: string) => waiting.find((w) => w.name == name)?.grant();
  return {
    held,
    request(name: string, options: { signal?: AbortSignal; steal?: boolean }, callback: (lock: unknown) => Promise<unknown>) {
      return new Promise((resolve, reject) => {
        const entry = {
          name,
          grant: () => {
            const i = waiting.indexOf(entry);
            if (i >= 0) waiting.splice(i, 1);
            const holder = { reject };
            held.set(name, holder);
            callback({ name })
              .then(resolve, reject)
              .finally(() => {
                // A stolen lock is no longer this callback's to release.
                if (held.get(name) != holder) return;
                held.delete(name);
                next(name);
              });
          },
          cancel: () => {
            const i = waiting.indexOf(entry);
            if (i >= 0) waiting.splice(i, 1), reject(new DOMException('aborted', 'AbortError'));
          },
        };
        if (options.steal) {
          held.get(name)?.reject(new DOMException('stolen', 'AbortError'));
          return entry.grant();
        }
        waiting.push(entry);
        options.signal?.addEventListener('abort', entry.cancel);
        if (!held.has(name)) entry.grant();
      });
    },
  };
}

/**
 * BroadcastChannels of one browser: a message reaches every other open channel of its name, cloned, later.
 * `hold()` keeps messages back until `release()` (two tabs acting before either hears the other); `cut(c)`
 * silences a channel both ways, as when its tab is frozen or killed.
 */
export function fakeChannels() {
  const open = new Set<FakeChannel>();
  const cut = new Set<FakeChannel>();
  const held: (() => void)[] = [];
  let holding = false;
  const log: { name: string; data: any }[] = [];
  class FakeChannel {
    onmessage: ((e: { data: any }) => void) | null = null;
    constructor(public name: string) {
      open.add(this);
    }
    postMessage(m: unknown) {
      if (!open.has(this)) throw new DOMException('closed', 'InvalidStateError');
      if (cut.has(this)) return;
      const data = structuredClone(m);
      log.push({ name: this.name, data });
      for (const c of open)
        if (c != this && c.name == this.name) {
          const deliver = () => open.has(c) && !cut.has(c) && c.onmessage?.({ data });
          holding ? held.push(deliver) : queueMicrotask(deliver);
        }
    }
    close() {
      open.delete(this);
    }
  }
  return {
    BroadcastChannel: FakeChannel,
    open,
    log,
    cut: (c: FakeChannel) => void cut.add(c),
    /** The tab thaws: its channel hears and speaks again. */
    uncut: (c: FakeChannel) => void cut.delete(c),
    hold: () => void (holding = true),
    release() {
      holding = false;
      held.splice(0).forEach((deliver) => deliver());
    },
  };
}

/** A JWT-shaped token (unsigned: the library only reads its claims to name the shared connection). */
export const jwt = (sub: string, claims: Record<string, unknown> = {}) => `e30.${btoa(JSON.stringify({ sub, ...claims })).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')}.sig`;

/** A visibility hook the test flips. */
export function fakeVisibility(visible = true) {
  const subs = new Set<() => void>();
  return {
    visible: () => visible,
    subscribe: (cb: () => void) => (subs.add(cb), () => void subs.delete(cb)),
    set(v: boolean) {
      visible = v;
      subs.forEach((cb) => cb());
    },
  };
}

/** A 200 whose JSON body comes only when `finish()` is called (an answer still on its way). */
export function slowAnswer(body: unknown, headers: Record<string, string> = {}) {
  let finish!: () => void;
  const stream = new ReadableStream<Uint8Array>({
    start: (controller) => void (finish = () => (controller.enqueue(new TextEncoder().encode(JSON.stringify(body))), controller.close())),
  });
  return { response: new Response(stream, { headers: { 'content-type': 'application/json', ...headers } }), finish: () => finish() };
}
