import { describe, expect, it } from 'vitest';
import { acknowledgeFrom, append, apply, put, shown, view, type Held } from '../src/store';
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

  it('shows edits over the server state: acknowledged and hidden ones, counts less them, each id once', () => {
    const [a, b, c] = [note(), note(), note({ status: 'acknowledged' })];
    const truth = held(c, b, a); // counts { total: 13, pending: 6 }
    const one = { ids: [a.id], at: 'T1' };
    const all = { ids: [a.id, b.id, c.id], at: 'T2' };
    const hide = { ids: [b.id], at: 'T3', hide: true };
    expect(view(truth, [])).toBe(truth);
    expect(view(truth, [one])).toEqual({ notifications: [c, b, { ...a, status: 'acknowledged', acknowledged_at: 'T1' }], counts: { total: 13, pending: 5 } });
    // a is in two edits: counted once; c was not pending: unchanged.
    expect(view(truth, [one, all]).counts).toEqual({ total: 13, pending: 4 });
    expect(view(truth, [one, all]).notifications[0]).toBe(c);
    expect(view(truth, [all, hide])).toEqual({ notifications: [c, { ...a, status: 'acknowledged', acknowledged_at: 'T2' }], counts: { total: 12, pending: 4 } });
  });

  it('ends an edit only once it was answered and the server state shows it', () => {
    const [a, b] = [note(), note()];
    const truth = held(b, a);
    const acked = held(b, { ...a, status: 'acknowledged', acknowledged_at: 'server' });
    expect(shown(truth, { ids: [a.id], at: 'T' })).toBe(false);
    expect(shown(acked, { ids: [a.id], at: 'T' })).toBe(false);
    expect(shown(truth, { ids: [a.id], at: 'T', answered: true })).toBe(false);
    expect(shown(acked, { ids: [a.id], at: 'T', answered: true })).toBe(true);
    // Gone from the server state: shown, whether acknowledged or hidden.
    expect(shown(held(b), { ids: [a.id], at: 'T', answered: true })).toBe(true);
    expect(shown(acked, { ids: [a.id], at: 'T', answered: true, hide: true })).toBe(false);
    expect(shown(held(b), { ids: [a.id], at: 'T', answered: true, hide: true })).toBe(true);
    expect(shown(truth, { ids: [], at: 'T', answered: true })).toBe(true);
  });

  it('appends a page without repeating what is held', () => {
    const [a, b] = [note(), note()];
    expect(append([b, a], [a, note({ id: 'z' } as any)]).map((n) => n.id)).toEqual([b.id, a.id, 'z']);
  });
});
