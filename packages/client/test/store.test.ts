import { describe, expect, it } from 'vitest';
import { acknowledgeFrom, append, apply, mergePage, put, undo, type Held } from '../src/store';
import { note } from './fakes';

const held = (...notifications: ReturnType<typeof note>[]): Held => ({
  notifications,
  counts: { total: notifications.length + 10, pending: notifications.filter((n) => n.status == 'pending').length + 4 },
});

describe('store', () => {
  it('puts a new notification on top and counts it', () => {
    const [a, b, c] = [note(), note(), note({ status: 'acknowledged' })];
    const h = put(put(held(b, a), c), note({ id: 'fresh' } as any));
    expect(h.notifications.map((n) => n.id)).toEqual(['fresh', c.id, b.id, a.id]);
    expect(h.counts).toEqual({ total: 14, pending: 7 });
  });

  it('de-duplicates by id in place, counting only a status change', () => {
    const [a, b] = [note(), note()];
    const h = held(b, a);
    const again = put(h, { ...a, title: 'edited' });
    expect(again.notifications.map((n) => [n.id, n.title])).toEqual([
      [b.id, b.title],
      [a.id, 'edited'],
    ]);
    expect(again.counts).toEqual(h.counts);
    expect(put(h, { ...a, status: 'acknowledged' }).counts).toEqual({ total: 12, pending: 5 });
  });

  it('applies notification events idempotently', () => {
    const [a, b] = [note(), note()];
    const [h1, u1] = apply(held(a), { type: 'notification', cursor: 'c', notification: b });
    const [h2, u2] = apply(h1, { type: 'notification', cursor: 'c', notification: b });
    expect(h2.notifications.map((n) => n.id)).toEqual([b.id, a.id]);
    expect(h2.counts).toEqual({ total: 12, pending: 6 });
    expect([u1, u2]).toEqual([0, 0]);
  });

  it('applies state events: acknowledged, again, archived, and unsure for one not held', () => {
    const [a, b] = [note(), note()];
    const h = held(b, a);
    const state = (id: string, over: object = {}) =>
      ({ type: 'state', cursor: 'c', state: { id, status: 'acknowledged', read_at: null, acknowledged_at: '2026-03-01T12:00:01.000Z', archived_at: null, ...over } }) as const;
    const [acked, u] = apply(h, state(a.id));
    expect(u).toBe(0);
    expect(acked.notifications[1]).toMatchObject({ id: a.id, status: 'acknowledged', acknowledged_at: '2026-03-01T12:00:01.000Z' });
    expect(acked.counts).toEqual({ total: 12, pending: 5 });
    expect(apply(acked, state(a.id))[0].counts).toEqual(acked.counts);
    const [archived] = apply(h, state(b.id, { status: 'pending', acknowledged_at: null, archived_at: '2026-03-01T12:00:02.000Z' }));
    expect(archived.notifications.map((n) => n.id)).toEqual([a.id]);
    expect(archived.counts).toEqual({ total: 11, pending: 5 });
    expect(apply(h, state('other'))).toEqual([h, 1]);
  });

  it('applies deleted events', () => {
    const [a, b] = [note({ status: 'acknowledged' }), note()];
    const h = held(b, a);
    expect(apply(h, { type: 'deleted', cursor: 'c', id: a.id })[0]).toEqual({ notifications: [b], counts: { total: 11, pending: 5 } });
    expect(apply(h, { type: 'deleted', cursor: 'c', id: b.id })[0].counts).toEqual({ total: 11, pending: 4 });
    expect(apply(h, { type: 'deleted', cursor: 'c', id: 'gone' })).toEqual([h, 1]);
  });

  it('applies acknowledged events: that one and everything older; a through not held asks for the list', () => {
    const [a, b, c, d] = [note(), note({ status: 'acknowledged', acknowledged_at: 'earlier' }), note(), note()];
    const h = held(d, c, b, a);
    const [after, unsure] = apply(h, { type: 'acknowledged', cursor: 'c', through: c.id, acknowledged_at: 'now' });
    expect(after.notifications.map((n) => [n.status, n.acknowledged_at])).toEqual([
      ['pending', null],
      ['acknowledged', 'now'],
      ['acknowledged', 'earlier'],
      ['acknowledged', 'now'],
    ]);
    expect(after.counts).toEqual({ total: 14, pending: 1 });
    expect(unsure).toBe(1);
    expect(apply(h, { type: 'acknowledged', cursor: 'c', through: 'unknown', acknowledged_at: 'now' })).toEqual([h, 2]);
  });

  it('undoes only what an optimistic acknowledge at that time still shows', () => {
    const [a, b] = [note(), note()];
    const before = held(b, a);
    const optimistic = acknowledgeFrom(before, 0, 'T');
    expect(optimistic.counts.pending).toBe(0);
    const confirmed = put(optimistic, { ...a, status: 'acknowledged', acknowledged_at: 'server' });
    expect(undo(confirmed, before.notifications, 'T')).toEqual({ notifications: [b, confirmed.notifications[1]], counts: { total: 12, pending: 1 } });
  });

  it('merges a fresh first page over more pages, keeping the older tail when the page reaches into it', () => {
    const [a, b, c, d, e] = [note(), note(), note(), note(), note()];
    // Held: d c b a (two pages of 2); new e arrived, c was deleted: page [e, d] reaches d.
    expect(mergePage([d, c, b, a], [e, d])).toEqual([[e, d, c, b, a], true]);
    expect(mergePage([d, c, b, a], [e, note()])).toEqual([[e, expect.anything()], false]);
    expect(mergePage([d, c], [])).toEqual([[], false]);
    expect(append([b, a], [a, note({ id: 'z' } as any)]).map((n) => n.id)).toEqual([b.id, a.id, 'z']);
  });
});
