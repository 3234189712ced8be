import { describe, expect, it } from 'vitest';
import { call } from '../../helpers';
import { createFor, json, player, PLAYER } from './helpers';

// seeds/002: "All notifications including and before this provided id will be ignored": the
// `exclude_before` of the page and of the long poll takes a notification id as well as a cursor.

describe('seeds/002 exclude_before with a notification id', () => {
  it('leaves out that notification and everything older, on the page and on the long poll', async () => {
    const p = await player();
    const [, second, third] = [await createFor(p.project, p.id, 'one'), await createFor(p.project, p.id, 'two'), await createFor(p.project, p.id, 'three')];
    const page = await call(`${PLAYER}/me/notification?exclude_before=${second}`, { headers: p.headers });
    expect(page.status).toBe(200);
    expect((await json(page)).notifications.map((n) => n.notification_id)).toEqual([third]);
    const lp = await json(await call(`${PLAYER}/me/stream/notification/lp?deadline=0&exclude_before=${second}`, { headers: p.headers }));
    expect(lp.notifications.map((n) => n.notification_id)).toEqual([third]);
    // The long poll's cursor goes on from there.
    await createFor(p.project, p.id, 'four');
    const next = await json(await call(`${PLAYER}/me/stream/notification/lp?deadline=0&exclude_before=${lp.cursor}`, { headers: p.headers }));
    expect(next.notifications.map((n) => n.message)).toEqual(['four']);
  });

  it('treats an id that is not this player’s as unknown: 422 on the page, offset_reset_strategy on the long poll', async () => {
    const p = await player();
    const other = await player();
    await createFor(p.project, p.id, 'mine');
    const foreign = await createFor(other.project, other.id, 'theirs');
    for (const id of [crypto.randomUUID(), foreign]) {
      const page = await call(`${PLAYER}/me/notification?exclude_before=${id}`, { headers: p.headers });
      expect(page.status).toBe(422);
      expect(await page.json()).toEqual({
        detail: [{ loc: ['query', 'exclude_before'], msg: expect.stringContaining('exclude_before'), type: 'value_error' }],
      });
      const earliest = await json(await call(`${PLAYER}/me/stream/notification/lp?deadline=0&offset_reset_strategy=earliest&exclude_before=${id}`, { headers: p.headers }));
      expect(earliest.notifications.map((n) => n.message)).toEqual(['mine']);
      const latest = await json(await call(`${PLAYER}/me/stream/notification/lp?deadline=0&exclude_before=${id}`, { headers: p.headers }));
      expect(latest.notifications).toEqual([]);
    }
  });
});
