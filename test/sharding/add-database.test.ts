import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/core/db';
import { entryOf } from '../../src/core/placement';
import { loadShardMap } from '../../src/core/shard-map';
import { SseClient } from '../api/client/stream-helpers';
import { fetcherFor } from '../realtime/fault-env';
import { ADMIN, asUser } from '../helpers';
import { BINDINGS, copiesOf, shardedFetch } from './sharded-env';

// Issue 26, point 4: `npm run shards -- add <binding>` (POST /v1/shards/moves, then its steps) under a steady,
// seeded load of creates, acknowledges, reads, operator archives and deletes, and polls. Every operation goes to
// two projects alike: one in the deployment of three databases, which adds DB_2 and then DB_3 while the load
// runs, and its twin in a deployment of one database of its own (TWIN_DB) that never moves. Whatever a user of the first is answered
// (statuses, counts, pages of every API, at random moments during the moves and after) must be what the twin's
// same user is answered: nothing lost, nothing doubled, nothing refused for good.

type Fetch = (path: string, init?: RequestInit) => Promise<Response>;

/** mulberry32: a small seeded generator, so that a failing run can be replayed from its seed. */
function seeded(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d\d-\d\dT/;

/** An answer with what differs between the two deployments taken out: ids, times, cursors, tags. */
function normal(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normal);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => !/cursor|etag/i.test(key))
        .map(([key, v]) => [key, normal(v)]),
    );
  }
  if (typeof value === 'string' && DATE.test(value)) return 'time';
  // An id, or a message naming one.
  if (typeof value === 'string') return value.replace(new RegExp(UUID.source.slice(1, -1), 'gi'), 'uuid');
  return value;
}

/** Retries what the moving deployment refuses for a while (503 with Retry-After) or for the rate limit (429). */
async function patiently(fetch: Fetch, path: string, init: RequestInit): Promise<Response> {
  for (let attempt = 0; attempt < 60; attempt++) {
    const res = await fetch(path, init);
    if (res.status !== 503 && res.status !== 429) return res;
    const body = (await res.json()) as Record<string, unknown>;
    if (res.status === 503) expect(JSON.stringify(body)).toContain('SERVICE_UNAVAILABLE');
    await sleep(Number(res.headers.get('retry-after') ?? '1') * 1000);
  }
  throw new Error(`${path}: still refused after 60 tries`);
}

const CLIENT = '/api/v1/client/notifications';
const USERS = Array.from({ length: 12 }, (_, i) => `player-${i}`);
const inCrew = (user: string) => Number(user.split('-')[1]) % 2 === 0;

describe('adding a database while the service runs', () => {
  it('moves users onto DB_2, then DB_3, under load, and every user sees what a deployment that never moved shows', async () => {
    const random = seeded(2026);
    const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const stamp = Date.now().toString(36);
    const side = (fetch: Fetch, project: string) => ({ fetch, project, ids: new Map<string, string>(), tokens: new Map<string, Record<string, string>>() });
    const moving = side(shardedFetch, `grow-${stamp}`);
    const still = side(fetcherFor({ ...env, DB: env.TWIN_DB } as Env), `twin-${stamp}`);
    const sides = [moving, still] as const;
    for (const s of sides) {
      expect((await s.fetch('/v1/projects', { method: 'POST', headers: { ...ADMIN, 'content-type': 'application/json' }, body: JSON.stringify({ id: s.project, name: s.project }) })).status).toBe(201);
      for (const user of USERS) s.tokens.set(user, await asUser({ sub: user, project: s.project, orgs: inCrew(user) ? ['crew'] : [] }));
    }
    /** Titles of the notifications each user may see (for choosing what to acknowledge or read). */
    const visible = new Map<string, string[]>(USERS.map((user) => [user, []]));
    const titles: string[] = [];
    const log: string[] = [];
    /** Logs an operation, with notification ids as their titles. */
    const note = (line: string) =>
      log.push(`${Date.now() % 100_000} ${line.replace(new RegExp(UUID.source.slice(1, -1), 'gi'), (id) => [...moving.ids].find(([, v]) => v === id)?.[0] ?? id)}`);
    /** Whose own notification each title is (none: a broadcast). */
    const owner = new Map<string, string | undefined>();
    let count = 0;

    /** The same request to both deployments (the moving one first, retried while refused); their statuses must agree. */
    async function both(request: (s: (typeof sides)[number]) => [string, RequestInit]): Promise<[Response, Response]> {
      const [path, init] = request(moving);
      const a = await patiently(moving.fetch, path, init);
      const [path2, init2] = request(still);
      note(`${init.method ?? 'GET'} ${path} ${a.status} ${String(init.body ?? '').slice(0, 60)}`);
      const b = await patiently(still.fetch, path2, init2);
      expect(a.status, `${init.method ?? 'GET'} ${path}`).toBe(b.status);
      return [a, b];
    }
    const json = (headers: Record<string, string>, body: unknown, method = 'POST'): RequestInit => ({ method, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });

    async function create(to: Record<string, unknown>) {
      const title = `n${count++}`;
      const [a, b] = await both((s) => [`/v1/projects/${s.project}/notifications`, json(ADMIN, { to: [to], title, body: `to ${JSON.stringify(to)}` })]);
      expect(a.status).toBe(201);
      moving.ids.set(title, ((await a.json()) as { notifications: { id: string }[] }).notifications[0]!.id);
      still.ids.set(title, ((await b.json()) as { notifications: { id: string }[] }).notifications[0]!.id);
      titles.push(title);
      owner.set(title, to.user as string | undefined);
      for (const user of USERS) if (to.everyone || (to.org && inCrew(user)) || to.user === user) visible.get(user)!.push(title);
    }

    /** What `user` is shown, through every API, with the differences between deployments taken out. */
    async function picture(s: (typeof sides)[number], user: string) {
      const headers = s.tokens.get(user)!;
      const get = async (path: string) => {
        const res = await patiently(s.fetch, path, { headers });
        expect(res.status, path).toBe(200);
        return normal(await res.json());
      };
      return {
        list: await get(`${CLIENT}?limit=100`),
        pending: await get(`${CLIENT}?limit=100&status=pending`),
        counts: await get(`${CLIENT}/counts`),
        own: await get(`/api/users/${user}/notifications?limit=100`),
        player: await get('/notification/v1/player/me/notification?page_size=100'),
      };
    }
    const samePicture = async (user: string) => {
      const [m, t] = [await picture(moving, user), await picture(still, user)];
      if (JSON.stringify(m) !== JSON.stringify(t)) {
        const brief = (p: typeof m) => (p.list as { notifications: { title: string; status: string }[] }).notifications.map((n) => `${n.title}:${n.status[0]}`).join(' ');
        // What went wrong, for a replay from the seed: both lists in short, and every operation until then.
        console.log(`${user}\nmoving: ${brief(m)}\ntwin:   ${brief(t)}\n${log.join('\n')}`);
      }
      expect(m, user).toEqual(t);
    };

    /**
     * One operation at a time across both deployments: the twin must get the requests in the order the moving
     * deployment got them (the move's own checks run beside the load).
     */
    let queue: Promise<unknown> = Promise.resolve();
    const serially = <T,>(operation: () => Promise<T>): Promise<T> => {
      const run = queue.then(operation);
      queue = run.catch(() => {});
      return run;
    };

    /** One operation of the load, chosen by the seeded generator. */
    async function operate() {
      const user = pick(USERS);
      const token = (s: (typeof sides)[number]) => s.tokens.get(user)!;
      const seen = visible.get(user)!;
      const roll = random();
      if (roll < 0.25 || seen.length === 0) return create({ user });
      if (roll < 0.32) return create({ org: 'crew' });
      if (roll < 0.37) return create({ everyone: true });
      const title = pick(seen);
      if (roll < 0.52) return both((s) => [`${CLIENT}/${s.ids.get(title)}/acknowledge`, { method: 'POST', headers: token(s) }]);
      if (roll < 0.57) {
        const chosen = [pick(seen), pick(seen)];
        const [a, b] = await both((s) => [`${CLIENT}/acknowledge`, json(token(s), { ids: chosen.map((t) => s.ids.get(t)) })]);
        return expect(normal(await a.json())).toEqual(normal(await b.json()));
      }
      if (roll < 0.62) {
        const [a, b] = await both((s) => [`${CLIENT}/acknowledge-all`, json(token(s), { through: s.ids.get(title) })]);
        return expect(normal(await a.json())).toEqual(normal(await b.json()));
      }
      if (roll < 0.7) {
        // seeds/001 fetch, which marks read (a broadcast is not found there: both answer 404).
        return both((s) => [`/api/users/${user}/notifications/${s.ids.get(title)}`, { headers: token(s) }]);
      }
      if (roll < 0.75) return both((s) => [`/api/v1/project/${s.project}/notification/${s.ids.get(title)}/archive`, { method: 'PUT', headers: ADMIN }]);
      const doomed = pick(titles);
      if (roll < 0.8) return both((s) => [`/v1/projects/${s.project}/notifications/${s.ids.get(doomed)}`, { method: 'DELETE', headers: ADMIN }]);
      // A poll, compared whole: what the moving user is shown at this moment of the move.
      return samePicture(user);
    }

    /** `npm run shards -- add <to>`, as scripts/shards.mjs drives it. Returns the users that moved. */
    async function addDatabase(to: string, started: () => Promise<void>, copying: () => Promise<void>): Promise<string[]> {
      note(`add ${to}`);
      const start = await patiently(moving.fetch, '/v1/shards/moves', json(ADMIN, { to }));
      expect(start.status).toBe(200);
      const plan = (await start.json()) as { move: { to: string; phase: string; shards: number } };
      // A database new to the map is seeded with the broadcasts first.
      expect(plan.move).toMatchObject({ to, phase: 'seed' });
      const { map } = await loadShardMap(openDb(env.DB));
      const movers = USERS.filter((user) => entryOf(map, moving.project, user).movingTo === to);
      await started();
      let frozen = false;
      for (let steps = 0; ; steps++) {
        expect(steps).toBeLessThan(200);
        const res = await patiently(moving.fetch, '/v1/shards/moves/step', { method: 'POST', headers: ADMIN });
        expect(res.status).toBe(200);
        const step = (await res.json()) as { phase: string; wait_ms?: number };
        note(`step ${JSON.stringify(step)}`);
        if (step.phase === 'done') return movers;
        if (!frozen && (await loadShardMap(openDb(env.DB))).move?.frozenAt !== undefined) {
          frozen = true;
          await copying();
        }
        if (step.wait_ms) await sleep(Math.min(step.wait_ms, 1000));
      }
    }

    // A history of every kind before anything moves.
    for (let i = 0; i < 40; i++) await operate();
    for (const user of USERS) await samePicture(user);

    const quiet = `quiet-${stamp}`;
    expect((await patiently(moving.fetch, '/v1/projects', json(ADMIN, { id: quiet, name: quiet }))).status).toBe(201);
    for (const to of ['DB_2', 'DB_3']) {
      let movers: string[] = [];
      let stream: SseClient | undefined;
      let longPoll: Promise<Response> | undefined;
      let quietUser = '';
      let quietToken: Record<string, string> = {};
      let streamUser = '';
      let done = false;
      const moved = addDatabase(
        to,
        async () => {
          const { map } = await loadShardMap(openDb(env.DB));
          const mover = USERS.find((user) => entryOf(map, moving.project, user).movingTo === to)!;
          streamUser = mover;
          // Marked, not yet copying: a moving user's writes are taken (in the database that still serves them).
          const [taken] = await serially(() => both((s) => [`${CLIENT}/acknowledge-all`, json(s.tokens.get(mover)!, {})]));
          expect(taken.status).toBe(200);
          // A listener of a moving user, open across the move.
          stream = await SseClient.open('', moving.tokens.get(mover)!, moving.fetch);
          expect((await stream.next()).type).toBe('ready');
          // And a long poll waiting across it (a minute, far longer than the move's next steps), of a moving user of
          // a quiet project, whom nothing wakes before the move ends.
          quietUser = Array.from({ length: 200 }, (_, i) => `quiet-${to}-${i}`).find((user) => entryOf(map, quiet, user).movingTo === to)!;
          quietToken = await asUser({ sub: quietUser, project: quiet });
          longPoll = moving.fetch('/notification/v1/player/me/stream/notification/lp?deadline=60', { headers: quietToken });
        },
        async () => {
          // Copying: a moving user's write is refused, with when to retry, and changes nothing.
          let res = await moving.fetch(`${CLIENT}/acknowledge-all`, json(moving.tokens.get(streamUser)!, {}));
          while (res.status === 429) {
            await sleep(Number(res.headers.get('retry-after')) * 1000);
            res = await moving.fetch(`${CLIENT}/acknowledge-all`, json(moving.tokens.get(streamUser)!, {}));
          }
          expect(res.status).toBe(503);
          expect(res.headers.get('retry-after')).toBe('2');
          expect(await res.json()).toEqual({ error: { code: 'SERVICE_UNAVAILABLE', message: expect.stringContaining('moving') } });
        },
      ).then((users) => {
        movers = users;
        done = true;
      });
      while (!done) await serially(operate);
      await moved;
      expect(movers.length).toBeGreaterThan(0);
      // A few more operations after the move, then every user, whole.
      for (let i = 0; i < 10; i++) await operate();
      for (const user of USERS) await samePicture(user);

      // The stream went on in the new database: a reset (refetch) once it learnt of the move (at its next wake-up
      // at the latest), then what arrives.
      await create({ user: streamUser });
      await stream!.nextOf('reset', 10_000);
      // The long poll answers at its first wake-up after the move, empty, with its cursor of the old database; the
      // next, from that cursor, starts where offset_reset_strategy says (earliest: the whole inbox, in the new one).
      const woken = Date.now();
      expect((await patiently(moving.fetch, `/v1/projects/${quiet}/notifications`, json(ADMIN, { to: [{ user: quietUser }], title: 'wake' }))).status).toBe(201);
      const waited = await longPoll!;
      expect(waited.status).toBe(200);
      expect(Date.now() - woken).toBeLessThan(30_000);
      const { notifications, cursor } = (await waited.json()) as { notifications: unknown[]; cursor: string };
      expect(notifications).toEqual([]);
      const next = await patiently(moving.fetch, `/notification/v1/player/me/stream/notification/lp?deadline=0&offset_reset_strategy=earliest&exclude_before=${encodeURIComponent(cursor)}`, {
        headers: quietToken,
      });
      expect(((await next.json()) as { notifications: { message: string }[] }).notifications.map((n) => n.message)).toEqual(['']);
      const title = `n${count}`;
      await create({ user: streamUser });
      for (;;) {
        const message = await stream!.next(10_000);
        if (message.type === 'notification' && message.notification?.title === title) break;
      }
      await stream!.close();
    }

    // Once per database: every broadcast in each, every user's own notification in their database alone.
    const { map } = await loadShardMap(openDb(env.DB));
    expect(map.every((entry) => BINDINGS.includes(entry as never))).toBe(true);
    const served = new Set(map);
    expect(served).toEqual(new Set(BINDINGS));
    for (const title of titles) {
      const copies = Object.values(await copiesOf(moving.ids.get(title)!)).reduce((a, b) => a + b, 0);
      const kept = (await patiently(still.fetch, `/v1/projects/${still.project}/notifications/${still.ids.get(title)}`, { headers: ADMIN })).status === 200;
      const expected = kept ? (owner.get(title) ? 1 : BINDINGS.length) : 0;
      if (copies !== expected) console.log(`${title}: ${JSON.stringify(await copiesOf(moving.ids.get(title)!))}\n${log.join('\n')}`);
      expect(copies, title).toBe(expected);
    }
  }, 240_000);
});
