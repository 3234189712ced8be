import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDb } from '../../src/core/db';
import { copyInbox, dropInbox } from '../../src/core/move';
import { virtualShard } from '../../src/core/placement';
import { forgetShardMap } from '../../src/http/databases';
import { ADMIN, asUser } from '../helpers';
import { d1Of, sharded, shardedFetch, shardedProject, shardedSend, spreadMap, usersOn, useShardMap, type Binding } from './sharded-env';

// Issue 26, point 4 (its core, not wired yet): a user's inbox copied to another database shows the same as before
// through every API: the same notifications in the same order, the same read and acknowledged state and times, the
// same counts; and the source keeps nothing of it but the project's broadcasts.

const map = spreadMap();
beforeEach(() => useShardMap(map));
afterEach(() => forgetShardMap(sharded));

const db = (binding: Binding) => openDb(d1Of(binding), undefined, binding);

async function picture(project: string, user: string) {
  const headers = await asUser({ sub: user, project, orgs: ['crew'] });
  const get = async (path: string) => {
    const res = await shardedFetch(path, { headers });
    expect(res.status, path).toBe(200);
    return res.json() as Promise<Record<string, unknown>>;
  };
  const list = (await get('/api/v1/client/notifications?limit=100')) as { notifications: Record<string, unknown>[]; pagination: { total_count: number } };
  const pending = (await get('/api/v1/client/notifications?limit=100&status=pending')) as { notifications: { id: string }[] };
  return {
    list: list.notifications,
    total: list.pagination.total_count,
    pending: pending.notifications.map((n) => n.id),
    counts: await get('/api/v1/client/notifications/counts'),
    own: ((await get(`/api/users/${user}/notifications?limit=100`)) as { notifications: unknown[] }).notifications,
    // The page's cursor counts its database's sequences (it names DB_3 after the move): its notifications are what is compared.
    player: ((await get('/notification/v1/player/me/notification?page_size=100')) as { notifications: unknown[] }).notifications,
  };
}

describe('moving one user’s inbox to another database', () => {
  it('copies what the user sees, in order, with every state, and leaves nothing of it behind', async () => {
    const project = await shardedProject('move');
    const [user] = usersOn(map, project, 'DB_2');
    // Someone already on the target: it holds the project's broadcasts, numbered as in every database.
    const [neighbour] = usersOn(map, project, 'DB_3');
    const headers = await asUser({ sub: user!, project, orgs: ['crew'] });
    const ids: string[] = [];
    const send = async (to: Record<string, unknown>, title: string) => {
      const res = await shardedSend(project, { to: [to], title });
      expect(res.status).toBe(201);
      ids.push(((await res.json()) as { notifications: { id: string }[] }).notifications[0]!.id);
    };
    for (let round = 0; round < 3; round++) {
      await send({ user }, `own ${round}`);
      await send({ org: 'crew' }, `crew ${round}`);
      await send({ everyone: true }, `all ${round}`);
      await send({ user: neighbour }, `neighbour ${round}`);
    }
    // State of every kind: acknowledged one by one, read through the notifications API, an acknowledge-all through
    // the middle, an archive by the operator, a delete.
    expect((await shardedFetch(`/api/v1/client/notifications/${ids[1]}/acknowledge`, { method: 'POST', headers })).status).toBe(200);
    expect((await shardedFetch(`/api/users/${user}/notifications/${ids[4]}`, { headers })).status).toBe(200);
    const all = await shardedFetch('/api/v1/client/notifications/acknowledge-all', { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ through: ids[5] }) });
    expect(all.status).toBe(200);
    await send({ user }, 'own late');
    await send({ org: 'crew' }, 'crew late');
    expect((await shardedFetch(`/api/v1/project/${project}/notification/${ids[8]}/archive`, { method: 'PUT', headers: ADMIN })).status).toBe(200);
    expect((await shardedFetch(`/v1/projects/${project}/notifications/${ids[10]}`, { method: 'DELETE', headers: ADMIN })).status).toBe(204);
    expect((await shardedFetch(`/api/v1/client/notifications/${ids.at(-1)}/acknowledge`, { method: 'POST', headers })).status).toBe(200);

    const before = await picture(project, user!);
    expect(before.total).toBeGreaterThan(5);
    const neighbourBefore = await picture(project, neighbour!);

    expect(await copyInbox(db('DB_2'), db('DB_3'), project, user!)).toMatchObject({ notifications: expect.any(Number) });
    // Again: nothing more.
    const again = await copyInbox(db('DB_2'), db('DB_3'), project, user!);
    expect(again.notifications).toBe(0);
    await useShardMap(map.map((binding, shard) => (shard === virtualShard(project, user!) ? 'DB_3' : binding)));
    await dropInbox(db('DB_2'), project, user!);

    expect(await picture(project, user!)).toEqual(before);
    expect(await picture(project, neighbour!)).toEqual(neighbourBefore);
    const left = await d1Of('DB_2')
      .prepare(
        `SELECT (SELECT count(*) FROM notifications WHERE project_id = ?1 AND audience = 'u:' || ?2)
              + (SELECT count(*) FROM receipts WHERE project_id = ?1 AND user_id = ?2)
              + (SELECT count(*) FROM user_counts WHERE project_id = ?1 AND user_id = ?2)
              + (SELECT count(*) FROM acknowledged_through WHERE project_id = ?1 AND user_id = ?2) AS n`,
      )
      .bind(project, user)
      .first<{ n: number }>();
    expect(left!.n).toBe(0);

    // And it goes on there: a new notification arrives, an acknowledge counts.
    await send({ user }, 'after the move');
    const after = await picture(project, user!);
    expect(after.list[0]!.id).toBe(ids.at(-1));
    expect((after.counts as { pending: number }).pending).toBe((before.counts as { pending: number }).pending + 1);
  });
});
