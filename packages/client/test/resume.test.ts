import { describe, expect, it } from 'vitest';
import { fakeVisibility, note } from './fakes';
import { live, params } from './setup';

describe('where the stream resumes', () => {
  it('after the last message it delivered, counts included', async () => {
    const t = await live();
    t.socket.receive({ type: 'deleted', cursor: 'c11', id: 'not-held' });
    const fresh = note();
    t.server.items.unshift(fresh);
    t.socket.receive({ type: 'notification', cursor: 'c12', notification: fresh });
    t.socket.receive({ type: 'counts', cursor: 'c13', counts: { total: 4, pending: 4 } });
    expect(t.inbox.state.notifications[0]).toEqual(fresh);
    // A drop: the stream comes back after the last message it delivered.
    t.socket.drop(1006);
    await t.clock.advance(2000);
    expect(t.ws.sockets).toHaveLength(2);
    expect(params(t.ws.sockets[1]!.url).since).toBe('c13');
    // Nothing read again: the stream resumes.
    expect(t.server.calls.map((call) => call.route)).toEqual(['']);
  });

  it('at the snapshot of a background poll, which read again what loadMore had added', async () => {
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
    // The poll read as many as were held: the deletion of items[3] shows.
    expect(t.inbox.state.notifications).toEqual([fresh, ...items.slice(0, 3)]);
    expect(t.inbox.state.counts).toEqual({ total: 5, pending: 5 });
    visibility.set(true);
    await t.clock.advance(0);
    expect(params(t.ws.sockets[1]!.url).since).toBe('c12');
    t.ws.sockets[1]!.open();
    t.ws.sockets[1]!.receive({ type: 'ready', cursor: 'c12' });
    expect(t.inbox.state.notifications).toEqual([fresh, ...items.slice(0, 3)]);
  });
});
