import type { InboxContext } from './context';
import { json } from './http';
import type { Operation } from './messages';
import { acknowledgeFrom, drop, find, put, undo } from './store';
import type { InboxState, Notification } from './types';

/** Runs a user's call here: the leader's own, or one a follower forwarded (sharing.ts). */
export type Perform = (op: Operation, argument?: string) => Promise<any>;

const timestamp = (ms: number) => new Date(ms).toISOString();

/** How many held notifications acknowledgeAll tries in turn when the newest is gone (404). */
const ACKNOWLEDGE_ALL_TRIES = 4;

/** The user's calls, as the leader runs them. Acknowledgements show at once, and are rolled back on failure. */
export function createActions(ctx: InboxContext, loadMore: () => Promise<void>): Perform {
  const { api, scheduler } = ctx;
  /** Stopped or no longer leading: the call still goes to the server, but the state is no longer this one's to change. */
  const update = (patch: Partial<InboxState>) => ctx.active() && ctx.update(patch);

  async function acknowledge(id: string) {
    const before = find(ctx.state.notifications, id);
    const at = timestamp(scheduler.now());
    ctx.edits++;
    if (before?.status == 'pending') update(put(ctx.state, { ...before, status: 'acknowledged', acknowledged_at: at }));
    try {
      const answer = api.call('/' + encodeURIComponent(id) + '/acknowledge', { method: 'POST' }).finally(() => ctx.edits++);
      const done = await json<Notification>(await answer);
      if (find(ctx.state.notifications, id)) update(put(ctx.state, done));
      // A /counts answer dropped meanwhile (context.ts) is asked again; acknowledges in a row share one.
      ctx.recountSoon();
    } catch (error: any) {
      if (error.code == 'NOTIFICATION_ALREADY_RESPONDED') return;
      const now = find(ctx.state.notifications, id);
      // Not found: it is gone (deleted or expired), not pending.
      update({ ...(error.status == 404 && now ? drop(ctx.state, now) : before ? undo(ctx.state, [before], at) : {}), error });
      if (error.status == 404) ctx.refreshCounts();
      throw error;
    }
  }

  async function acknowledgeAll(): Promise<number> {
    const before = ctx.state.notifications;
    if (!before[0]) return 0;
    const at = timestamp(scheduler.now());
    ctx.edits++;
    update(acknowledgeFrom(ctx.state, 0, at));
    try {
      // Through the newest held: a notification that arrived since, unseen, stays pending. If the server no longer
      // has it (deleted, archived or expired meanwhile), through the next held one, a few times at most.
      for (let index = 0; ; index++) {
        const through = before[index]!.id;
        try {
          const response = await api.call('/acknowledge-all', { method: 'POST', body: JSON.stringify({ through }) });
          return (await json<{ acknowledged: number }>(response)).acknowledged;
        } catch (error: any) {
          if (error.code != 'NOTIFICATION_NOT_FOUND') throw error;
          const gone = find(ctx.state.notifications, through);
          if (gone) update(drop(ctx.state, gone));
          // Nothing older held: nothing left to acknowledge.
          if (!before[index + 1]) return 0;
          if (index + 1 >= ACKNOWLEDGE_ALL_TRIES) throw error;
        }
      }
    } catch (error: any) {
      update({ ...undo(ctx.state, before, at), error });
      throw error;
    } finally {
      ctx.edits++;
      ctx.refreshCounts();
    }
  }

  return (op, argument) => (op == 'a' ? acknowledge(argument!) : op == 'all' ? acknowledgeAll() : loadMore());
}
