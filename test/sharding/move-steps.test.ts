import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/core/db';
import { entryOf, sharesFor, virtualShard } from '../../src/core/placement';
import { loadShardMap } from '../../src/core/shard-map';
import { startMove, stepMove, type StepReport } from '../../src/core/shard-moves';
import { forgetShardMap } from '../../src/http/databases';
import { ADMIN, asUser } from '../helpers';
import { BINDINGS, copiesOf, d1Of, sharded, shardedFetch, shardedProject, shardedSend, type Binding } from './sharded-env';

// Issue 26, point 4, the move's steps themselves (core/shard-moves.ts), driven without the waits: a step that runs
// out of statements goes on where it stopped, even inside one user's inbox; and the operator's delete that overtakes
// a copy is not brought back by it.

afterEach(() => forgetShardMap(sharded));

const primary = (d1For: (binding: Binding) => D1Database = d1Of) => (binding: string): Db => openDb(d1For(binding as Binding), undefined, binding);
const NOW = { settleMs: 0, freezeMs: 0 };

/** Steps the move to its end, making the Worker read the map after each step; returns every report. */
async function runMove(open: (binding: string) => Db, statements?: number, each: () => Promise<void> = async () => {}): Promise<StepReport[]> {
  const reports: StepReport[] = [];
  for (let i = 0; i < 500; i++) {
    const report = await stepMove(open, { ...NOW, statements });
    forgetShardMap(sharded);
    reports.push(report);
    await each();
    if (report.phase === 'done') return reports;
  }
  throw new Error('the move did not end within 500 steps');
}

/** Every page of what the user is shown (each state follows its own cursors), and their counts. */
async function picture(project: string, user: string) {
  const headers = await asUser({ sub: user, project, orgs: ['crew'] });
  const items: unknown[] = [];
  for (let cursor: string | null = null, pages = 0; pages === 0 || cursor; pages++) {
    const res = await shardedFetch(`/api/v1/client/notifications?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { headers });
    expect(res.status).toBe(200);
    const page = (await res.json()) as { notifications: unknown[]; pagination: { next_cursor: string | null } };
    items.push(...page.notifications);
    cursor = page.pagination.next_cursor;
  }
  const counts = await (await shardedFetch('/api/v1/client/notifications/counts', { headers })).json();
  return { items, counts };
}

describe('the steps of a move', () => {
  it('copies an inbox larger than a step over several steps, resuming inside it, and every user sees what they saw', async () => {
    const project = await shardedProject('steps');
    // The big inbox's user is one that adding DB_2 moves.
    const taken = new Set(sharesFor((await loadShardMap(openDb(env.DB))).map, 'DB_2').map((share) => share.shard));
    const bigUser = Array.from({ length: 500 }, (_, i) => `big-${i}`).find((user) => taken.has(virtualShard(project, user)))!;
    const users = [bigUser, 'small-1', 'small-2', 'small-3'];
    for (let i = 0; i < 3; i++) expect((await shardedSend(project, { to: Array.from({ length: 90 }, () => ({ user: bigUser })), title: `batch ${i}` })).status).toBe(201);
    const broadcast = await shardedSend(project, { to: [{ org: 'crew' }, { everyone: true }], title: 'to all' });
    const [crew] = ((await broadcast.json()) as { notifications: { id: string }[] }).notifications;
    for (const user of users.slice(1)) expect((await shardedSend(project, { to: [{ user }, { user }], title: `for ${user}` })).status).toBe(201);
    // State of several kinds: the big inbox partly acknowledged, an archive, a broadcast acknowledged by one.
    const big = await asUser({ sub: bigUser, project, orgs: ['crew'] });
    const first = ((await (await shardedFetch('/api/v1/client/notifications?limit=100', { headers: big })).json()) as { notifications: { id: string }[] }).notifications;
    const acked = await shardedFetch('/api/v1/client/notifications/acknowledge-all', { method: 'POST', headers: { ...big, 'content-type': 'application/json' }, body: JSON.stringify({ through: first[40]!.id }) });
    expect(acked.status).toBe(200);
    expect((await shardedFetch(`/api/v1/project/${project}/notification/${first[70]!.id}/archive`, { method: 'PUT', headers: ADMIN })).status).toBe(200);
    const small = await asUser({ sub: 'small-1', project, orgs: ['crew'] });
    expect((await shardedFetch(`/api/v1/client/notifications/${crew!.id}/acknowledge`, { method: 'POST', headers: small })).status).toBe(200);
    const before = await Promise.all(users.map((user) => picture(project, user)));

    // Every user onto DB_2 (DB_2 takes half the shards: move those of these users by taking all of DB's).
    await startMove(openDb(env.DB), BINDINGS, 'DB_2', undefined);
    const { map } = await loadShardMap(openDb(env.DB));
    const moving = users.filter((user) => entryOf(map, project, user).movingTo === 'DB_2');
    expect(moving).toContain(bigUser);
    const cursors: unknown[] = [];
    // 12 statements a step (a batch of 100 takes 8): the big inbox (270 notifications) takes three.
    const reports = await runMove(primary(), 12, async () => void cursors.push((await loadShardMap(openDb(env.DB))).move?.cursor));
    expect(cursors.some((cursor) => (cursor as { partialUser?: string } | undefined)?.partialUser === bigUser)).toBe(true);
    expect(reports.filter((r) => r.phase === 'copy').length).toBeGreaterThan(2);

    const after = await Promise.all(users.map((user) => picture(project, user)));
    expect(after).toEqual(before);
    // The big inbox is in DB_2 alone now (the page's oldest is one of its own); a broadcast in both.
    expect(await copiesOf(first.at(-1)!.id)).toEqual({ DB: 0, DB_2: 1, DB_3: 0 });
    expect(await copiesOf(crew!.id)).toEqual({ DB: 1, DB_2: 1, DB_3: 0 });
  });

  it('does not bring back a notification the operator deleted while its copy was on the way', async () => {
    const project = await shardedProject('overtaken');
    // A user whom adding DB_3 moves from DB (the first test left DB and DB_2 with half the shards each).
    const { map } = await loadShardMap(openDb(env.DB));
    const taken = new Set(sharesFor(map, 'DB_3').filter((share) => share.from === 'DB').map((share) => share.shard));
    const mover = Array.from({ length: 500 }, (_, i) => `mover-${i}`).find((user) => taken.has(virtualShard(project, user)))!;
    const res = await shardedSend(project, { to: [{ user: mover }, { user: mover }], title: 'doomed' });
    const [doomed, kept] = ((await res.json()) as { notifications: { id: string }[] }).notifications;
    await startMove(openDb(env.DB), BINDINGS, 'DB_3', undefined);
    expect(entryOf((await loadShardMap(openDb(env.DB))).map, project, mover)).toEqual({ binding: 'DB', movingTo: 'DB_3' });
    forgetShardMap(sharded);
    // The source answers the copy's read of the mover's notifications, then the operator deletes one (through the
    // Worker, which writes the source and then the target), then the copy writes what it read to the target.
    let overtaken = false;
    const source = new Proxy(env.DB, {
      get(target, prop) {
        if (prop !== 'prepare') return Reflect.get(target, prop);
        return (sql: string) => {
          const statement = target.prepare(sql);
          if (!sql.includes('audience = ?2') || !sql.includes('ORDER BY seq')) return statement;
          return new Proxy(statement, {
            get(s, p) {
              if (p === 'bind') return (...values: unknown[]) => {
                const bound = s.bind(...values);
                return new Proxy(bound, {
                  get(b, q) {
                    if (q !== 'all') return Reflect.get(b, q).bind?.(b) ?? Reflect.get(b, q);
                    return async () => {
                      const read = await b.all();
                      if (!overtaken && read.results.length > 0) {
                        overtaken = true;
                        expect((await shardedFetch(`/v1/projects/${project}/notifications/${doomed!.id}`, { method: 'DELETE', headers: ADMIN })).status).toBe(204);
                      }
                      return read;
                    };
                  },
                });
              };
              return Reflect.get(s, p);
            },
          });
        };
      },
    });
    await runMove(primary((binding) => (binding === 'DB' ? (source as D1Database) : d1Of(binding))));
    expect(overtaken).toBe(true);
    expect(await copiesOf(doomed!.id)).toEqual({ DB: 0, DB_2: 0, DB_3: 0 });
    expect(await copiesOf(kept!.id)).toEqual({ DB: 0, DB_2: 0, DB_3: 1 });
  });
});
