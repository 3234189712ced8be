import type { Counts, Notification, StreamMessage } from './types';

// Pure updates of the list (newest first, one per id) and its counts. Counts move only on a status change
// of a notification held, so a replayed or repeated event changes nothing.

export interface Held {
  notifications: Notification[];
  counts: Counts;
}

/** What an update could not know: 0 nothing, 1 the counts (refetch /counts), 2 the list too (refetch the first page). */
export type Unsure = 0 | 1 | 2;

const pending = (notification?: Notification) => (notification?.status == 'pending' ? 1 : 0);

export const find = (list: Notification[], id: string) => list.find((notification) => notification.id == id);

/** `notification` in place of the held one with its id, or on top when new. */
export function put(held: Held, notification: Notification): Held {
  const old = find(held.notifications, notification.id);
  return {
    notifications: old ? held.notifications.map((each) => (each == old ? notification : each)) : [notification, ...held.notifications],
    counts: { total: held.counts.total + (old ? 0 : 1), pending: held.counts.pending + pending(notification) - pending(old) },
  };
}

/** Without `notification` (which is held). */
export const drop = (held: Held, notification: Notification): Held => ({
  notifications: held.notifications.filter((each) => each != notification),
  counts: { total: held.counts.total - 1, pending: held.counts.pending - pending(notification) },
});

/** Everything from index `from` down acknowledged at `at`; pending is what stays pending above `from`. */
export function acknowledgeFrom(held: Held, from: number, at: string): Held {
  const list = held.notifications.map((notification, index) =>
    index >= from && pending(notification) ? { ...notification, status: 'acknowledged' as const, acknowledged_at: at } : notification,
  );
  return { notifications: list, counts: { total: held.counts.total, pending: list.filter((notification) => pending(notification)).length } };
}

/** Puts back those of `before` that are still as an optimistic acknowledge at `at` left them. */
export const undo = (held: Held, before: Notification[], at: string): Held =>
  before.reduce((result, old) => (pending(old) && find(result.notifications, old.id)?.acknowledged_at == at ? put(result, old) : result), held);

export function apply(held: Held, message: StreamMessage): [Held, Unsure] {
  const list = held.notifications;
  switch (message.type) {
    case 'notification':
      return [put(held, message.notification), 0];
    case 'deleted':
    case 'state': {
      const id = message.type == 'deleted' ? message.id : message.state.id;
      const old = find(list, id);
      if (!old) return [held, 1];
      if (message.type == 'deleted' || message.state.archived_at) return [drop(held, old), 0];
      return [put(held, { ...old, status: message.state.status, acknowledged_at: message.state.acknowledged_at }), 0];
    }
    case 'acknowledged': {
      const index = list.findIndex((notification) => notification.id == message.through);
      // Older notifications than those held may have been pending: the counts are refetched either way.
      return index < 0 ? [held, 2] : [acknowledgeFrom(held, index, message.acknowledged_at), 1];
    }
  }
  return [held, 0];
}

/** A fresh first page over the held list: it replaces what it covers; held older ones stay when its last one is held. */
export function mergePage(list: Notification[], page: Notification[]): [Notification[], boolean] {
  const index = page.length ? list.findIndex((notification) => notification.id == page[page.length - 1]!.id) : -1;
  return index < 0 ? [page, false] : [append(page, list.slice(index + 1)), true];
}

/** `more` after `list`, without those already there. */
export const append = (list: Notification[], more: Notification[]) => list.concat(more.filter((notification) => !find(list, notification.id)));

/** Ids and statuses in order: equal keys mean nothing a user sees moved. */
export const key = (list: Notification[]) => list.map((notification) => notification.id + notification.status).join();
