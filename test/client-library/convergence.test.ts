import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { createInbox, type Inbox, type Notification, type Transport } from '../../packages/client/src';
import { LIST } from '../api/client/helpers';
import { member } from '../api/client/stream-helpers';
import { ADMIN, call, send, userToken } from '../helpers';
import { BASE, sockets, workerFetch, WorkerWebSocket } from './worker-transport';

// The library's picture equals the server's (issue 25). A seeded random run drives the real Worker (D1,
// Durable Objects) and the real library together: creates to the user, their organisation and everyone
// (some expiring), other devices' acknowledges, acknowledge-alls, deletes and archives, the user's own
// acknowledges (some refused: already acknowledged, gone, or a failed request), loadMore, dropped connections,
// failed requests and a `reset`. After each round it waits for a quiet moment, then compares what the library
// shows (the notifications it has loaded and its counts) with what the server answers for that user then.

const ROUNDS = 16;
const OPERATIONS_PER_ROUND = 4;
const SEEDS = [11, 25, 2026];
const PAGE = 4;

/** mulberry32: a small seeded generator, so that a failing run can be replayed from its seed. */
function seeded(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, pick: <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!, chance: (p: number) => next() < p };
}

/** The library's requests, through a proxy that fails one now and then (a network error or a 503), and cuts event streams. */
function faultyNetwork(random: ReturnType<typeof seeded>) {
  const streams: ReadableStreamDefaultController<Uint8Array>[] = [];
  const state = { failures: 0, faultRate: 0, failNext: false };
  const fetch = async (url: string, init?: RequestInit) => {
    if (state.failNext || random.chance(state.faultRate)) {
      state.failNext = false;
      state.failures++;
      if (random.chance(0.5)) throw new TypeError('network connection lost');
      return new Response(JSON.stringify({ error: { code: 'SERVICE_UNAVAILABLE', message: 'injected' } }), { status: 503 });
    }
    const response = await workerFetch(url, init);
    if (!url.includes('/stream') || !response.body) return response;
    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => void streams.push(controller),
      pull: async (controller) => {
        const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    });
    return new Response(body, response);
  };
  const drop = () => {
    streams.splice(0).forEach((controller) => controller.error(new TypeError('network connection lost')));
    sockets.forEach((socket) => socket.drop());
  };
  return { fetch, drop, state };
}

interface Truth {
  notifications: Notification[];
  counts: { total: number; pending: number };
  hasMore: boolean;
}

/** What the server answers for the user now: the newest `held` notifications (page by page), whether there are more, the counts. */
async function serverTruth(headers: Record<string, string>, held: number): Promise<Truth> {
  const notifications: Notification[] = [];
  let cursor: string | null = null;
  let more = true;
  // One more than held: whether the server has more than the library loaded.
  while (more && notifications.length <= held) {
    const limit = Math.min(100, held + 1 - notifications.length);
    const response = await call(`${LIST}?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers });
    const page = (await response.json()) as { notifications: Notification[]; pagination: { next_cursor: string | null; has_more: boolean } };
    notifications.push(...page.notifications);
    cursor = page.pagination.next_cursor;
    more = page.pagination.has_more;
  }
  const counts = (await (await call(`${LIST}/counts`, { headers })).json()) as Truth['counts'];
  return { notifications: notifications.slice(0, held), counts, hasMore: notifications.length > held };
}

const picture = (inbox: Inbox): Truth => ({ notifications: inbox.state.notifications, counts: inbox.state.counts, hasMore: inbox.state.hasMore });

/** Waits for a quiet moment in which the library shows what the server answers; returns the last comparison. */
async function settled(inbox: Inbox, headers: Record<string, string>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let last: { library: Truth; server: Truth } | undefined;
  for (;;) {
    // Compared only while nothing is under way on the library's side (an error waits for its retry).
    if (/^(live|polling)$/.test(inbox.state.status)) {
      const library = picture(inbox);
      const server = await serverTruth(headers, library.notifications.length);
      if (JSON.stringify(library) === JSON.stringify(picture(inbox)) && JSON.stringify(library) === JSON.stringify(server)) return { library, server };
      last = { library, server };
    }
    if (Date.now() > deadline) return last;
    // Slow enough that these reads stay well inside the user's rate limit (300 per 10 s in the tests).
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

const open: Inbox[] = [];
afterEach(() => {
  open.splice(0).forEach((inbox) => inbox.stop());
  sockets.splice(0);
});

describe.each(['websocket', 'sse', 'poll'] as const)('the library’s picture over %s', (transport: Transport) => {
  it.each(SEEDS)('equals the server’s after every round of a random run (seed %i)', async (seed) => {
    const random = seeded(seed);
    const m = await member(`converge-${transport}-${seed}`, ['crew']);
    const network = faultyNetwork(random);
    const inbox = createInbox({
      baseUrl: BASE,
      token: () => userToken({ sub: m.user, project: m.project, orgs: ['crew'] }),
      transport,
      fetch: network.fetch,
      WebSocket: WorkerWebSocket,
      share: false,
      pageSize: PAGE,
      polling: { minIntervalMs: 100, maxIntervalMs: 300 },
      reconnect: { minDelayMs: 50, maxDelayMs: 200 },
    });
    open.push(inbox);
    // The inbox has a few pages already, and another device acts while this one starts (between its first page
    // and its stream, say).
    for (let i = 0; i < 3; i++) await send(m.project, { to: [{ user: m.user }, { org: 'crew' }, { everyone: true }], title: `before ${i}` });
    const before = (await serverTruth(m.headers, 9)).notifications;
    await Promise.all([
      inbox.start(),
      (async () => {
        for (const notification of before.slice(0, 4)) await call(`${LIST}/${notification.id}/acknowledge`, { method: 'POST', headers: m.headers });
      })(),
    ]);
    network.state.faultRate = 0.08;
    const done: string[] = [];
    const ids = async () => ((await serverTruth(m.headers, 50)).notifications.map((n) => n.id));
    const user = (path: string, method = 'POST') => call(`${LIST}${path}`, { method, headers: m.headers });

    const operations: Record<string, () => Promise<unknown>> = {
      create: () =>
        send(m.project, {
          to: [random.pick([{ user: m.user }, { org: 'crew' }, { everyone: true }, { org: 'not-theirs' }])],
          title: `n${done.length}`,
          priority: random.pick(['low', 'normal', 'high']),
          // Some expire within the run, a few seconds out: a quiet moment may fall either side of it.
          ...(random.chance(0.25) ? { expires_at: new Date(Date.now() + 1500 + random.next() * 3000).toISOString() } : {}),
        }),
      otherDeviceAcknowledges: async () => {
        const list = await ids();
        if (list.length) await user(`/${random.pick(list)}/acknowledge`);
      },
      otherDeviceAcknowledgesAll: async () => {
        const list = await ids();
        if (list.length) await call(`${LIST}/acknowledge-all`, { method: 'POST', headers: { ...m.headers, 'content-type': 'application/json' }, body: JSON.stringify({ through: random.pick(list) }) });
      },
      operatorDeletes: async () => {
        const list = await ids();
        if (list.length) await call(`/v1/projects/${m.project}/notifications/${random.pick(list)}`, { method: 'DELETE', headers: ADMIN });
      },
      operatorArchives: async () => {
        const list = await ids();
        if (list.length) await call(`/api/v1/project/${m.project}/notification/${random.pick(list)}/archive`, { method: 'PUT', headers: ADMIN });
      },
      // The user's own calls: refusals (already acknowledged: fine; gone: 404; an injected failure) are part of the run.
      acknowledges: async () => {
        const held = inbox.state.notifications;
        if (held.length) await inbox.acknowledge(random.pick(held).id).catch(() => {});
      },
      acknowledgesAll: () => inbox.acknowledgeAll().catch(() => {}),
      loadsMore: () => inbox.loadMore().catch(() => {}),
      dropsTheConnection: async () => network.drop(),
      theNextRequestFails: async () => void (network.state.failNext = true),
    };
    // Weighted: an inbox that grows past a page (so that loadMore and older notifications matter) and is busy.
    const weights: Record<string, number> = { create: 3, otherDeviceAcknowledges: 2, acknowledges: 2, loadsMore: 2 };
    const names = Object.keys(operations).flatMap((name) => Array<string>(weights[name] ?? 1).fill(name));

    for (let round = 0; round < ROUNDS; round++) {
      // The library's first request of every round fails, besides the random ones.
      network.state.failNext = true;
      // Half of each round's operations start together, as they would on a busy account.
      const running: Promise<unknown>[] = [];
      for (let i = 0; i < OPERATIONS_PER_ROUND; i++) {
        const name = random.pick(names);
        done.push(name);
        const started = operations[name]!();
        if (random.chance(0.5)) running.push(started);
        else await started;
      }
      if (round === 5) {
        // Retention purges the change history past the client's cursor: its next connection gets `reset`.
        const { head } = (await env.DB.prepare('SELECT max(seq) AS head FROM inbox_changes').first<{ head: number }>())!;
        await env.DB.prepare('INSERT INTO change_horizons (project_id, purged_through) VALUES (?1, ?2) ON CONFLICT (project_id) DO UPDATE SET purged_through = excluded.purged_through')
          .bind(m.project, head)
          .run();
        network.drop();
      }
      await Promise.all(running);
      // A quiet moment: no fault is injected while the library catches up.
      network.state.faultRate = 0;
      network.state.failNext = false;
      const result = await settled(inbox, m.headers, 15_000);
      // Undefined: the library never got back to live or polling to be compared.
      expect(result, `seed ${seed}, round ${round}: status ${inbox.state.status}`).toBeDefined();
      expect(result!.library, `seed ${seed}, round ${round}: ${done.join(', ')}`).toEqual(result!.server);
      network.state.faultRate = 0.08;
    }
    // The run did what it is for: faults were injected, the user loaded more than a page, and acted.
    expect(network.state.failures).toBeGreaterThan(0);
    expect(done).toEqual(expect.arrayContaining(['create', 'acknowledges']));
  }, 120_000);
});
