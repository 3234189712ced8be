import { describe, expect, it } from 'vitest';
import { fakeVisibility, note } from './fakes';
import { live, params } from './setup';

describe('where the stream resumes', () => {
  it('keeps the cursor of a message that arrives while the counts are being read', async () => {
    const t = await live();
    // The next /counts answers at once, but its body comes only when the test says so.
    let finish!: () => void;
    t.server.refuse = (call) => {
      if (call.route != '/counts') return;
      t.server.refuse = undefined;
      const body = new ReadableStream<Uint8Array>({
        start: (controller) =>
          void (finish = () => (controller.enqueue(new TextEncoder().encode(JSON.stringify(t.server.counts()))), controller.close())),
      });
      return new Response(body, { headers: { 'content-type': 'application/json', etag: '"k-held"' } });
    };
    // About a notification not held: the counts are unsure, and asked for.
    t.socket.receive({ type: 'deleted', cursor: 'c11', id: 'not-held' });
    await t.clock.advance(0);
    expect(t.server.callsTo('/counts')).toHaveLength(2);
    const fresh = note();
    t.server.items.unshift(fresh);
    t.socket.receive({ type: 'notification', cursor: 'c12', notification: fresh });
    finish();
    await t.clock.advance(0);
    expect(t.inbox.state.notifications[0]).toEqual(fresh);
    // A drop: the stream comes back after the last message it delivered.
    t.socket.drop(1006);
    await t.clock.advance(2000);
    expect(t.ws.sockets).toHaveLength(2);
    expect(params(t.ws.sockets[1]!.url).since).toBe('c12');
  });

  it('keeps the cursor when a poll keeps the older notifications loadMore added (the stream must replay their events)', async () => {
    const visibility = fakeVisibility();
    const items = [note(), note(), note(), note(), note()];
    const t = await live({ visibility, pageSize: 2 }, items);
    await t.inbox.loadMore();
    expect(t.inbox.state.notifications).toEqual(items.slice(0, 4));
    // In the background (an app): polls. Meanwhile a new one comes, and items[3], held from loadMore, is deleted.
    visibility.set(false);
    const fresh = note();
    t.server.items.unshift(fresh);
    t.server.touch();
    t.server.items = t.server.items.filter((n) => n.id != items[3]!.id);
    expect(t.server.touch()).toBe('c12');
    await t.clock.advance(300000);
    // The page (fresh, items[0]) ends on one held: the older ones held stay, items[3] too (the page cannot tell).
    expect(t.inbox.state.notifications).toEqual([fresh, ...items.slice(0, 4)]);
    visibility.set(true);
    await t.clock.advance(0);
    // Not from the page's c12: that would skip the deletion of items[3] for good.
    expect(params(t.ws.sockets[1]!.url).since).toBe('c10');
    t.ws.sockets[1]!.open();
    t.ws.sockets[1]!.receive({ type: 'ready', cursor: 'c10' });
    t.ws.sockets[1]!.receive({ type: 'notification', cursor: 'c11', notification: fresh });
    t.ws.sockets[1]!.receive({ type: 'deleted', cursor: 'c12', id: items[3]!.id });
    expect(t.inbox.state.notifications).toEqual([fresh, ...items.slice(0, 3)]);
  });
});
