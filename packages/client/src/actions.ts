import type { InboxContext } from './context';
import { json } from './http';
import type { Operation } from './messages';
import type { Edit } from './store';
import type { Notification } from './types';

/** Runs a user's call here: the leader's own, or one a follower forwarded (sharing.ts). */
export type Perform = (op: Operation, argument?: string) => Promise<any>;

const timestamp = (ms: number) => new Date(ms).toISOString();

/** How many held notifications acknowledgeAll tries in turn when the newest is gone (404). */
const ACKNOWLEDGE_ALL_TRIES = 4;

/**
 * How many times a write refused for a while (503 with Retry-After: the inbox is being copied to another database)
 * is sent: about a minute at the server's 2 s.
 */
const BRIEF_REFUSAL_TRIES = 30;

/**
 * The user's calls, as the leader runs them. An acknowledge shows at once as an edit over the server's state
 * (store.ts `view`): it ends when that state shows it, or, if the request fails, at once (nothing to roll back).
 */
export function createActions(ctx: InboxContext, loadMore: () => Promise<void>): Perform {
  const { api, scheduler } = ctx;

  /** Shows the state with the edits as they are now (stopped or no longer leading: not this one's to show). */
  const refresh = (patch?: Parameters<InboxContext['setTruth']>[1]) => ctx.active() && ctx.setTruth(ctx.truth, patch);
  const begin = (edit: Edit) => {
    ctx.edits = [...ctx.edits, edit];
    refresh();
  };
  const answered = (edit: Edit) => {
    edit.answered = true;
    refresh();
  };
  /** The request failed: the edit goes, and the error shows. */
  const failed = (edit: Edit, error: any) => {
    ctx.edits = ctx.edits.filter((each) => each != edit);
    refresh({ error });
  };
  /** The server no longer has it (deleted, archived or expired): hidden until its state drops it too. */
  const gone = (id: string) => begin({ ids: [id], at: timestamp(scheduler.now()), hide: true, answered: true });
  /**
   * A write the server refused for a moment says when to come back (503 with Retry-After: the user's inbox is
   * being moved to another database, a few seconds): sent again then, a few times, the edit showing meanwhile.
   * Acknowledges are safe to repeat.
   */
  async function write(path: string, init: RequestInit): Promise<Response> {
    for (let tries = 1; ; tries++) {
      try {
        return await api.call(path, init);
      } catch (error: any) {
        if (error.status != 503 || error.retryAfterMs === undefined || tries >= BRIEF_REFUSAL_TRIES) throw error;
        await new Promise<void>((resolve) => scheduler.setTimeout(() => resolve(), error.retryAfterMs));
      }
    }
  }
  const pendingIds = () => ctx.state.notifications.filter((notification) => notification.status == 'pending').map((notification) => notification.id);

  async function acknowledge(id: string) {
    const edit: Edit = { ids: pendingIds().includes(id) ? [id] : [], at: timestamp(scheduler.now()) };
    begin(edit);
    try {
      const done = await json<Notification>(await write('/' + encodeURIComponent(id) + '/acknowledge', { method: 'POST' }));
      // The server's time, shown until its state (the stream, a poll) shows the acknowledge itself.
      if (done.acknowledged_at) edit.at = done.acknowledged_at;
      answered(edit);
    } catch (error: any) {
      // Acknowledged meanwhile (another device): done, and the server's state will show it.
      if (error.code == 'NOTIFICATION_ALREADY_RESPONDED') return answered(edit);
      failed(edit, error);
      if (error.status == 404) gone(id);
      throw error;
    }
  }

  async function acknowledgeAll(): Promise<number> {
    const before = ctx.state.notifications;
    if (!before[0]) return 0;
    const edit: Edit = { ids: pendingIds(), at: timestamp(scheduler.now()) };
    begin(edit);
    try {
      // Through the newest held: a notification that arrived since, unseen, stays pending. If the server no longer
      // has it (deleted, archived or expired meanwhile), through the next held one, a few times at most.
      for (let index = 0; ; index++) {
        const through = before[index]!.id;
        try {
          const response = await write('/acknowledge-all', { method: 'POST', body: JSON.stringify({ through }) });
          const { acknowledged } = await json<{ acknowledged: number }>(response);
          answered(edit);
          return acknowledged;
        } catch (error: any) {
          if (error.code != 'NOTIFICATION_NOT_FOUND') throw error;
          gone(through);
          // Nothing older held: nothing left to acknowledge.
          if (!before[index + 1]) return answered(edit), 0;
          if (index + 1 >= ACKNOWLEDGE_ALL_TRIES) throw error;
        }
      }
    } catch (error: any) {
      failed(edit, error);
      throw error;
    }
  }

  return (op, argument) => (op == 'a' ? acknowledge(argument!) : op == 'all' ? acknowledgeAll() : loadMore());
}
