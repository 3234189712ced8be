import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { forgetShardMap } from '../../src/http/databases';
import { SseClient, WsClient, type Fetcher } from '../api/client/stream-helpers';
import { ADMIN, asUser, call } from '../helpers';
import { BINDINGS, d1Of, sharded, shardedFetch, shardedProject, shardedSend, spreadMap, usersOn, useShardMap } from './sharded-env';

// Issue 26, point 1: every request about one user touches that user's database only, with the rows read and
// written of a one-database deployment.

const map = spreadMap();
beforeEach(() => useShardMap(map));
afterEach(() => forgetShardMap(sharded));

const json = { 'content-type': 'application/json' };
const rowsOf = async (binding: (typeof BINDINGS)[number], table: string, project: string) =>
  (await d1Of(binding).prepare(`SELECT count(*) AS n FROM ${table} WHERE project_id = ?1`).bind(project).first<{ n: number }>())!.n;

describe('a sharded deployment keeps each user in one database', () => {
  it('stores, lists and acknowledges each user’s notifications in their own database alone', async () => {
    const project = await shardedProject('route');
    const users = BINDINGS.map((binding) => usersOn(map, project, binding)[0]!);
    const res = await shardedSend(project, { to: users.map((user) => ({ user })), title: 'yours' });
    expect(res.status).toBe(201);
    const sent = ((await res.json()) as { notifications: { id: string; to: { user: string } }[] }).notifications;
    for (const [i, binding] of BINDINGS.entries()) {
      expect(await rowsOf(binding, 'notifications', project)).toBe(1);
      const headers = await asUser({ sub: users[i]!, project });
      const page = await shardedFetch('/api/v1/client/notifications', { headers });
      expect(((await page.json()) as { notifications: { id: string }[] }).notifications.map((n) => n.id)).toEqual([sent[i]!.id]);
      const ack = await shardedFetch(`/api/v1/client/notifications/${sent[i]!.id}/acknowledge`, { method: 'POST', headers });
      expect(ack.status).toBe(200);
      // The bookmark names the database that was written (DB's goes bare, as in a one-database deployment).
      const bookmark = ack.headers.get('x-d1-bookmark')!;
      expect(binding === 'DB' ? !bookmark.includes('.') : bookmark.startsWith(`${binding}.`)).toBe(true);
    }
    for (const binding of BINDINGS) expect(await rowsOf(binding, 'receipts', project)).toBe(1);
    // Another user's notification is not found in this user's database: a 404, as with one database.
    const stranger = await asUser({ sub: users[1]!, project });
    expect((await shardedFetch(`/api/v1/client/notifications/${sent[2]!.id}`, { headers: stranger })).status).toBe(404);
  });

  it('reads and writes the same rows per request as a one-database deployment', async () => {
    // The same user id and the same requests, once on one database and once where it lives on DB_3.
    const cost = async (fetcher: Fetcher, project: string, user: string) => {
      const headers = await asUser({ sub: user, project });
      const seen: string[] = [];
      const timing = (res: Response) => /d1;desc="([^"]+)"/.exec(res.headers.get('server-timing') ?? '')![1]!;
      const created = await fetcher(`/v1/projects/${project}/notifications`, {
        method: 'POST',
        headers: { ...ADMIN, ...json },
        body: JSON.stringify({ to: [{ user }, { user }], title: 'two' }),
      });
      seen.push(`create ${created.status} ${timing(created)}`);
      const ids = ((await created.json()) as { notifications: { id: string }[] }).notifications.map((n) => n.id);
      const page = await fetcher('/api/v1/client/notifications', { headers });
      seen.push(`page ${page.status} ${timing(page)}`);
      const again = await fetcher('/api/v1/client/notifications', { headers: { ...headers, 'if-none-match': page.headers.get('etag')! } });
      seen.push(`revalidate ${again.status} ${timing(again)}`);
      const counts = await fetcher('/api/v1/client/notifications/counts', { headers });
      seen.push(`counts ${counts.status} ${timing(counts)}`);
      const ack = await fetcher(`/api/v1/client/notifications/${ids[0]}/acknowledge`, { method: 'POST', headers });
      seen.push(`acknowledge ${ack.status} ${timing(ack)}`);
      const all = await fetcher('/api/v1/client/notifications/acknowledge-all', { method: 'POST', headers: { ...headers, ...json }, body: '{}' });
      seen.push(`acknowledge-all ${all.status} ${timing(all)}`);
      const player = await fetcher('/notification/v1/player/me/notification', { headers });
      seen.push(`player page ${player.status} ${timing(player)}`);
      const own = await fetcher(`/api/users/${user}/notifications`, { headers });
      seen.push(`seeds/001 list ${own.status} ${timing(own)}`);
      const fetched = await fetcher(`/api/users/${user}/notifications/${ids[1]}`, { headers });
      seen.push(`seeds/001 fetch ${fetched.status} ${timing(fetched)}`);
      const poll = await fetcher('/notification/v1/player/me/stream/notification/lp?deadline=0&offset_reset_strategy=earliest', { headers });
      seen.push(`long poll ${poll.status} ${timing(poll)} ${((await poll.json()) as { notifications: unknown[] }).notifications.length}`);
      return seen;
    };
    const project = await shardedProject('cost');
    const [user] = usersOn(map, project, 'DB_3');
    const one = await cost(call, project, user!);
    expect(await rowsOf('DB', 'notifications', project)).toBe(2);
    await d1Of('DB').prepare('DELETE FROM notifications WHERE project_id = ?1').bind(project).run();
    const three = await cost(shardedFetch, project, user!);
    expect(await rowsOf('DB_3', 'notifications', project)).toBe(2);
    expect(one.filter((line) => !/ (200|201|304) /.test(line))).toEqual([]);
    expect(three).toEqual(one);
  });

  it('wakes and feeds each user’s event stream and WebSocket from their database', async () => {
    const project = await shardedProject('live');
    const [onTwo] = usersOn(map, project, 'DB_2');
    const [onThree] = usersOn(map, project, 'DB_3');
    const sse = await SseClient.open('', await asUser({ sub: onTwo!, project, orgs: ['crew'] }), shardedFetch);
    const ws = await WsClient.open('', await asUser({ sub: onThree!, project, orgs: ['crew'] }), shardedFetch);
    try {
      expect((await sse.next()).type).toBe('ready');
      expect((await ws.next()).type).toBe('ready');
      const sent = async (body: Record<string, unknown>) => ((await (await shardedSend(project, body)).json()) as { notifications: { id: string }[] }).notifications[0]!.id;
      const toTwo = await sent({ to: [{ user: onTwo }], title: 'for two' });
      const toThree = await sent({ to: [{ user: onThree }], title: 'for three' });
      const toCrew = await sent({ to: [{ org: 'crew' }], title: 'for the crew' });
      const seen = async (client: SseClient | WsClient, count: number) => {
        const ids: string[] = [];
        while (ids.length < count) {
          const message = await client.next();
          if (message.type === 'notification') ids.push(message.notification!.id);
        }
        return ids;
      };
      expect(await seen(sse, 2)).toEqual([toTwo, toCrew]);
      expect(await seen(ws, 2)).toEqual([toThree, toCrew]);
    } finally {
      await sse.close();
      ws.close();
    }
  });
});
