import { failure, plain } from './http';
import type { Resume, TabMessage } from './messages';
import { resolveSettings, type Settings } from './settings';
import { shown, view, type Edit, type Held } from './store';
import type { Channel, InboxOptions, InboxState, StreamMessage } from './types';

/**
 * What the parts of one inbox share: the settings, what it shows, where it resumes from and the few flags that
 * more than one part reads; and the two updates every part makes: `update` (what it shows) and `setTruth` (what the server said).
 * Each part keeps the rest of its state to itself.
 */
export interface InboxContext extends Settings {
  /** What this instance shows: its own as leader, a copy of the leader's as follower. Replaced at every change. */
  state: InboxState;
  /** Where the leader resumes from (a follower keeps the leader's, to take over from it). */
  resume: Resume;
  /** Between start() and stop(). */
  running: boolean;
  /** Stopped or replaced: the connection does nothing more until this instance leads again. */
  halted: boolean;
  /** Moves on at every change of the connection's plan; work of an older plan then does nothing. */
  plan: number;
  /** First pages in a row that changed nothing: polls slow down as it grows. */
  unchangedPages: number;
  /** Whether the last change brought a new high or critical notification: the background pace speeds up. */
  urgent: boolean;
  /**
   * The server's state as this instance last heard it (pages, stream events, the stream's counts): what is
   * shown, less the user's edits that the server has not shown back yet (store.ts `view`).
   */
  truth: Held;
  /** The user's acknowledges (here, or forwarded by a follower) until the server's state shows them. */
  edits: Edit[];
  /** The ids this instance dropped at their expiry (each polls once; an acknowledge-all through one resyncs). */
  expiredIds: Set<string>;
  /** While a page of older notifications is loading: the stream messages meanwhile, to apply again to it. */
  replay?: StreamMessage[];
  /** The channel to the other tabs, while sharing. */
  channel: Channel | null;
  /** The ids of the followers that are visible: a leader in the background keeps the foreground pace for them. */
  othersVisible: Set<number>;
  readonly subscribers: Set<(state: InboxState) => void>;
  /** Settles the promise of the last start(). */
  started?: { resolve: () => void; reject: (error: Error) => void };
  /** Changes what this instance shows (nothing when nothing changes); a leader tells the followers. */
  update(patch: Partial<InboxState>): void;
  /** Tells the subscribers (and start()) about the state. */
  show(): void;
  post(message: TabMessage): void;
  /** Whether this instance or a follower is visible. */
  visible(): boolean;
  /** Whether this instance runs the connection. */
  active(): boolean;
  /** Takes the server's state (and a patch of the rest): ends the edits it shows, and shows it with the others on top. */
  setTruth(truth: Held, patch?: Partial<InboxState>): void;
  /** A fresh first page and stream (a `reset`, or an event the list cannot place): set by the connection. */
  resync(): void;
  /** A notification held expired (the connection polls at once: its page tag has lapsed). */
  expired(): void;
  /** Stops the expiry timer (the leader halts or follows). */
  clearTimers(): void;
}

/** The leader's state message (messages.ts). */
export const stateMessage = (ctx: InboxContext): TabMessage => ({
  t: 's',
  s: { ...ctx.state, error: plain(ctx.state.error) },
  x: ctx.resume,
  // The server's state, for a follower that takes over while edits are on top of it.
  ...(ctx.edits.length ? { o: ctx.truth } : {}),
});

export function createContext(options: InboxOptions): InboxContext {
  const settings = resolveSettings(options);
  const { scheduler, api } = settings;
  let expiryTimer: unknown;

  const ctx: InboxContext = {
    ...settings,
    state: { notifications: [], counts: { total: 0, pending: 0 }, transport: settings.ladder[0]!, status: 'idle', hasMore: false, leader: false },
    resume: {},
    running: false,
    halted: false,
    plan: 0,
    unchangedPages: 0,
    urgent: false,
    truth: { notifications: [], counts: { total: 0, pending: 0 } },
    edits: [],
    expiredIds: new Set(),
    channel: null,
    othersVisible: new Set(),
    subscribers: new Set(),
    update,
    show,
    post: (message) => ctx.channel?.postMessage(message),
    visible: () => settings.visibility.visible() || ctx.othersVisible.size > 0,
    active: () => ctx.running && !ctx.halted && ctx.state.leader,
    setTruth(truth, patch) {
      ctx.truth = truth;
      ctx.edits = ctx.edits.filter((edit) => !shown(truth, edit));
      update({ ...patch, ...view(truth, ctx.edits) });
    },
    resync() {},
    expired() {},
    clearTimers: () => scheduler.clearTimeout(expiryTimer),
  };

  function update(patch: Partial<InboxState>) {
    const before = ctx.state;
    if ((Object.keys(patch) as (keyof InboxState)[]).every((field) => patch[field] === before[field])) return;
    ctx.state = { ...before, ...patch };
    show();
    if (!ctx.state.leader) return;
    ctx.post(stateMessage(ctx));
    scheduleExpiry();
  }

  /**
   * An expired notification sends nothing: drop it when it expires. The counts are the server's to say (the
   * stream sends them at the expiry; a poll's tag lapses then, and the connection polls).
   */
  function scheduleExpiry() {
    scheduler.clearTimeout(expiryTimer);
    const expiries = ctx.truth.notifications.map((notification) => (notification.expires_at ? Date.parse(notification.expires_at) : Infinity));
    const next = Math.min(...expiries);
    if (next < Infinity && ctx.active())
      expiryTimer = scheduler.setTimeout(
        () => {
          if (!ctx.active()) return;
          const expired = ctx.truth.notifications.filter((notification) => Date.parse(notification.expires_at!) <= scheduler.now());
          // Woken by the cap below before the expiry: wait on, without asking the server anything.
          if (!expired.length) return scheduleExpiry();
          const notifications = ctx.truth.notifications.filter((notification) => !expired.includes(notification));
          // Once per notification: a server whose clock is behind this one's may still list it, and would be asked again and again.
          const first = expired.some((notification) => !ctx.expiredIds.has(notification.id));
          expired.forEach((notification) => ctx.expiredIds.add(notification.id));
          ctx.setTruth({ notifications, counts: ctx.truth.counts });
          if (first) ctx.expired();
        },
        // Every platform runs a timer of more than 2^31-1 ms (under 25 days) at once: wait that long at most.
        Math.min(next - scheduler.now(), 2 ** 31 - 1),
      );
  }

  function show() {
    ctx.subscribers.forEach((subscriber) => {
      // A subscriber's error is its own: report it without breaking the connection's flow.
      try {
        subscriber(ctx.state);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    });
    // start() resolves once the first page is in, and rejects if the inbox stops (or is replaced) before.
    const { state, started } = ctx;
    if (ctx.resume.l) started?.resolve();
    else if (state.status == 'stopped' || state.status == 'replaced')
      started?.reject(state.error || failure(state.status.toUpperCase(), 'The inbox ' + state.status));
  }

  return ctx;
}
