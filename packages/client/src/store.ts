import type { Counts, Notification, StreamMessage } from './types';

// Pure updates of the list (newest first, one per id) and its counts. Counts move only on a status change
// of a notification held, so a replayed or repeated event changes nothing. These local moves only bridge the
// moment until the server's own counts arrive (a stream's `counts` message, a page's `counts`), which replace them.
//
// What the user did here and the server has not shown back yet is kept apart, as edits over the server's
// state (`view`): the state shown is the server's with the edits on top, and an edit ends when the server's
// state shows it (or its request fails), so nothing is ever counted twice or rolled back by guesswork.

export interface Held {
  notifications: Notification[];
  counts: Counts;
}

/** What an update could not know: 0 nothing, 1 the counts (the server's counts follow), 2 the list too (resync). */
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
      // Not held: older than every held one (the stream brought every newer one first), so only the counts move,
      // and the server's follow; unless it was held and dropped (live.ts decides).
      return index < 0 ? [held, 2] : [acknowledgeFrom(held, index, message.acknowledged_at), 1];
    }
  }
  return [held, 0];
}

/** `more` after `list`, without those already there. */
export const append = (list: Notification[], more: Notification[]) => list.concat(more.filter((notification) => !find(list, notification.id)));

/** Ids and statuses in order: equal keys mean nothing a user sees moved. */
export const key = (list: Notification[]) => list.map((notification) => notification.id + notification.status).join();

/** A change the user made here (acknowledge, acknowledge all) that the server's state may not show yet. */
export interface Edit {
  /** The notifications it acknowledges, or hides. */
  ids: string[];
  /** Their `acknowledged_at` until the server's state says. */
  at: string;
  /** The server said they are gone (404): hidden until its state drops them too. */
  hide?: boolean;
  /** The request was answered: the edit ends once the server's state shows it. */
  answered?: boolean;
}

/** The server's state with the edits on top: acknowledged (or hidden) notifications, and the counts less them. */
export function view(truth: Held, edits: readonly Edit[]): Held {
  // A local estimate between an event and the server's counts after it may dip below zero for a moment: never shown.
  if (!edits.length && truth.counts.total >= 0 && truth.counts.pending >= 0) return truth;
  const hidden = new Set(edits.flatMap((edit) => (edit.hide ? edit.ids : [])));
  const acknowledged = new Map(edits.flatMap((edit) => (edit.hide ? [] : edit.ids.map((id) => [id, edit.at] as const))));
  let { total, pending: pendingCount } = truth.counts;
  const notifications: Notification[] = [];
  for (const notification of truth.notifications) {
    const at = acknowledged.get(notification.id);
    if (hidden.has(notification.id)) {
      total--;
      pendingCount -= pending(notification);
    } else if (at !== undefined && pending(notification)) {
      pendingCount--;
      notifications.push({ ...notification, status: 'acknowledged', acknowledged_at: at });
    } else notifications.push(notification);
  }
  return { notifications, counts: { total: Math.max(0, total), pending: Math.max(0, pendingCount) } };
}

/** Whether the server's state shows an answered edit: none of its notifications is there (hidden) or pending (acknowledged). */
export const shown = (truth: Held, edit: Edit) =>
  !!edit.answered && edit.ids.every((id) => {
    const notification = find(truth.notifications, id);
    return !notification || (!edit.hide && !pending(notification));
  });
