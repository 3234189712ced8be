import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { member, SseClient, WsClient } from '../api/client/stream-helpers';
import { ADMIN, until } from '../helpers';
import { fetcherFor, namespaceWith, probedD1, type D1Probe } from './fault-env';

// What the stream's counts cost (core/stream.ts follow). They change only with an event or an expiry, so a
// listener's safety re-read with nothing new reads the events alone (2 statements, as before counts travelled
// with the stream); the first read, a wake-up and an expiry read the counts in the same batch (5). A re-read that
// finds events after all (their wake-up was lost) reads again with the counts, and the client gets both.

const opens = {
  sse: (query: string, headers: Record<string, string>, fetcher: Parameters<typeof SseClient.open>[2]) => SseClient.open(query, headers, fetcher),
  ws: (query: string, headers: Record<string, string>, fetcher: Parameters<typeof WsClient.open>[2]) => WsClient.open(query, headers, fetcher),
};

describe.each(['sse', 'ws'] as const)('the %s stream’s reads', (transport) => {
  it('re-read the events alone while idle, and the counts with what a lost wake-up left', async () => {
    const m = await member(`counts-cost-${transport}`);
    const probe: D1Probe = { statements: 0, failNext: 0, failed: 0, batches: [] };
    // The listener re-reads every second; its own D1 is counted.
    const listener = fetcherFor({ ...env, LISTENER_RECHECK_SECONDS: '1', STREAM_HEARTBEAT_SECONDS: '60', DB: probedD1(probe) });
    const stream = await opens[transport]('', m.headers, listener);
    await stream.next();
    expect((await stream.nextCounts(0)).counts).toEqual({ total: 0, pending: 0 });
    const afterFirst = probe.batches!.length;
    // The first read: events and counts in one batch of 5.
    expect(probe.batches!.at(-1)).toBe(5);
    await until(async () => probe.batches!.length >= afterFirst + 3, 10_000);
    // Re-reads of the events alone (2 statements each): no counts while nothing happens.
    expect(new Set(probe.batches!.slice(afterFirst))).toEqual(new Set([2]));
    expect(stream.all.map((message) => message.type)).toEqual(['ready', 'counts']);

    // A notification whose wake-up is lost: the next safety re-read finds it, then reads again with the counts.
    const writer = fetcherFor({ ...env, PLAYER_LISTENERS: namespaceWith(env.PLAYER_LISTENERS, { notify: async () => Promise.reject(new Error('injected: notify failed')) }) });
    const created = await writer(`/v1/projects/${m.project}/notifications`, {
      method: 'POST',
      headers: { ...ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ to: [{ user: m.user }], title: 'woken by nobody' }),
    });
    expect(created.status).toBe(201);
    const message = await stream.next(10_000);
    expect(message.notification?.title).toBe('woken by nobody');
    expect(await stream.nextCounts(1)).toEqual({ type: 'counts', cursor: message.cursor, counts: { total: 1, pending: 1 }, after: 'notification' });
    // Once in the client's hands, no further counts while idle, and idle re-reads are 2 statements again.
    const settled = probe.batches!.length;
    await until(async () => probe.batches!.length >= settled + 2, 10_000);
    expect(new Set(probe.batches!.slice(settled))).toEqual(new Set([2]));
    expect(stream.counts).toHaveLength(2);
    stream.close();
  });
});
