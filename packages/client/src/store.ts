import type { Counts, Notification, StreamMessage } from './types';

// Pure updates of the list (newest first, one per id) and its counts. Counts move only on a status change
// of a notification held, so a replayed or repeated event changes nothing.

export interface Held {
  notifications: Notification[];
  counts: Counts;
}

/** What an update could not know: 0 nothing, 1 the counts (refetch /counts), 2 the list too (refetch the first page). */
export type Unsure = 0 | 1 | 2;

const pending = (n?: Notification) => (n?.status == 'pending' ? 1 : 0);

export const find = (list: Notification[], id: string) => list.find((n) => n.id == id);

/** `n` in place of the held one with its id, or on top when new. */
export function put(h: Held, n: Notification): Held {
  const old = find(h.notifications, n.id);
  return {
    notifications: old ? h.notifications.map((x) => (x == old ? n : x)) : [n, ...h.notifications],
    counts: { total: h.counts.total + (old ? 0 : 1), pending: h.counts.pending + pending(n) - pending(old) },
  };
}

/** Without `n` (which is held). */
export const drop = (h: Held, n: Notification): Held => ({
  notifications: h.notifications.filter((x) => x != n),
  counts: { total: h.counts.total - 1, pending: h.counts.pending - pending(n) },
});

/** Everything from index `i` down acknowledged at `at`; pending is what stays pending above `i`. */
export function acknowledgeFrom(h: Held, i: number, at: string): Held {
  const list = h.notifications.map((n, j) => (j >= i && pending(n) ? { ...n, status: 'acknowledged' as const, acknowledged_at: at } : n));
  return { notifications: list, counts: { total: h.counts.total, pending: list.filter((n) => pending(n)).length } };
}

/** Puts back those of `before` that are still as an optimistic acknowledge at `at` left them. */
export const undo = (h: Held, before: Notification[], at: string): Held =>
  before.reduce((h, b) => (pending(b) && find(h.notifications, b.id)?.acknowledged_at == at ? put(h, b) : h), h);

export function apply(h: Held, m: StreamMessage): [Held, Unsure] {
  const list = h.notifications;
  switch (m.type) {
    case 'notification':
      return [put(h, m.notification), 0];
    case 'deleted':
    case 'state': {
      const id = m.type == 'deleted' ? m.id : m.state.id;
      const old = find(list, id);
      if (!old) return [h, 1];
      if (m.type == 'deleted' || m.state.archived_at) return [drop(h, old), 0];
      return [put(h, { ...old, status: m.state.status, acknowledged_at: m.state.acknowledged_at }), 0];
    }
    case 'acknowledged': {
      const i = list.findIndex((n) => n.id == m.through);
      // Older notifications than those held may have been pending: the counts are refetched either way.
      return i < 0 ? [h, 2] : [acknowledgeFrom(h, i, m.acknowledged_at), 1];
    }
  }
  return [h, 0];
}

/** A fresh first page over the held list: it replaces what it covers; held older ones stay when its last one is held. */
export function mergePage(list: Notification[], page: Notification[]): [Notification[], boolean] {
  const i = page.length ? list.findIndex((n) => n.id == page[page.length - 1]!.id) : -1;
  return i < 0 ? [page, false] : [append(page, list.slice(i + 1)), true];
}

/** `more` after `list`, without those already there. */
export const append = (list: Notification[], more: Notification[]) => list.concat(more.filter((n) => !find(list, n.id)));

/** Ids and statuses in order: equal keys mean nothing a user sees moved. */
export const key = (list: Notification[]) => list.map((n) => n.id + n.status).join();
