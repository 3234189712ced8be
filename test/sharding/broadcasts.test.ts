import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { completeCopies, sendNotifications } from '../../src/core/copies';
import { openDb } from '../../src/core/db';
import { storesOver } from '../../src/core/stores';
import { forgetShardMap } from '../../src/http/databases';
import { fetcherFor, probedD1, type D1Probe } from '../realtime/fault-env';
import { ADMIN, asUser, until } from '../helpers';
import { BINDINGS, copiesOf, type Binding, d1Of, sharded, shardedFetch, shardedProject, shardedSend, spreadMap, usersOn, useShardMap } from './sharded-env';

// Issue 26, point 2: a broadcast is written once per database, under one id; one that reached some databases
// and failed on others is completed, an Idempotency-Key retry never duplicates it, and deletes and archives
// reach every copy.

const map = spreadMap();
beforeEach(() => useShardMap(map));
afterEach(() => forgetShardMap(sharded));

const pendingCount = async (project: string) =>
  (await env.DB.prepare('SELECT count(*) AS n FROM pending_copies WHERE project_id = ?1 AND done_at IS NULL').bind(project).first<{ n: number }>())!.n;
/** The Worker's stores over the pool's databases, as the scheduled handler builds them. */
const healthyStores = () => storesOver(map, (binding) => openDb(d1Of(binding as Binding), undefined, binding));

async function inboxIds(project: string, user: string, orgs: string[] = []): Promise<string[]> {
  const res = await shardedFetch('/api/v1/client/notifications', { headers: await asUser({ sub: user, project, orgs }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { notifications: { id: string }[] }).notifications.map((n) => n.id);
}

describe('broadcasts in a sharded deployment', () => {
  it('writes one copy per database under one id, six rows each, and every user sees it once', async () => {
    const project = await shardedProject('bcast');
    const res = await shardedSend(project, { to: [{ everyone: true }, { org: 'crew' }], title: 'all' });
    expect(res.status).toBe(201);
    const [everyone, crew] = ((await res.json()) as { notifications: { id: string }[] }).notifications;
    expect(await copiesOf(everyone!.id)).toEqual({ DB: 1, DB_2: 1, DB_3: 1 });
    expect(await copiesOf(crew!.id)).toEqual({ DB: 1, DB_2: 1, DB_3: 1 });
    expect(await pendingCount(project)).toBe(0);
    // One sequence in every database (core/create.ts: creation time and place in the create), so a moved inbox keeps its order.
    for (const { id } of [everyone!, crew!]) expect(new Set(await sequencesOf(id)).size).toBe(1);
    for (const binding of BINDINGS) {
      const [user] = usersOn(map, project, binding);
      expect((await inboxIds(project, user!, ['crew'])).sort()).toEqual([everyone!.id, crew!.id].sort());
    }
    // The operator sees each once.
    const listed = await shardedFetch(`/api/v1/project/${project}/notifications?per_page=10`, { headers: ADMIN });
    expect(((await listed.json()) as { data: { id: string }[] }).data.map((n) => n.id).sort()).toEqual([everyone!.id, crew!.id].sort());
  });

  it('costs each database the rows of a one-database broadcast (six), and the control database two', async () => {
    const project = await shardedProject('bcast-cost');
    const res = await shardedSend(project, { to: [{ everyone: true }], title: 'rows' });
    // Per database: the notification row, its indexes and its audience's inbox version, as measured in
    // test/api/cost/write-budgets.test.ts for one database; plus the pending copy written and cleared.
    expect(/rw=(\d+)/.exec(res.headers.get('server-timing')!)![1]).toBe(String(3 * 6 + 2));
  });

  it('completes a broadcast that one database refused, once, and a retry with its Idempotency-Key adds nothing', async () => {
    const project = await shardedProject('bcast-partial');
    const probe: D1Probe = { statements: 0, failNext: 1_000_000, failed: 0 };
    const failing = fetcherFor({ ...sharded, DB_3: probedD1(probe, env.EXTRA_DB_3) } as Env);
    const send = () =>
      failing(`/v1/projects/${project}/notifications`, {
        method: 'POST',
        headers: { ...ADMIN, 'content-type': 'application/json', 'idempotency-key': 'once' },
        body: JSON.stringify({ to: [{ everyone: true }], title: 'eventually everywhere' }),
      });
    const first = await send();
    // Stored for good (recorded with its key): the copies that failed are the service's to finish.
    expect(first.status).toBe(201);
    const { notifications } = (await first.json()) as { notifications: { id: string }[] };
    const id = notifications[0]!.id;
    expect(probe.failed).toBeGreaterThan(0);
    expect(await copiesOf(id)).toEqual({ DB: 1, DB_2: 1, DB_3: 0 });
    expect(await pendingCount(project)).toBe(1);
    const [onThree] = usersOn(map, project, 'DB_3');
    expect(await inboxIds(project, onThree!)).toEqual([]);

    const retry = await send();
    expect(retry.status).toBe(201);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(((await retry.json()) as { notifications: { id: string }[] }).notifications[0]!.id).toBe(id);

    expect(await completeCopies(healthyStores())).toEqual({ completed: 1, pending: 0 });
    expect(await copiesOf(id)).toEqual({ DB: 1, DB_2: 1, DB_3: 1 });
    expect(await inboxIds(project, onThree!)).toEqual([id]);
    // Completing again writes nothing twice.
    expect(await completeCopies(healthyStores())).toEqual({ completed: 0, pending: 0 });
    expect(await copiesOf(id)).toEqual({ DB: 1, DB_2: 1, DB_3: 1 });
  });

  it('a broadcast deleted before its last copy was written stays deleted; one archived is archived everywhere', async () => {
    const project = await shardedProject('bcast-gone');
    const probe: D1Probe = { statements: 0, failNext: 1_000_000, failed: 0 };
    const failing = fetcherFor({ ...sharded, DB_2: probedD1(probe, env.EXTRA_DB_2) } as Env);
    const create = async (title: string) => {
      const res = await failing(`/v1/projects/${project}/notifications`, {
        method: 'POST',
        headers: { ...ADMIN, 'content-type': 'application/json' },
        body: JSON.stringify({ to: [{ everyone: true }], title }),
      });
      expect(res.status).toBe(201);
      return ((await res.json()) as { notifications: { id: string }[] }).notifications[0]!.id;
    };
    const deleted = await create('deleted');
    const archived = await create('archived');
    expect(await pendingCount(project)).toBe(2);

    expect((await shardedFetch(`/v1/projects/${project}/notifications/${deleted}`, { method: 'DELETE', headers: ADMIN })).status).toBe(204);
    const archive = await shardedFetch(`/api/v1/project/${project}/notification/${archived}/archive`, { method: 'PUT', headers: ADMIN });
    expect(archive.status).toBe(200);

    // Both records are finished: the deleted one without writing its missing copy.
    expect(await completeCopies(healthyStores())).toEqual({ completed: 2, pending: 0 });
    expect(await copiesOf(deleted)).toEqual({ DB: 0, DB_2: 0, DB_3: 0 });
    expect(await copiesOf(archived)).toEqual({ DB: 1, DB_2: 1, DB_3: 1 });
    for (const binding of BINDINGS) {
      const row = await d1Of(binding).prepare('SELECT archived_at AS at FROM notifications WHERE id = ?1').bind(archived).first<{ at: number | null }>();
      expect(row!.at).not.toBeNull();
    }
    // Gone from every inbox.
    for (const binding of BINDINGS) expect(await inboxIds(project, usersOn(map, project, binding)[0]!)).toEqual([]);
  });

  it('deletes and archives every copy of a complete broadcast', async () => {
    const project = await shardedProject('bcast-del');
    const [a, b] = ((await (await shardedSend(project, { to: [{ everyone: true }, { org: 'x' }] })).json()) as { notifications: { id: string }[] }).notifications;
    expect((await shardedFetch(`/v1/projects/${project}/notifications/${a!.id}`, { method: 'DELETE', headers: ADMIN })).status).toBe(204);
    expect(await copiesOf(a!.id)).toEqual({ DB: 0, DB_2: 0, DB_3: 0 });
    expect((await shardedFetch(`/v1/projects/${project}/notifications/${a!.id}`, { method: 'DELETE', headers: ADMIN })).status).toBe(404);
    const archive = await shardedFetch(`/api/v1/project/${project}/notification/${b!.id}/archive`, { method: 'PUT', headers: ADMIN });
    const { data } = (await archive.json()) as { data: { deleted_at: string } };
    const times = await Promise.all(BINDINGS.map(async (binding) => (await d1Of(binding).prepare('SELECT archived_at AS at FROM notifications WHERE id = ?1').bind(b!.id).first<{ at: number }>())!.at));
    // One time in every copy (the API shows it to the second).
    expect(new Set(times).size).toBe(1);
    expect(Math.floor(times[0]! / 1000) * 1000).toBe(Date.parse(data.deleted_at));
    const got = await shardedFetch(`/v1/projects/${project}/notifications/${b!.id}`, { headers: ADMIN });
    expect(got.status).toBe(200);
  });

  it('numbers a broadcast alike in every database when its create also has users in some of them', async () => {
    const project = await shardedProject('bcast-seq');
    const [one] = usersOn(map, project, 'DB');
    const res = await shardedSend(project, { to: [{ user: one }, { user: usersOn(map, project, 'DB_3')[0] }, { everyone: true }], title: 'mixed' });
    const everyone = ((await res.json()) as { notifications: { id: string }[] }).notifications[2]!;
    expect(new Set(await sequencesOf(everyone.id)).size).toBe(1);
  });

  it('writes recipients of several databases each in their own, once, and replays the answer to a repeated Idempotency-Key', async () => {
    const project = await shardedProject('multi');
    const [one] = usersOn(map, project, 'DB');
    const [three] = usersOn(map, project, 'DB_3');
    const send = () => shardedSend(project, { to: [{ user: one }, { user: three }], title: 'each' }, { 'idempotency-key': 'multi-1' });
    const first = await send();
    expect(first.status).toBe(201);
    const ids = ((await first.json()) as { notifications: { id: string }[] }).notifications.map((n) => n.id);
    expect([await copiesOf(ids[0]!), await copiesOf(ids[1]!)]).toEqual([
      { DB: 1, DB_2: 0, DB_3: 0 },
      { DB: 0, DB_2: 0, DB_3: 1 },
    ]);
    expect(await pendingCount(project)).toBe(0);
    const again = await send();
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(((await again.json()) as { notifications: { id: string }[] }).notifications.map((n) => n.id)).toEqual(ids);
    expect([await copiesOf(ids[0]!), await copiesOf(ids[1]!)]).toEqual([
      { DB: 1, DB_2: 0, DB_3: 0 },
      { DB: 0, DB_2: 0, DB_3: 1 },
    ]);
    // The user-wide destroy reaches the user's database.
    const gone = await shardedFetch(`/api/v1/project/${project}/user/${three}/notification/${ids[1]}`, { method: 'DELETE', headers: ADMIN });
    expect(gone.status).toBe(200);
    expect(await copiesOf(ids[1]!)).toEqual({ DB: 0, DB_2: 0, DB_3: 0 });
  });

  for (const operator of ['delete', 'archive'] as const) {
    it(`a copy written after the operator's ${operator} is ${operator}d too`, async () => {
      const project = await shardedProject(`late-${operator}`);
      // DB_3's inserts wait for the gate: the create is held between its first copies and its last.
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      const gated = gateInserts(env.EXTRA_DB_3, gate);
      const stores = storesOver(map, (binding) => openDb(binding === 'DB_3' ? gated : d1Of(binding as Binding), undefined, binding));
      const sending = sendNotifications(stores, project, [{ audience: { kind: 'everyone' }, title: 'late' }]);
      let id = '';
      await until(async () => {
        const row = await env.DB.prepare('SELECT notification_id AS id FROM pending_copies WHERE project_id = ?1').bind(project).first<{ id: string }>();
        id = row?.id ?? '';
        return id !== '' && (await copiesOf(id)).DB_2 === 1;
      });
      const res =
        operator === 'delete'
          ? await shardedFetch(`/v1/projects/${project}/notifications/${id}`, { method: 'DELETE', headers: ADMIN })
          : await shardedFetch(`/api/v1/project/${project}/notification/${id}/archive`, { method: 'PUT', headers: ADMIN });
      expect(res.status).toBe(operator === 'delete' ? 204 : 200);
      open();
      await sending;
      if (operator === 'delete') expect(await copiesOf(id)).toEqual({ DB: 0, DB_2: 0, DB_3: 0 });
      else {
        const archived = await Promise.all(BINDINGS.map(async (b) => (await d1Of(b).prepare('SELECT archived_at AS at FROM notifications WHERE id = ?1').bind(id).first<{ at: number | null }>())?.at ?? null));
        expect(archived.every((at) => at !== null)).toBe(true);
      }
    });
  }

  it('two completions of one record at once write each copy once and delete nothing', async () => {
    const project = await shardedProject('twice');
    const probe: D1Probe = { statements: 0, failNext: 1_000_000, failed: 0 };
    const failing = fetcherFor({ ...sharded, DB_3: probedD1(probe, env.EXTRA_DB_3) } as Env);
    const res = await failing(`/v1/projects/${project}/notifications`, {
      method: 'POST',
      headers: { ...ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify({ to: [{ everyone: true }], title: 'twice' }),
    });
    const id = ((await res.json()) as { notifications: { id: string }[] }).notifications[0]!.id;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const slow = storesOver(map, (binding) => openDb(binding === 'DB_3' ? gateInserts(env.EXTRA_DB_3, gate) : d1Of(binding as Binding), undefined, binding));
    const first = completeCopies(slow, { ids: [id] });
    expect(await completeCopies(healthyStores(), { ids: [id] })).toEqual({ completed: 1, pending: 0 });
    open();
    expect(await first).toEqual({ completed: 1, pending: 0 });
    expect(await copiesOf(id)).toEqual({ DB: 1, DB_2: 1, DB_3: 1 });
  });
});

/** The sequence of a notification's copy in each database. */
async function sequencesOf(id: string): Promise<number[]> {
  return Promise.all(BINDINGS.map(async (b) => (await d1Of(b).prepare('SELECT seq FROM notifications WHERE id = ?1').bind(id).first<{ seq: number }>())!.seq));
}

/** A database whose inserts into notifications wait for `gate` (the rest goes through at once). */
function gateInserts(d1: D1Database, gate: Promise<void>): D1Database {
  return new Proxy(d1, {
    get(target, key) {
      if (key === 'prepare') {
        return (query: string) => {
          const statement = target.prepare(query);
          if (!query.includes('INSERT INTO notifications')) return statement;
          return { bind: (...values: unknown[]) => ({ all: async () => (await gate, statement.bind(...values).all()) }) };
        };
      }
      const value = Reflect.get(target, key) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
