import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { asUser, call, freshProject, postJson, send } from '../../helpers';
import { encodeCursor } from '../../../src/core/cursor';
import { d1Cost, seed } from './helpers';

// Issue 7's budgets, read from each response's Server-Timing (D1's own meta): they hold for an
// inbox of 10 and of 100,000 notifications, for a user in organisations, and on deep pages.

const HEAVY = crypto.randomUUID();
const LIGHT = crypto.randomUUID();
const ORGS = ['guild', 'clan'];
let project = '';

type Headers = Record<string, string>;
const users: Record<string, { headers: Headers; orgs: number; total: number }> = {};

beforeAll(async () => {
  ({ id: project } = await freshProject('budget'));
  // Interleaved, so every audience has rows all along the sequence.
  for (let round = 0; round < 10; round++) {
    await seed(project, `u:${HEAVY}`, 10_000);
    await seed(project, 'o:guild', 50);
    await seed(project, '*', 50);
    await seed(project, `u:someone-else`, 1_000);
  }
  // The heavy player acknowledged their oldest 20,000: an oldest-first pending page must not walk them.
  await env.DB.prepare(
    `INSERT INTO receipts (project_id, user_id, notification_id, seen_at, acknowledged_at)
     SELECT project_id, ?2, id, ?3, ?3 FROM notifications WHERE project_id = ?1 AND audience = ?4 ORDER BY seq LIMIT 20000`,
  )
    .bind(project, HEAVY, Date.now(), `u:${HEAVY}`)
    .run();
  for (let i = 0; i < 10; i++) await send(project, { to: [{ user: LIGHT }], title: `light ${i}`, expires_at: new Date(Date.now() + 3_600_000).toISOString() });
  const everyone = 500;
  const guild = 500;
  users['heavy'] = { headers: await asUser({ sub: HEAVY, project }), orgs: 0, total: 100_000 + everyone };
  users['heavy in organisations'] = { headers: await asUser({ sub: HEAVY, project, orgs: ORGS }), orgs: 2, total: 100_000 + everyone + guild };
  users['light'] = { headers: await asUser({ sub: LIGHT, project }), orgs: 0, total: 10 + everyone };
  users['light in organisations'] = { headers: await asUser({ sub: LIGHT, project, orgs: ORGS }), orgs: 2, total: 10 + everyone + guild };
}, 120_000);

const CLIENT = '/api/v1/client/notifications';
const PLAYER_PAGE = '/notification/v1/player/me/notification';

describe.each(Object.keys({ heavy: 1, 'heavy in organisations': 1, light: 1, 'light in organisations': 1 }))('cost for %s', (who) => {
  it('a 304 poll reads one row per audience (1 + organisations + 1) and writes none, in every dialect', async () => {
    const { headers, orgs } = users[who]!;
    const polls = [CLIENT, `${CLIENT}?status=pending`, PLAYER_PAGE, '/api/notifications/system'];
    for (const path of polls) {
      const first = await call(path, { headers });
      expect(first.status, path).toBe(200);
      const again = await call(path, { headers: { ...headers, 'if-none-match': first.headers.get('etag')! } });
      expect(again.status, path).toBe(304);
      const cost = d1Cost(again);
      expect(cost.rowsRead, path).toBeLessThanOrEqual(1 + orgs + 1);
      expect(cost.rowsWritten, path).toBe(0);
      expect(cost.queries, path).toBe(1);
    }
  });

  it('a first page and the pages after it read at most page size + 10 rows, with an exact total_count', async () => {
    const { headers, total } = users[who]!;
    let cursor: string | null = null;
    for (let page = 0; page < 3; page++) {
      const res = await call(`${CLIENT}${cursor ? `?cursor=${cursor}` : ''}`, { headers });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { notifications: unknown[]; pagination: { next_cursor: string | null; total_count: number } };
      expect(body.notifications).toHaveLength(50);
      expect(body.pagination.total_count).toBe(total);
      expect(d1Cost(res).rowsRead, `client page ${page}`).toBeLessThanOrEqual(50 + 10);
      expect(d1Cost(res).rowsWritten).toBe(0);
      cursor = body.pagination.next_cursor;
    }

    let start: string | undefined;
    for (let page = 0; page < 3; page++) {
      const res = await call(`${PLAYER_PAGE}${start ? `?start_at=${start}` : ''}`, { headers });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { notifications: unknown[]; cursor: string };
      expect(body.notifications).toHaveLength(10);
      expect(d1Cost(res).rowsRead, `player page ${page}`).toBeLessThanOrEqual(10 + 10);
      start = body.cursor;
    }
  });

  it('a pending page reads at most page size + 10 rows, also after thousands of acknowledges', async () => {
    const { headers, total } = users[who]!;
    const acked = who.startsWith('heavy') ? 20_000 : 0;
    for (const sort of ['newest', 'oldest']) {
      const res = await call(`${CLIENT}?status=pending&sort=${sort}`, { headers });
      const body = (await res.json()) as { notifications: { status: string }[]; pagination: { total_count: number } };
      expect(body.notifications).toHaveLength(50);
      expect(body.notifications.every((n) => n.status === 'pending')).toBe(true);
      expect(body.pagination.total_count).toBe(total - acked);
      // + the acknowledge-all watermark: one user_counts row per audience (3 here) where the user has one.
      expect(d1Cost(res).rowsRead, sort).toBeLessThanOrEqual(50 + 10 + 3);
    }
  });

  it('a page deep in the inbox costs what the first page costs', async () => {
    const { headers } = users[who]!;
    const me = who.startsWith('heavy') ? HEAVY : LIGHT;
    const middle = await env.DB.prepare('SELECT seq FROM notifications WHERE project_id = ? AND audience = ? ORDER BY seq LIMIT 1 OFFSET ?')
      .bind(project, `u:${me}`, me === HEAVY ? 50_000 : 5)
      .first<{ seq: number }>();
    const scope = { parameter: 'cursor', parts: ['client', project, me, undefined, undefined, undefined, 'newest'] };
    const res = await call(`${CLIENT}?cursor=${encodeCursor(scope, middle!.seq)}`, { headers });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { notifications: unknown[] }).notifications.length).toBeGreaterThan(0);
    expect(d1Cost(res).rowsRead).toBeLessThanOrEqual(50 + 10);
  });
});

describe('cost of writes', () => {
  it('acknowledge and read-marking read and write a constant number of rows, whatever the inbox size', async () => {
    const written: number[][] = [];
    const rowsRead: number[][] = [];
    for (const [who, me] of [['heavy in organisations', HEAVY], ['light in organisations', LIGHT]] as const) {
      const { headers } = users[who]!;
      // Three of the user's own notifications that nobody touched yet (older than the ones other tests use).
      const own = (await (await call(`/api/users/${me}/notifications?limit=8`, { headers })).json()) as { notifications: { notificationId: string }[] };
      const [a, b, c] = own.notifications.slice(5).map((n) => n.notificationId);
      const ack = await call(`${CLIENT}/${a}/acknowledge`, { method: 'POST', headers });
      const read = await call(`/api/users/${me}/notifications/${b}`, { headers });
      const bulk = await postJson(`${CLIENT}/acknowledge`, { ids: [c] }, headers);
      expect([ack.status, read.status, bulk.status]).toEqual([200, 200, 200]);
      written.push([ack, read, bulk].map((res) => d1Cost(res).rowsWritten));
      rowsRead.push([ack, read, bulk].map((res) => d1Cost(res).rowsRead));
    }
    // Lookups by id and by key, never a walk of the inbox (100,000 rows for the heavy user): the same for both
    // but for the acknowledge-all watermark's user_counts row, which one of them may not have yet (2 look-ups).
    for (const [i, n] of rowsRead[0]!.entries()) expect(Math.abs(n - rowsRead[1]![i]!)).toBeLessThanOrEqual(2);
    for (const n of [...rowsRead[0]!, ...rowsRead[1]!]) expect(n).toBeLessThanOrEqual(13);
    // The same for 10 and for 100,000 notifications: the receipt and its indexes, its change-feed
    // entry, the user's inbox version and acknowledged counter.
    expect(written[0]).toEqual(written[1]);
    for (const n of written[0]!) expect(n).toBeLessThanOrEqual(10);
  });

  it('pending and acknowledged totals follow acknowledges exactly', async () => {
    const { headers, total } = users['light in organisations']!;
    const count = async (status: string) =>
      ((await (await call(`${CLIENT}?status=${status}&limit=1`, { headers })).json()) as { pagination: { total_count: number } }).pagination.total_count;
    const acknowledged = await count('acknowledged');
    expect(acknowledged).toBeGreaterThan(0);
    expect((await count('pending')) + acknowledged).toBe(total);
  });
});
