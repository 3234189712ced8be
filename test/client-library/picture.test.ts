import { afterEach, describe, expect, it } from 'vitest';
import { createInbox, type Inbox, type InboxOptions, type Transport } from '../../packages/client/src';
import { ack, LIST } from '../api/client/helpers';
import { member } from '../api/client/stream-helpers';
import { ADMIN, call, send, until, userToken } from '../helpers';
import { BASE, sockets, workerFetch, WorkerWebSocket } from './worker-transport';

// Issue 25's cases against the real Worker: each sequence a user meets, with the library's picture compared to
// the server's answer (the fakes' versions are in packages/client/test).

const open: Inbox[] = [];
afterEach(() => {
  open.splice(0).forEach((inbox) => inbox.stop());
  sockets.splice(0);
});

type Member = Awaited<ReturnType<typeof member>>;

function startInbox(m: Member, transport: Transport, extra: Partial<InboxOptions> = {}) {
  const inbox = createInbox({
    baseUrl: BASE,
    token: () => userToken({ sub: m.user, project: m.project, orgs: ['crew'] }),
    transport,
    fetch: workerFetch as InboxOptions['fetch'],
    WebSocket: WorkerWebSocket,
    share: false,
    polling: { minIntervalMs: 100, maxIntervalMs: 300 },
    reconnect: { minDelayMs: 50, maxDelayMs: 200 },
    ...extra,
  });
  open.push(inbox);
  return inbox;
}

const serverCounts = async (m: Member) => (await call(`${LIST}/counts`, { headers: m.headers })).json();
const same = async (inbox: Inbox, m: Member) => JSON.stringify(inbox.state.counts) === JSON.stringify(await serverCounts(m));

describe.each(['websocket', 'sse'] as const)('over %s', (transport) => {
  it('counts once an acknowledge made between the first page and the stream (case 1)', async () => {
    const m = await member(`case1-${transport}`, ['crew']);
    const [first] = await send(m.project, { to: [{ user: m.user }], title: 'first' });
    await send(m.project, { to: [{ org: 'crew' }], title: 'second' });
    // Another device acknowledges right after the library's first page is answered, before its stream opens.
    let acknowledged = false;
    const inbox = startInbox(m, transport, {
      fetch: async (url, init) => {
        const response = await workerFetch(url, init);
        // The first page (whatever else the library then asks before its stream).
        const { pathname, searchParams } = new URL(url);
        if (!acknowledged && pathname.endsWith('/notifications') && !searchParams.has('cursor')) {
          acknowledged = true;
          expect((await ack(first!.id, m.headers)).status).toBe(200);
        }
        return response;
      },
    });
    await inbox.start();
    await until(async () => inbox.state.status === 'live' && inbox.state.notifications.find((n) => n.id === first!.id)?.status === 'acknowledged');
    await until(() => same(inbox, m));
    expect(inbox.state.counts).toEqual({ total: 2, pending: 1 });
    // It stays so: no later recount was needed to put it right.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(inbox.state.counts).toEqual({ total: 2, pending: 1 });
  });

  it('takes an expiring notification it does not hold out of the counts when it expires (case 3)', async () => {
    const m = await member(`case3-${transport}`, ['crew']);
    await send(m.project, { to: [{ user: m.user }], title: 'older, expiring', expires_at: new Date(Date.now() + 6000).toISOString() });
    await send(m.project, { to: [{ user: m.user }], title: 'newer' });
    // A page of one: the expiring notification is not held.
    const inbox = startInbox(m, transport, { pageSize: 1 });
    await inbox.start();
    expect(inbox.state.notifications.map((n) => n.title)).toEqual(['newer']);
    expect(inbox.state.counts).toEqual({ total: 2, pending: 2 });
    await until(async () => inbox.state.counts.total === 1, 15_000);
    expect(inbox.state.counts).toEqual({ total: 1, pending: 1 });
    expect(await serverCounts(m)).toEqual({ total: 1, pending: 1 });
  });

  it('keeps what the server said while an acknowledge failed: another device’s delete of one not held (case 4)', async () => {
    const m = await member(`case4-${transport}`, ['crew']);
    const [older] = await send(m.project, { to: [{ user: m.user }], title: 'older' });
    const [newest] = await send(m.project, { to: [{ user: m.user }], title: 'newest' });
    let answered!: () => void;
    const acknowledgeAnswered = new Promise<void>((resolve) => (answered = resolve));
    const inbox = startInbox(m, transport, {
      pageSize: 1,
      fetch: async (url, init) => {
        if (init?.method === 'POST') {
          // While this acknowledge is on its way (and fails), another device deletes the older one.
          await call(`/v1/projects/${m.project}/notifications/${older!.id}`, { method: 'DELETE', headers: ADMIN });
          await new Promise((resolve) => setTimeout(resolve, 300));
          setTimeout(answered, 0);
          return new Response(JSON.stringify({ error: { code: 'INTERNAL_ERROR', message: 'injected' } }), { status: 500 });
        }
        const response = await workerFetch(url, init);
        // A count read meanwhile (as the library once made) answers after the acknowledge.
        if (new URL(url).pathname.endsWith('/counts')) await acknowledgeAnswered;
        return response;
      },
    });
    await inbox.start();
    await until(async () => inbox.state.status === 'live');
    await expect(inbox.acknowledge(newest!.id)).rejects.toMatchObject({ status: 500 });
    await until(() => same(inbox, m));
    expect(inbox.state.counts).toEqual({ total: 1, pending: 1 });
    expect(inbox.state.notifications.map((n) => [n.title, n.status])).toEqual([['newest', 'pending']]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(inbox.state.counts).toEqual({ total: 1, pending: 1 });
  });
});

describe('over polling', () => {
  it('follows changes to what loadMore added: deleted and acknowledged elsewhere (case 5)', async () => {
    const m = await member('case5', ['crew']);
    const created = [];
    for (let i = 0; i < 5; i++) created.push((await send(m.project, { to: [{ user: m.user }], title: `n${i}` }))[0]!);
    const inbox = startInbox(m, 'poll', { pageSize: 2 });
    await inbox.start();
    await inbox.loadMore();
    expect(inbox.state.notifications.map((n) => n.title)).toEqual(['n4', 'n3', 'n2', 'n1']);
    // Another device: the oldest held is deleted, the next acknowledged; neither is on the first page.
    await call(`/v1/projects/${m.project}/notifications/${created[1]!.id}`, { method: 'DELETE', headers: ADMIN });
    expect((await ack(created[2]!.id, m.headers)).status).toBe(200);
    await until(async () => !inbox.state.notifications.some((n) => n.title === 'n1'));
    expect(inbox.state.notifications.map((n) => [n.title, n.status])).toEqual([
      ['n4', 'pending'],
      ['n3', 'pending'],
      ['n2', 'acknowledged'],
      ['n0', 'pending'],
    ]);
    expect(inbox.state.counts).toEqual(await serverCounts(m));
    expect(inbox.state.hasMore).toBe(false);
  });
});
