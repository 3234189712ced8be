import { describe, expect, it } from 'vitest';
import { note, slowAnswer } from './fakes';
import { live } from './setup';

describe('stop()', () => {
  it('leaves nothing running: no timer, no request, no change of state, even for work under way', async () => {
    const t = await live({ pageSize: 2 });
    // The answers of a resync's page, a loadMore's page and an acknowledge come only after the stop.
    const slow: ReturnType<typeof slowAnswer>[] = [];
    t.server.refuse = (c) => {
      if (c.route == '' && !c.url.searchParams.get('cursor')) {
        const page = { notifications: t.server.items.slice(0, 2), pagination: { next_cursor: t.server.items[1]!.id, has_more: true, total_count: 3 } };
        return slow[slow.push(slowAnswer(page, { etag: 'W/"v9"', 'stream-cursor': 'c60' })) - 1]!.response;
      }
      if (c.route == '') {
        const page = { notifications: t.server.items.slice(2), pagination: { next_cursor: null, has_more: false, total_count: 3 } };
        return slow[slow.push(slowAnswer(page)) - 1]!.response;
      }
      if (c.method == 'POST') return slow[slow.push(slowAnswer({ ...t.items[1], status: 'acknowledged', acknowledged_at: 'x' })) - 1]!.response;
    };
    t.socket.receive({ type: 'reset', cursor: 'c50' });
    // A message of the stream the resync closed: ignored.
    t.socket.receive({ type: 'notification', cursor: 'c51', notification: note() });
    const more = t.inbox.loadMore();
    const acknowledged = t.inbox.acknowledge(t.items[1]!.id);
    await t.clock.advance(0);
    expect(slow).toHaveLength(3);
    t.inbox.stop();
    const state = t.inbox.state;
    const requests = t.server.calls.length;
    slow.forEach((answer) => answer.finish());
    await Promise.allSettled([more, acknowledged]);
    await t.clock.advance(0);
    expect(t.clock.pending()).toEqual([]);
    await t.clock.advance(3600000);
    expect(t.server.calls).toHaveLength(requests);
    expect(t.inbox.state).toBe(state);
    expect(state).toMatchObject({ status: 'stopped', leader: false });
  });
});
