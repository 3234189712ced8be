import type { InboxContext } from './context';
import { failure, isFatal } from './http';
import { applyStreamMessage, openLive, streamQuery } from './live';
import type { LoadFirstPage } from './pages';
import { createPolling } from './polling';
import { grow } from './schedule';
import type { Close, Link } from './sse';
import type { InboxError } from './types';

// The leader's connection runs one plan at a time: the live transport of the ladder's rung at `level`, or polls
// (on the last rung, or in the background without liveInBackground). Two failed attempts in a row climb down a
// rung. Below the best, a timer tries the rung above (`probing`): its first failure brings it back down, and the
// next try waits twice as long. A live transport works once it has stayed up STABLE_MS after `ready`: one that
// drops sooner (an overloaded server, a proxy that cuts it) is a failed attempt, so reconnects back off and climb
// down instead of coming back every 2 s forever.

const STABLE_MS = 30000;

export type Connection = ReturnType<typeof createConnection>;

export function createConnection(ctx: InboxContext, loadFirstPage: LoadFirstPage) {
  const { options, scheduler, api, ladder } = ctx;
  const reconnect = options.reconnect || {};
  /** The reconnect delay after `failures` in a row (jittered). */
  const backoff = (failures: number) => grow(failures, reconnect.minDelayMs ?? 2000, reconnect.maxDelayMs ?? 60000, ctx.random());
  const climbBackMs = options.climbBackMs ?? 300000;
  const polling = createPolling(ctx, loadFirstPage, halt);
  /** The plan's next step: the connect timeout, the live transport proving stable, a reconnect or a retry. */
  let timer: unknown;
  let climbTimer: unknown;
  /** Closes the plan's live transport. */
  let close: Close | undefined;
  /** The rung in use (0: the best). */
  let level = 0;
  /** The rung the climb timer was set for (-1: none; set it at the next connect). */
  let climbSetFor = 0;
  let climbDelayMs = climbBackMs;
  /** Failed attempts in a row on this rung. */
  let failuresHere = 0;
  /** Backoffs since the transport last worked: each waits twice as long. */
  let retries = 0;
  /** Trying the rung above (tryBetter). */
  let probing = false;
  /** A 401 was retried at once (with a fresh token); another waits. */
  let authRetried = false;
  let wasVisible = ctx.visibility.visible();

  /** Ends the plan: its transport, its polls and the leader's timers. */
  function stop() {
    ctx.plan++;
    close?.();
    scheduler.clearTimeout(timer);
    scheduler.clearTimeout(climbTimer);
    polling.stop();
    ctx.clearTimers();
  }

  function halt(status: 'stopped' | 'replaced', error?: InboxError) {
    ctx.halted = true;
    stop();
    ctx.update({ status, error });
  }

  /** A failed request that is not the transport's fault (the page, a token): retry later at the same level. */
  function retry(error: InboxError) {
    if (isFatal(error, options.token)) return halt('stopped', error);
    ctx.update({ status: 'offline', error });
    timer = scheduler.setTimeout(() => connect(true), error.retryAfterMs ?? backoff(retries++));
  }

  /** (Re)starts the plan: the transport of this level, or polls in the background. `soon`: check at once. */
  async function connect(soon?: boolean): Promise<unknown> {
    const plan = ++ctx.plan;
    close?.();
    close = undefined;
    scheduler.clearTimeout(timer);
    polling.stop();
    if (climbSetFor != level) {
      climbSetFor = level;
      scheduler.clearTimeout(climbTimer);
      if (level) climbTimer = scheduler.setTimeout(tryBetter, climbDelayMs);
    }
    const kind = ladder[level]!;
    if (kind == 'poll' || !(ctx.liveInBackground || ctx.visible())) return polling.start(plan, soon);
    ctx.update({ transport: kind, status: 'connecting' });
    let token: string;
    try {
      // The first page's Stream-Cursor is where the stream joins it, with no gap and no repeat.
      if (!ctx.resume.c) await loadFirstPage(false, plan);
      token = await api.token();
    } catch (error: any) {
      return plan == ctx.plan && retry(error);
    }
    if (plan != ctx.plan) return;
    /** Whether the transport said anything (`ready` comes first). */
    let heard = false;
    /** Whether it stayed up STABLE_MS after that: then it works. */
    let stable = false;
    const query = streamQuery(ctx);
    const link: Link = {
      message(message) {
        if (plan != ctx.plan) return;
        if (!heard) {
          heard = true;
          scheduler.clearTimeout(timer);
          authRetried = false;
          ctx.update({ status: 'live', error: undefined });
          timer = scheduler.setTimeout(() => {
            stable = true;
            failuresHere = retries = 0;
            if (probing) {
              probing = false;
              climbDelayMs = climbBackMs;
            }
          }, STABLE_MS);
        }
        if (message.type == 'replaced') return halt('replaced');
        applyStreamMessage(ctx, message);
      },
      end(error) {
        if (plan == ctx.plan) ended(error as InboxError | undefined, stable);
      },
    };
    try {
      close = openLive(ctx, kind, query, token, link);
    } catch (error) {
      return ended(failure('UNAVAILABLE', String(error)), false);
    }
    timer = scheduler.setTimeout(() => {
      close?.();
      if (plan == ctx.plan) ended(failure('TIMEOUT', 'No ready from the ' + kind), false);
    }, options.connectTimeoutMs ?? 15000);
  }

  /** A live transport ended (`worked`: after it stayed up): reconnect, climb down after two failed attempts in a row, or stop. */
  function ended(error: InboxError | undefined, worked: boolean) {
    close = undefined;
    scheduler.clearTimeout(timer);
    if (error?.code == 'REPLACED') return halt('replaced');
    if (error && isFatal(error, options.token)) return halt('stopped', error);
    let delay = 0;
    // 401: a fresh token every time, and once at once.
    if (error?.status == 401) api.stale();
    if (error?.status == 401 && !authRetried) authRetried = true;
    else if (error?.status == 429) delay = error.retryAfterMs ?? backoff(retries++);
    // A drop of a working connection: back soon (jittered, so a deploy's drops do not all return at once).
    else if (worked) delay = backoff(0);
    else {
      // A close with no reason (1006: a server that did not say why) may be an expired token: ask again next time.
      if (ladder[level] == 'websocket' && error?.code == 'CLOSED') api.stale();
      // A bad cursor (400): take a fresh snapshot and its cursor.
      if (error?.status == 400) ctx.resume.c = undefined;
      if (probing) {
        probing = false;
        level++;
        climbDelayMs = Math.min(2 * climbDelayMs, 3600000);
        climbSetFor = -1;
      } else if (++failuresHere > 1 && level < ladder.length - 1) {
        level++;
        failuresHere = 0;
      } else delay = error?.retryAfterMs ?? backoff(retries++);
    }
    ctx.update({ status: delay && !worked ? 'offline' : 'connecting', error: worked ? undefined : error });
    timer = scheduler.setTimeout(() => connect(true), delay);
  }

  /** Below the best transport: try the next better one. */
  function tryBetter() {
    if (!ctx.active()) return;
    if (!ctx.liveInBackground && !ctx.visible()) return void (climbTimer = scheduler.setTimeout(tryBetter, climbDelayMs));
    probing = true;
    failuresHere = 0;
    level--;
    connect(true);
  }

  let lastResync = -Infinity;
  /** Resyncs in a row, each within a minute of the one before. */
  let resyncs = 0;
  // A fresh first page, then the stream from its snapshot: a failed page is retried like any connect. A resync soon
  // after another (a replica still behind what the stream saw, say) waits, doubling: never a storm.
  ctx.resync = () => {
    if (!ctx.active()) return;
    ctx.resume.c = undefined;
    resyncs = scheduler.now() - lastResync < 60000 ? resyncs + 1 : 0;
    lastResync = scheduler.now();
    if (!resyncs) return void connect(true);
    // Closed now, so that nothing more of the old stream applies; connected again after the wait.
    ctx.plan++;
    close?.();
    close = undefined;
    scheduler.clearTimeout(timer);
    ctx.update({ status: 'connecting' });
    timer = scheduler.setTimeout(() => connect(true), backoff(resyncs - 1));
  };

  // A held notification expired: a poll's page tag has lapsed, so the next poll brings the counts without it
  // (a live stream sends them itself).
  ctx.expired = () => {
    if (ctx.active() && ctx.state.status == 'polling') connect(true);
  };

  /** The browser is back online: whatever waits for a backoff tries now. */
  function onOnline() {
    // Not before a Retry-After the server asked for (429, 503).
    if (ctx.active() && ctx.state.status == 'offline' && ctx.state.error?.retryAfterMs === undefined) connect(true);
  }

  /** A push arrived (the service worker said): polls check now; a live transport has it already. */
  function onPush() {
    if (ctx.active() && ctx.state.status == 'polling') {
      ctx.unchangedPages = 0;
      connect(true);
    }
  }

  /** This instance or a follower was shown or hidden. */
  function onVisibility() {
    const visible = ctx.visible();
    if (visible == wasVisible || !ctx.active()) return;
    wasVisible = visible;
    if (visible) {
      // An immediate check: a poll now, or a live transport again (which replays from the cursor).
      ctx.unchangedPages = 0;
      if (/polling|paused|offline/.test(ctx.state.status)) connect(true);
    } else if (!ctx.liveInBackground || ladder[level] == 'poll') connect();
  }

  return {
    /** This instance leads: connect on the rung it was on, with a climb timer for it; check at once unless the first page is in. */
    start() {
      wasVisible = ctx.visible();
      climbSetFor = -1;
      connect(!ctx.resume.l);
    },
    stop,
    halt,
    onVisibility,
    onOnline,
    onPush,
  };
}
