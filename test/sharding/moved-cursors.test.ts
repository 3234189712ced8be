import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { virtualShard } from '../../src/core/placement';
import { forgetShardMap } from '../../src/http/databases';
import { SseClient } from '../api/client/stream-helpers';
import { asUser } from '../helpers';
import { sharded, shardedFetch, shardedProject, shardedSend, spreadMap, usersOn, useShardMap, type Binding } from './sharded-env';

// Issue 26, point 4 (the part clients see): sequences are per database, so every cursor and tag of a user's inbox
// names its database, and one from before the inbox moved is answered with a clean reset (streams, long polls) or
// a 4xx that says to start again (page cursors), never with a gap or a 304.

const map = spreadMap();
beforeEach(() => useShardMap(map));
afterEach(() => forgetShardMap(sharded));

/** The map with this user's shard on `to`. */
const movedTo = (project: string, user: string, to: Binding) => map.map((binding, shard) => (shard === virtualShard(project, user) ? to : binding));

describe('cursors and tags of an inbox that moved to another database', () => {
  for (const [from, to] of [
    ['DB_2', 'DB_3'],
    ['DB_2', 'DB'],
    ['DB', 'DB_3'],
  ] as [Binding, Binding][]) {
    it(`from ${from} to ${to}: a stream resets, a long poll starts afresh, a page cursor is refused, a tag does not match`, async () => {
      const project = await shardedProject('moved');
      const [user] = usersOn(map, project, from);
      const headers = await asUser({ sub: user!, project });
      for (let i = 0; i < 3; i++) expect((await shardedSend(project, { to: [{ user }], title: `n${i}` })).status).toBe(201);
      const page = await shardedFetch('/api/v1/client/notifications?limit=2', { headers });
      const next = ((await page.json()) as { pagination: { next_cursor: string } }).pagination.next_cursor;
      const etag = page.headers.get('etag')!;
      const since = page.headers.get('stream-cursor')!;
      const poll = await shardedFetch('/notification/v1/player/me/stream/notification/lp?deadline=0&offset_reset_strategy=earliest', { headers });
      const { cursor: excludeBefore } = (await poll.json()) as { cursor: string };
      // Before the move, each continues.
      expect((await shardedFetch(`/api/v1/client/notifications?limit=2&cursor=${encodeURIComponent(next)}`, { headers })).status).toBe(200);

      await useShardMap(movedTo(project, user!, to));
      // The new database holds the same notifications (as a move copies them), under its own sequences.
      for (let i = 0; i < 3; i++) expect((await shardedSend(project, { to: [{ user }], title: `n${i}` })).status).toBe(201);

      const stream = await SseClient.open(`?since=${encodeURIComponent(since)}`, headers, shardedFetch);
      try {
        expect((await stream.next()).type).toBe('reset');
      } finally {
        await stream.close();
      }
      const refused = await shardedFetch(`/api/v1/client/notifications?limit=2&cursor=${encodeURIComponent(next)}`, { headers });
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('moved to another database');
      const revalidated = await shardedFetch('/api/v1/client/notifications?limit=2', { headers: { ...headers, 'if-none-match': etag } });
      expect(revalidated.status).toBe(200);
      // Unknown here: the documented reset strategy applies (earliest: everything in the new database).
      const again = await shardedFetch(
        `/notification/v1/player/me/stream/notification/lp?deadline=0&offset_reset_strategy=earliest&exclude_before=${encodeURIComponent(excludeBefore)}`,
        { headers },
      );
      expect(again.status).toBe(200);
      expect(((await again.json()) as { notifications: unknown[] }).notifications).toHaveLength(3);
    });
  }
});
