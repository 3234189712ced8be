import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { virtualShard } from '../../src/core/placement';
import { forgetShardMap } from '../../src/http/databases';
import { ADMIN } from '../helpers';
import { BINDINGS, d1Of, type Binding, sharded, shardedFetch, shardedProject, shardedSend, spreadMap, usersOn, useShardMap } from './sharded-env';

// Issue 26, point 3: the operator's project-wide views (seeds/003, the producer API) list, page and show
// across the databases in one order, with a broadcast once.

const map = spreadMap();
beforeEach(() => useShardMap(map));
afterEach(() => forgetShardMap(sharded));

interface Listed {
  data: { id: string; created_at: string; user_id: string | null }[];
  links: { next: string | null };
}

async function everyPage(first: string): Promise<string[][]> {
  const pages: string[][] = [];
  for (let url: string | null = first; url !== null; ) {
    const res = await shardedFetch(url.replace(/^https?:\/\/[^/]+/, ''), { headers: ADMIN });
    expect(res.status).toBe(200);
    const body = (await res.json()) as Listed;
    pages.push(body.data.map((n) => n.id));
    url = body.links.next;
  }
  return pages;
}

describe('the project-wide list of a sharded deployment', () => {
  it('pages every notification of every database once, in (created_at, id) order, both ways', async () => {
    const project = await shardedProject('wide');
    const users = BINDINGS.flatMap((binding) => usersOn(map, project, binding, 2, `w-${binding}`));
    for (let round = 0; round < 3; round++) {
      expect((await shardedSend(project, { to: users.map((user) => ({ user })), title: `round ${round}` })).status).toBe(201);
      expect((await shardedSend(project, { to: [{ everyone: true }, { org: `o${round}` }], title: `all ${round}` })).status).toBe(201);
    }
    // The truth: every database's rows, a broadcast's copies once.
    const rows = (
      await Promise.all(BINDINGS.map(async (b) => (await d1Of(b).prepare('SELECT id, created_at AS at FROM notifications WHERE project_id = ?1').bind(project).all<{ id: string; at: number }>()).results))
    ).flat();
    const unique = [...new Map(rows.map((r) => [r.id, r])).values()];
    expect(unique).toHaveLength(3 * (users.length + 2));
    const ascending = unique.sort((a, b) => a.at - b.at || (a.id < b.id ? -1 : 1)).map((r) => r.id);

    const desc = await everyPage(`/api/v1/project/${project}/notifications?per_page=4`);
    expect(desc.flat()).toEqual([...ascending].reverse());
    expect(desc.slice(0, -1).every((page) => page.length === 4)).toBe(true);
    const asc = await everyPage(`/api/v1/project/${project}/notifications?per_page=5&order=asc`);
    expect(asc.flat()).toEqual(ascending);
  });

  it('lists one user’s notifications from their database, and shows any notification by id', async () => {
    const project = await shardedProject('wide-user');
    const [user] = usersOn(map, project, 'DB_2');
    const [own] = ((await (await shardedSend(project, { to: [{ user }, { everyone: true }] })).json()) as { notifications: { id: string }[] }).notifications;
    const res = await shardedFetch(`/api/v1/project/${project}/user/${user}/notifications`, { headers: ADMIN });
    expect(((await res.json()) as Listed).data.map((n) => [n.id, n.user_id])).toEqual([[own!.id, user]]);
    const shown = await shardedFetch(`/api/v1/project/${project}/notification/${own!.id}`, { headers: ADMIN });
    expect(shown.status).toBe(200);
    expect(((await shown.json()) as { id: string }).id).toBe(own!.id);
    const producer = await shardedFetch(`/v1/projects/${project}/notifications/${own!.id}`, { headers: ADMIN });
    expect(((await producer.json()) as { to: unknown }).to).toEqual({ user });
  });

  it('continues a cursor after a database is added to the deployment', async () => {
    const project = await shardedProject('wide-grow');
    const users = (['DB', 'DB_2'] as Binding[]).flatMap((binding) => usersOn(map, project, binding, 2, `g-${binding}`));
    for (let round = 0; round < 3; round++) {
      expect((await shardedSend(project, { to: [...users.map((user) => ({ user })), { everyone: true }], title: `r${round}` })).status).toBe(201);
    }
    // Before: DB_3 holds none of this project's users' shards (its shards go to DB); after, it joins with them.
    const held = new Set(users.map((user) => virtualShard(project, user)));
    const before = map.map((binding) => (binding === 'DB_3' ? 'DB' : binding));
    await useShardMap(before);
    const first = (await (await shardedFetch(`/api/v1/project/${project}/notifications?per_page=7`, { headers: ADMIN })).json()) as Listed;
    expect(map.some((binding, shard) => binding === 'DB_3' && held.has(shard))).toBe(false);
    await useShardMap(map);
    const rest = await everyPage(first.links.next!);
    const all = [...first.data.map((n) => n.id), ...rest.flat()];
    expect(all).toHaveLength(3 * (users.length + 1));
    expect(new Set(all).size).toBe(all.length);
  });

  it('reads the same rows for a page whatever the project holds (one index range per database)', async () => {
    const project = await shardedProject('wide-cost');
    const users = BINDINGS.map((binding) => usersOn(map, project, binding, 1, `c-${binding}`)[0]!);
    const grow = async () => {
      for (let i = 0; i < 4; i++) expect((await shardedSend(project, { to: users.map((user) => ({ user })), title: `c${i}` })).status).toBe(201);
    };
    const pageCost = async () => {
      const res = await shardedFetch(`/api/v1/project/${project}/notifications?per_page=5`, { headers: ADMIN });
      expect(res.status).toBe(200);
      return /q=(\d+) rr=(\d+)/.exec(res.headers.get('server-timing')!)!.slice(1).map(Number);
    };
    // Each database past a page (limit + 1 = 6 rows each), then three times as many.
    await grow();
    await grow();
    const small = await pageCost();
    await grow();
    await grow();
    await grow();
    await grow();
    expect(await pageCost()).toEqual(small);
  });
});
