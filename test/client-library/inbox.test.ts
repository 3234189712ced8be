import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { createInbox, type Inbox, type InboxOptions, type Transport } from '../../packages/client/src';
import { ack, LIST } from '../api/client/helpers';
import { member } from '../api/client/stream-helpers';
import { call, send, until, userToken } from '../helpers';
import { BASE, sockets, workerFetch, WorkerWebSocket } from './worker-transport';

// @edge-inbox/client against the real Worker (D1, Durable Objects) in the pool: every transport,
// reconnects, `reset`, and state from other devices. Real time: each test waits on conditions.

const open: Inbox[] = [];
afterEach(() => {
  open.splice(0).forEach((inbox) => inbox.stop());
  sockets.splice(0);
});

/** Everything the tests count: the library's requests by path. */
function countingFetch() {
  const requests: string[] = [];
  const streams: ReadableStreamDefaultController<Uint8Array>[] = [];
  const fetch = async (url: string, init?: RequestInit) => {
    requests.push(`${init?.method ?? 'GET'} ${new URL(url).pathname.replace('/api/v1/client/notifications', '') || '/'}`);
    const response = await workerFetch(url, init);
    if (!url.includes('/stream') || !response.body) return response;
    // An event stream the test can cut, as a dropped network would.
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
  const dropStreams = () => streams.splice(0).forEach((c) => c.error(new TypeError('network connection lost')));
  return { fetch, requests, dropStreams };
}

async function startInbox(m: { user: string; project: string; orgs?: string[] }, transport: Transport, extra: Partial<InboxOptions> = {}) {
  const net = countingFetch();
  const inbox = createInbox({
    baseUrl: BASE,
    token: () => userToken({ sub: m.user, project: m.project, orgs: m.orgs ?? ['crew'] }),
    transport,
    fetch: net.fetch,
    WebSocket: WorkerWebSocket,
    share: false,
    polling: { minIntervalMs: 100, maxIntervalMs: 400 },
    reconnect: { minDelayMs: 50, maxDelayMs: 200 },
    ...extra,
  });
  open.push(inbox);
  await inbox.start();
  return { inbox, ...net };
}

const titles = (inbox: Inbox) => inbox.state.notifications.map((n) => n.title);
const serverCounts = async (headers: Record<string, string>) => (await call(`${LIST}/counts`, { headers })).json();

describe.each(['websocket', 'sse', 'poll'] as const)('the client library over %s', (transport) => {
  it('starts with the first page and counts, then shows new notifications, others’ acknowledges and its own', async () => {
    const m = await member(`lib-${transport}`, ['crew']);
    const [first] = await send(m.project, { to: [{ user: m.user }], title: 'first' });
    await send(m.project, { to: [{ org: 'crew' }], title: 'team' });
    const { inbox } = await startInbox(m, transport);
    expect(titles(inbox)).toEqual(['team', 'first']);
    expect(inbox.state.counts).toEqual({ total: 2, pending: 2 });
    expect(inbox.state.transport).toBe(transport);
    await until(async () => inbox.state.status === (transport === 'poll' ? 'polling' : 'live'));

    await send(m.project, { to: [{ everyone: true }], title: 'urgent', priority: 'critical' });
    await until(async () => titles(inbox)[0] === 'urgent');
    expect(inbox.state.counts).toEqual({ total: 3, pending: 3 });

    // Another device of the same user acknowledges: this one follows.
    expect((await ack(first!.id, m.headers)).status).toBe(200);
    await until(async () => inbox.state.notifications.find((n) => n.id === first!.id)?.status === 'acknowledged');
    await until(async () => inbox.state.counts.pending === 2);

    // Its own acknowledge: at once in the state, and on the server.
    const team = inbox.state.notifications.find((n) => n.title === 'team')!;
    const acknowledging = inbox.acknowledge(team.id);
    expect(inbox.state.notifications.find((n) => n.id === team.id)!.status).toBe('acknowledged');
    expect(inbox.state.counts.pending).toBe(1);
    await acknowledging;
    const onServer = (await (await call(`${LIST}/${team.id}`, { headers: m.headers })).json()) as { status: string };
    expect(onServer.status).toBe('acknowledged');

    // Another device acknowledges all: this one follows (the `acknowledged` event, or the next poll).
    const [other] = await send(m.project, { to: [{ user: m.user }], title: 'other device' });
    await until(async () => titles(inbox)[0] === 'other device');
    const elsewhere = await call(`${LIST}/acknowledge-all`, { method: 'POST', headers: m.headers });
    expect(await elsewhere.json()).toEqual({ acknowledged: 2 });
    await until(async () => inbox.state.notifications.every((n) => n.status === 'acknowledged'));
    await until(async () => inbox.state.counts.pending === 0);
    expect(inbox.state.counts).toEqual({ total: 4, pending: 0 });
    expect(inbox.state.notifications.find((n) => n.id === other!.id)!.acknowledged_at).not.toBeNull();

    // Its own acknowledge all: everything shown, nothing newer.
    await send(m.project, { to: [{ org: 'crew' }], title: 'mine' });
    await until(async () => titles(inbox)[0] === 'mine');
    expect(await inbox.acknowledgeAll()).toBe(1);
    expect(inbox.state.counts).toEqual({ total: 5, pending: 0 });
    expect(await serverCounts(m.headers)).toEqual({ total: 5, pending: 0 });
    await send(m.project, { to: [{ user: m.user }], title: 'after' });
    await until(async () => titles(inbox)[0] === 'after');
    await until(async () => inbox.state.counts.pending === 1);
    expect(await serverCounts(m.headers)).toEqual({ total: 6, pending: 1 });
    expect(inbox.state.notifications.map((n) => n.status)).toEqual(['pending', ...Array(5).fill('acknowledged')]);
  });

  it('started during a burst of creates, ends with every notification exactly once', async () => {
    const m = await member(`burst-${transport}`, ['crew']);
    const created: string[] = [];
    let done = false;
    const producing = (async () => {
      for (let i = 0; i < 24; i++) {
        const to = [{ user: m.user }, { org: 'crew' }, { everyone: true }][i % 3]!;
        created.push(...(await send(m.project, { to: [to], title: `n${i}` })).map((n) => n.id));
      }
      done = true;
    })();
    while (created.length < 4) await new Promise((r) => setTimeout(r, 10));
    const { inbox } = await startInbox(m, transport);
    await producing;
    await until(async () => done && inbox.state.notifications.length === created.length, 10_000);
    expect(inbox.state.notifications.map((n) => n.id)).toEqual([...created].reverse());
    await until(async () => inbox.state.counts.total === 24);
    expect(inbox.state.counts).toEqual({ total: 24, pending: 24 });
  });
});

describe('the client library’s live transports', () => {
  it('resumes a dropped WebSocket from its last cursor: nothing lost, nothing twice', async () => {
    const m = await member('lib-ws-drop', ['crew']);
    const { inbox } = await startInbox(m, 'websocket');
    await until(async () => inbox.state.status === 'live');
    await send(m.project, { to: [{ user: m.user }], title: 'before' });
    await until(async () => titles(inbox).includes('before'));
    sockets.at(-1)!.drop();
    await send(m.project, { to: [{ org: 'crew' }], title: 'while away' });
    await until(async () => titles(inbox).includes('while away'));
    expect(sockets.length).toBe(2);
    expect(sockets[1]!.url).toMatch(/[?&]since=[\w-]+/);
    expect(titles(inbox)).toEqual(['while away', 'before']);
  });

  it('resumes a dropped event stream from its last cursor', async () => {
    const m = await member('lib-sse-drop', ['crew']);
    const { inbox, requests, dropStreams } = await startInbox(m, 'sse');
    await until(async () => inbox.state.status === 'live');
    await send(m.project, { to: [{ user: m.user }], title: 'before' });
    await until(async () => titles(inbox).includes('before'));
    dropStreams();
    await send(m.project, { to: [{ everyone: true }], title: 'while away' });
    await until(async () => titles(inbox).includes('while away'));
    expect(titles(inbox)).toEqual(['while away', 'before']);
    expect(requests.filter((r) => r === 'GET /stream').length).toBe(2);
    // One first page, never a second: the stream resumed instead.
    expect(requests.filter((r) => r === 'GET /').length).toBe(1);
  });

  it('takes a fresh snapshot when the stream says `reset` (its cursor fell behind the stored history)', async () => {
    const m = await member('lib-reset', ['crew']);
    const { inbox, requests, dropStreams } = await startInbox(m, 'sse');
    await until(async () => inbox.state.status === 'live');
    // Retention purged the change history past every cursor this client holds.
    await env.DB.prepare('INSERT INTO change_horizons (project_id, purged_through) VALUES (?1, ?2)').bind(m.project, 1e12).run();
    await send(m.project, { to: [{ user: m.user }], title: 'missed by the stream' });
    dropStreams();
    await until(async () => titles(inbox).includes('missed by the stream'));
    expect(requests.filter((r) => r === 'GET /').length).toBe(2);
    expect(inbox.state.counts).toEqual({ total: 1, pending: 1 });
  });

  it('falls back from a refused WebSocket to the event stream', async () => {
    const m = await member('lib-fallback', ['crew']);
    class Refused extends WorkerWebSocket {
      constructor(url: string) {
        super(url.replace('/ws?', '/nowhere?'));
      }
    }
    const { inbox } = await startInbox(m, 'auto' as Transport, { WebSocket: Refused });
    await until(async () => inbox.state.transport === 'sse' && inbox.state.status === 'live', 10_000);
    await send(m.project, { to: [{ user: m.user }], title: 'via sse' });
    await until(async () => titles(inbox).includes('via sse'));
  });

  it('stops as `replaced` when another connection takes its listener id', async () => {
    const m = await member('lib-replaced', ['crew']);
    const { inbox: older } = await startInbox(m, 'sse', { listenerId: 'phone-app' });
    await until(async () => older.state.status === 'live');
    const { inbox: newer } = await startInbox(m, 'websocket', { listenerId: 'phone-app' });
    await until(async () => newer.state.status === 'live');
    await until(async () => older.state.status === 'replaced');
    await send(m.project, { to: [{ user: m.user }], title: 'to the newer' });
    await until(async () => titles(newer).includes('to the newer'));
  });
});
