import { describe, expect, it } from 'vitest';
import { call, send } from '../../helpers';
import { LIST } from './helpers';
import { member, SseClient, WsClient } from './stream-helpers';

// README "Use it from your app": a first page's Stream-Cursor is where a stream joins that page's
// snapshot, read in the page's own transaction, so page + stream is every notification exactly once.

interface Page {
  notifications: { id: string }[];
}

async function joinDuringBurst(open: (query: string, headers: Record<string, string>) => Promise<SseClient | WsClient>) {
  const m = await member('join', ['crew']);
  const created: string[] = [];
  let done = false;
  const producing = (async () => {
    for (let i = 0; i < 30; i++) {
      const to = [{ user: m.user }, { org: 'crew' }, { everyone: true }][i % 3]!;
      created.push(...(await send(m.project, { to: [to], title: `n${i}` })).map((n) => n.id));
    }
    done = true;
  })();
  // Join while the burst is under way.
  while (created.length < 5) await new Promise((r) => setTimeout(r, 10));
  const first = await call(`${LIST}?limit=100`, { headers: m.headers });
  const cursor = first.headers.get('stream-cursor');
  expect(cursor).toMatch(/^[\w-]+$/);
  const snapshot = ((await first.json()) as Page).notifications.map((n) => n.id);
  const stream = await open(`?since=${cursor}`, m.headers);
  try {
    expect((await stream.next()).type).toBe('ready');
    const streamed: string[] = [];
    while (!done || snapshot.length + streamed.length < created.length) {
      const message = await stream.next(10_000);
      if (message.type === 'notification') streamed.push(message.notification!.id);
    }
    await producing;
    expect([...snapshot, ...streamed].sort()).toEqual([...created].sort());
    // Newest first in the page, oldest first on the stream: together, the order of creation.
    expect([...snapshot.reverse(), ...streamed]).toEqual(created);
    return { snapshot: snapshot.length, streamed: streamed.length };
  } finally {
    await stream.close();
  }
}

describe('a first page and a stream joined at its Stream-Cursor', () => {
  it('over SSE: every notification of a burst exactly once', async () => {
    const seen = await joinDuringBurst((query, headers) => SseClient.open(query, headers));
    expect(seen.snapshot + seen.streamed).toBe(30);
  });

  it('over a WebSocket: every notification of a burst exactly once', async () => {
    const seen = await joinDuringBurst((query, headers) => WsClient.open(query, headers));
    expect(seen.snapshot + seen.streamed).toBe(30);
  });

  it('is only on unfiltered newest-first first pages (no other page is a snapshot a stream continues)', async () => {
    const m = await member('join');
    await send(m.project, { to: [{ user: m.user }, { user: m.user }] });
    const first = await call(`${LIST}?limit=1`, { headers: m.headers });
    const { pagination } = (await first.json()) as { pagination: { next_cursor: string } };
    expect(first.headers.get('stream-cursor')).not.toBeNull();
    const second = await call(`${LIST}?limit=1&cursor=${pagination.next_cursor}`, { headers: m.headers });
    expect(second.status).toBe(200);
    expect(second.headers.get('stream-cursor')).toBeNull();
    for (const query of ['sort=oldest', 'status=pending', 'service_id=svc', 'project=p']) {
      const other = await call(`${LIST}?${query}`, { headers: m.headers });
      expect(other.status, query).toBe(200);
      expect(other.headers.get('stream-cursor'), query).toBeNull();
    }
    const notModified = await call(`${LIST}?limit=1`, { headers: { ...m.headers, 'if-none-match': first.headers.get('etag')! } });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get('stream-cursor')).toBeNull();
  });
});
