import type { InboxContext } from './context';
import { isFatal } from './http';
import type { LoadFirstPage } from './pages';
import { grow, pollDelay } from './schedule';
import type { InboxError, InboxState } from './types';

/** Ends the connection for good: stopped (with the error that makes retrying pointless), or replaced. */
export type Halt = (status: 'stopped' | 'replaced', error?: InboxError) => void;

/** Polls the first page, conditionally (ETag): the connection's plan on the last rung, or in the background. */
export function createPolling(ctx: InboxContext, loadFirstPage: LoadFirstPage, halt: Halt) {
  const { scheduler, pace } = ctx;
  let timer: unknown;
  /** Failed polls in a row. */
  let failures = 0;

  /** The usual delay before the next poll (schedule.ts), or null for none. */
  const nextDelay = () => pollDelay(pace, ctx.unchangedPages, ctx.urgent, ctx.visible(), ctx.random());

  async function poll(plan: number) {
    let delay: number | null;
    let patch: Partial<InboxState>;
    try {
      await loadFirstPage(true, plan);
      failures = 0;
      delay = nextDelay();
      patch = { status: delay == null ? 'paused' : 'polling', error: undefined };
    } catch (error: any) {
      if (plan != ctx.plan) return;
      if (isFatal(error, ctx.options.token)) return halt('stopped', error);
      delay = error.retryAfterMs ?? grow(++failures, pace.minIntervalMs, pace.maxIntervalMs, ctx.random());
      patch = { status: 'offline', error };
    }
    if (plan != ctx.plan) return;
    ctx.update(patch);
    if (delay != null) timer = scheduler.setTimeout(() => poll(plan), delay);
  }

  return {
    /** Polls as `plan`: at once when `soon` or before the first page is in, else at the usual pace. */
    start(plan: number, soon?: boolean) {
      const delay = soon || !ctx.resume.l ? 0 : nextDelay();
      ctx.update({ transport: 'poll', status: delay == null ? 'paused' : 'polling' });
      if (delay != null) timer = scheduler.setTimeout(() => poll(plan), delay);
    },
    stop: () => scheduler.clearTimeout(timer),
  };
}
