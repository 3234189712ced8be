import { describe, expect, it } from 'vitest';
import { asUser, call, send } from '../../helpers';
import { createFor, json, player, PLAYER } from './helpers';

const page = (headers: Record<string, string>, query = '', who = 'me') => call(`${PLAYER}/${who}/notification${query}`, { headers });

describe('seeds/002 Get Notifications Page', () => {
  it('returns the newest first, page_size 10 by default, in the documented fields', async () => {
    const p = await player();
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await createFor(p.project, p.id, `m${i}`));
    const res = await page(p.headers);
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toMatch(/^"/);
    const body = await json(res);
    expect(body.notifications).toHaveLength(10);
    expect(body.notifications.map((n) => n.notification_id)).toEqual(ids.slice(2).reverse());
    expect(body.notifications[0]).toEqual({ message: 'm11', custom_data: {}, notification_id: ids[11], created: expect.stringMatching(/Z$/) });
    expect(typeof body.cursor).toBe('string');
  });

  it('shows notifications made through other APIs, with their body as message', async () => {
    const p = await player();
    await send(p.project, { to: [{ user: p.id }], title: 'Title', body: 'The body', action_url: '/shop', custom_data: { n: 3, s: 'x' } });
    await send(p.project, { to: [{ everyone: true }], title: 'All', body: 'For everyone' });
    const body = await json(await page(p.headers));
    expect(body.notifications.map((n) => n.message)).toEqual(['For everyone', 'The body']);
    expect(body.notifications[1]).toMatchObject({ rh_url: '/shop', custom_data: { n: '3', s: 'x' } });
  });

  it('walks start_at pages with no skip or repeat while new notifications arrive', async () => {
    const p = await player();
    const initial: string[] = [];
    for (let i = 0; i < 7; i++) initial.push(await createFor(p.project, p.id, `i${i}`));
    const seen: string[] = [];
    let cursor: string | undefined;
    for (let round = 0; round < 10; round++) {
      const body = await json(await page(p.headers, `?page_size=3${cursor ? `&start_at=${cursor}` : ''}`));
      if (body.notifications.length === 0) break;
      seen.push(...body.notifications.map((n) => n.notification_id));
      cursor = body.cursor;
      await createFor(p.project, p.id, `late${round}`);
    }
    expect(seen).toEqual([...initial].reverse());
  });

  it('leaves out what exclude_before covers (a long poll cursor)', async () => {
    const p = await player();
    await createFor(p.project, p.id, 'old');
    const lp = await json(await call(`${PLAYER}/me/stream/notification/lp?deadline=0&offset_reset_strategy=earliest`, { headers: p.headers }));
    await createFor(p.project, p.id, 'new');
    const body = await json(await page(p.headers, `?exclude_before=${lp.cursor}`));
    expect(body.notifications.map((n) => n.message)).toEqual(['new']);
  });

  it('answers 304 to a matching if-none-match, and 200 after something new', async () => {
    const p = await player();
    await createFor(p.project, p.id, 'a');
    const etag = (await page(p.headers)).headers.get('etag')!;
    const cached = await call(`${PLAYER}/me/notification`, { headers: { ...p.headers, 'if-none-match': `W/${etag}` } });
    expect(cached.status).toBe(304);
    expect(cached.headers.get('etag')).toBe(etag);
    await createFor(p.project, p.id, 'b');
    const fresh = await call(`${PLAYER}/me/notification`, { headers: { ...p.headers, 'if-none-match': etag } });
    expect(fresh.status).toBe(200);
    expect(fresh.headers.get('etag')).not.toBe(etag);
  });

  it('serves another player to a token with notification:player:read, without leaking the caller’s own', async () => {
    const p = await player();
    await createFor(p.project, p.id, 'for p');
    const server = await asUser({ sub: 'game-server', project: p.project, permissions: ['notification:player:read'] });
    await send(p.project, { to: [{ user: 'game-server' }], title: 't', body: 'for the server' });
    const body = await json(await page(server, '', p.id));
    expect(body.notifications.map((n) => n.message)).toEqual(['for p']);
  });

  it('validates page_size and cursors with 422, and a bad player id with 400 bad_id', async () => {
    const p = await player();
    for (const [query, loc, type] of [
      ['?page_size=0', ['query', 'page_size'], 'greater_than_equal'],
      ['?page_size=101', ['query', 'page_size'], 'less_than_equal'],
      ['?page_size=x', ['query', 'page_size'], 'int_parsing'],
      ['?start_at=nonsense', ['query', 'start_at'], 'value_error'],
      ['?exclude_before=nonsense', ['query', 'exclude_before'], 'value_error'],
    ] as const) {
      const res = await page(p.headers, query);
      expect(res.status, query).toBe(422);
      expect(((await res.json()) as { detail: unknown[] }).detail[0], query).toEqual({ loc, msg: expect.any(String), type });
    }
    // A page cursor is a start_at, not an exclude_before.
    const { cursor } = await json(await page(p.headers));
    expect((await page(p.headers, `?exclude_before=${cursor}`)).status).toBe(422);
    const bad = await page(p.headers, '', 'not-a-uuid');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ auth_success: true, error_code: 'bad_id', desc: 'Passed client id is not a valid id' });
  });
});
