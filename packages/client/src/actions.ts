import type { InboxContext } from './context';
import { json } from './http';
import type { Operation } from './messages';
import { acknowledgeFrom, drop, find, put, undo } from './store';
import type { Notification } from './types';

/** Runs a user's call here: the leader's own, or one a follower forwarded (sharing.ts). */
export type Perform = (op: Operation, argument?: string) => Promise<any>;

const timestamp = (ms: number) => new Date(ms).toISOString();

/** The user's calls, as the leader runs them. Acknowledgements show at once, and are rolled back on failure. */
export function createActions(ctx: InboxContext, loadMore: () => Promise<void>): Perform {
  const { api, scheduler } = ctx;

  async function acknowledge(id: string) {
    const before = find(ctx.state.notifications, id);
    const at = timestamp(scheduler.now());
    if (before?.status == 'pending') ctx.update(put(ctx.state, { ...before, status: 'acknowledged', acknowledged_at: at }));
    try {
      const done = await json<Notification>(await api.call('/' + encodeURIComponent(id) + '/acknowledge', { method: 'POST' }));
      if (find(ctx.state.notifications, id)) ctx.update(put(ctx.state, done));
    } catch (error: any) {
      if (error.code == 'NOTIFICATION_ALREADY_RESPONDED') return;
      const now = find(ctx.state.notifications, id);
      // Not found: it is gone (deleted or expired), not pending.
      ctx.update({ ...(error.status == 404 && now ? drop(ctx.state, now) : before ? undo(ctx.state, [before], at) : {}), error });
      if (error.status == 404) ctx.refreshCounts();
      throw error;
    }
  }

  async function acknowledgeAll(): Promise<number> {
    const before = ctx.state.notifications;
    // The newest held: a notification that arrived since, unseen, stays pending.
    const through = before[0]?.id;
    if (!through) return 0;
    const at = timestamp(scheduler.now());
    ctx.update(acknowledgeFrom(ctx.state, 0, at));
    try {
      const response = await api.call('/acknowledge-all', { method: 'POST', body: JSON.stringify({ through }) });
      return (await json<{ acknowledged: number }>(response)).acknowledged;
    } catch (error: any) {
      ctx.update({ ...undo(ctx.state, before, at), error });
      throw error;
    } finally {
      ctx.refreshCounts();
    }
  }

  return (op, argument) => (op == 'a' ? acknowledge(argument!) : op == 'all' ? acknowledgeAll() : loadMore());
}
