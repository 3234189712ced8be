import { describe, expect, it } from 'vitest';
import { ADMIN, call, send, until } from '../../helpers';
import { ack, LIST } from './helpers';
import { member, SseClient, WsClient } from './stream-helpers';

// The stream carries the inbox's counts (README "Counts"): a `counts` message after the first read and
// after every round that changed them, with the cursor of the last message before it, read in the same
// transaction as that round's events. A client that takes them never has to guess whether an event is
// already counted (issue 25, case 1), and an expiry it holds nothing of still reaches it (case 3).

const serverCounts = async (headers: Record<string, string>) => (await call(`${LIST}/counts`, { headers })).json();

const opens = {
  sse: (query: string, headers: Record<string, string>) => SseClient.open(query, headers),
  ws: (query: string, headers: Record<string, string>) => WsClient.open(query, headers),
};

describe.each(['sse', 'ws'] as const)('the %s stream’s counts', (transport) => {
  it('follow ready and every read with events, at the cursor of the message before them', async () => {
    const m = await member(`counts-${transport}`, ['crew']);
    const [before] = await send(m.project, { to: [{ user: m.user }], title: 'before' });
    const stream = await opens[transport]('', m.headers);
    const ready = await stream.next();
    // The first read sends the counts even with no event: at ready's position.
    expect(await stream.nextCounts(0)).toEqual({ type: 'counts', cursor: ready.cursor, counts: { total: 1, pending: 1 }, after: 'ready' });

    const [team] = await send(m.project, { to: [{ org: 'crew' }], title: 'team' });
    const created = await stream.next();
    expect(created.notification!.id).toBe(team!.id);
    expect(await stream.nextCounts(1)).toEqual({ type: 'counts', cursor: created.cursor, counts: { total: 2, pending: 2 }, after: 'notification' });

    expect((await ack(team!.id, m.headers)).status).toBe(200);
    const state = await stream.next();
    expect(state).toMatchObject({ type: 'state', state: { id: team!.id, status: 'acknowledged' } });
    expect(await stream.nextCounts(2)).toEqual({ type: 'counts', cursor: state.cursor, counts: { total: 2, pending: 1 }, after: 'state' });
    expect(await serverCounts(m.headers)).toEqual({ total: 2, pending: 1 });

    // A change that moves no count (seeds/001 marks read on a single fetch) is followed by the counts too: a client
    // may have moved its own estimate with the event.
    expect((await call(`/api/users/${m.user}/notifications/${before!.id}`, { headers: m.headers })).status).toBe(200);
    const read = await stream.next();
    expect(read.state).toMatchObject({ id: before!.id, read_at: expect.any(String), status: 'pending' });
    expect(await stream.nextCounts(3)).toEqual({ type: 'counts', cursor: read.cursor, counts: { total: 2, pending: 1 }, after: 'state' });
    expect((await call(`/v1/projects/${m.project}/notifications/${team!.id}`, { method: 'DELETE', headers: ADMIN })).status).toBe(204);
    const deleted = await stream.nextOf('deleted');
    expect(await stream.nextCounts(4)).toEqual({ type: 'counts', cursor: deleted.cursor, counts: { total: 1, pending: 1 }, after: 'deleted' });
    // Idle, nothing more.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(stream.counts).toHaveLength(5);
    await stream.close();
  });

  it('count a change made between a page and the stream that joins it once (issue 25, case 1)', async () => {
    const m = await member(`join-${transport}`);
    const [first] = await send(m.project, { to: [{ user: m.user }], title: 'x' });
    await send(m.project, { to: [{ user: m.user }], title: 'y' });
    const page = await call(`${LIST}?include=counts`, { headers: m.headers });
    const body = (await page.json()) as { counts: unknown };
    expect(body.counts).toEqual({ total: 2, pending: 2 });
    // Another device acknowledges after the page was read and before the stream opens.
    expect((await ack(first!.id, m.headers)).status).toBe(200);
    const stream = await opens[transport](`?since=${page.headers.get('stream-cursor')}`, m.headers);
    await stream.next();
    const state = await stream.next();
    expect(state).toMatchObject({ type: 'state', state: { id: first!.id, status: 'acknowledged' } });
    // One message after the state, with the server's counts: nothing left for the client to reconcile.
    expect(await stream.nextCounts(0)).toEqual({ type: 'counts', cursor: state.cursor, counts: { total: 2, pending: 1 }, after: 'state' });
    expect(stream.counts).toHaveLength(1);
    expect(await serverCounts(m.headers)).toEqual({ total: 2, pending: 1 });
    await stream.close();
  });

  it('tell an expiry with no event, at the moment it happens (issue 25, case 3)', async () => {
    const m = await member(`expiry-${transport}`);
    const expiresAt = Date.now() + 4000;
    await send(m.project, { to: [{ user: m.user }], title: 'expiring', expires_at: new Date(expiresAt).toISOString() });
    await send(m.project, { to: [{ user: m.user }], title: 'staying' });
    const stream = await opens[transport]('', m.headers);
    const ready = await stream.next();
    expect((await stream.nextCounts(0)).counts).toEqual({ total: 2, pending: 2 });
    // No wake-up and no event: the stream itself re-reads at the expiry (well before its 60 s safety re-read).
    const expired = await stream.nextCounts(1, 15_000);
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
    expect(expired).toEqual({ type: 'counts', cursor: ready.cursor, counts: { total: 1, pending: 1 }, after: 'counts' });
    await until(async () => JSON.stringify(await serverCounts(m.headers)) === JSON.stringify({ total: 1, pending: 1 }));
    expect(stream.received.map((message) => message.type)).toEqual(['ready']);
    await stream.close();
  });
});

describe('a page with include=counts', () => {
  it('carries the counts of its snapshot, and its own ETag', async () => {
    const m = await member('page-counts', ['crew']);
    const [own] = await send(m.project, { to: [{ user: m.user }], title: 'own' });
    await send(m.project, { to: [{ org: 'crew' }], title: 'team' });
    await send(m.project, { to: [{ org: 'other' }], title: 'not mine' });
    expect((await ack(own!.id, m.headers)).status).toBe(200);
    const plain = await call(`${LIST}?limit=1`, { headers: m.headers });
    const withCounts = await call(`${LIST}?limit=1&include=counts`, { headers: m.headers });
    const body = (await withCounts.json()) as Record<string, unknown>;
    expect(body.counts).toEqual({ total: 2, pending: 1 });
    expect(body.counts).toEqual(await serverCounts(m.headers));
    expect(Object.keys(body)).toEqual(['notifications', 'pagination', 'counts']);
    expect(Object.keys((await plain.json()) as object)).toEqual(['notifications', 'pagination']);
    // Two representations, two tags; each answers 304 to its own.
    expect(withCounts.headers.get('etag')).not.toBe(plain.headers.get('etag'));
    const again = await call(`${LIST}?limit=1&include=counts`, { headers: { ...m.headers, 'if-none-match': withCounts.headers.get('etag')! } });
    expect(again.status).toBe(304);
    const bad = await call(`${LIST}?include=everything`, { headers: m.headers });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'INVALID_PARAMETER' } });
  });
});
