import { failure, json, plain } from './http';
import type { Resume, TabMessage } from './messages';
import { resolveSettings, type Settings } from './settings';
import { drop, type Held } from './store';
import type { Channel, Counts, InboxOptions, InboxState, StreamMessage } from './types';

/**
 * What the parts of one inbox share: the settings, what it shows, where it resumes from and the few flags that
 * more than one part reads; and the two updates every part makes: `update` (what it shows) and `refreshCounts`.
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
   * Moves on when an acknowledge is shown (optimistically) and when the server answers it: a `/counts` answer to a
   * request sent before may not count it, and would put back the pending count (the acknowledge asks again after).
   */
  edits: number;
  /** While a first page that replaces the list is loading: the stream messages applied meanwhile, to apply again over it. */
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
  /** `GET /counts` (leader only), one at a time; asked again while one is under way, it runs once more after. */
  refreshCounts(): Promise<void>;
  /** refreshCounts once the stream has been quiet for a second. */
  recountSoon(): void;
  /** Stops the timers of expiry and recountSoon (the leader halts or follows). */
  clearTimers(): void;
}

/** The leader's state message (messages.ts). */
export const stateMessage = (ctx: InboxContext): TabMessage => ({ t: 's', s: { ...ctx.state, error: plain(ctx.state.error) }, x: ctx.resume });

export function createContext(options: InboxOptions): InboxContext {
  const settings = resolveSettings(options);
  const { scheduler, api } = settings;
  let expiryTimer: unknown;
  let recountTimer: unknown;
  /** 0: no `GET /counts` under way; 1: one; 2: one, and another wanted after it. */
  let counting = 0;

  const ctx: InboxContext = {
    ...settings,
    state: { notifications: [], counts: { total: 0, pending: 0 }, transport: settings.ladder[0]!, status: 'idle', hasMore: false, leader: false },
    resume: {},
    running: false,
    halted: false,
    plan: 0,
    unchangedPages: 0,
    urgent: false,
    edits: 0,
    channel: null,
    othersVisible: new Set(),
    subscribers: new Set(),
    update,
    show,
    post: (message) => ctx.channel?.postMessage(message),
    visible: () => settings.visibility.visible() || ctx.othersVisible.size > 0,
    active: () => ctx.running && !ctx.halted && ctx.state.leader,
    refreshCounts,
    // A new notification counts at once, but /counts read a moment before may already have counted it (the
    // stream delivers what was stored before that read, too): once the stream is quiet, ask the server again.
    recountSoon() {
      scheduler.clearTimeout(recountTimer);
      // Stopped or following: a timer now would outlive the connection it is for.
      if (ctx.active()) recountTimer = scheduler.setTimeout(refreshCounts, 1000);
    },
    clearTimers() {
      scheduler.clearTimeout(expiryTimer);
      scheduler.clearTimeout(recountTimer);
    },
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

  /** An expired notification sends nothing: drop it when it expires, and ask the server for the counts. */
  function scheduleExpiry() {
    scheduler.clearTimeout(expiryTimer);
    const expiries = ctx.state.notifications.map((notification) => (notification.expires_at ? Date.parse(notification.expires_at) : Infinity));
    const next = Math.min(...expiries);
    if (next < Infinity && ctx.active())
      expiryTimer = scheduler.setTimeout(
        () => {
          if (!ctx.active()) return;
          const expired = ctx.state.notifications.filter((notification) => Date.parse(notification.expires_at!) <= scheduler.now());
          // Woken by the cap below before the expiry: wait on, without asking the server anything.
          if (!expired.length) return scheduleExpiry();
          update(expired.reduce(drop, ctx.state as Held));
          refreshCounts();
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

  async function refreshCounts() {
    // Stopped or following: the counts are the leader's to ask for (a follower gets them with the leader's state).
    if (!ctx.active()) return;
    if (counting) return void (counting = 2);
    try {
      do {
        counting = 1;
        const edits = ctx.edits;
        const response = await api.call('/counts', {}, ctx.resume.k);
        if (response.status != 304) {
          // The body first: a stream message may move the cursor on meanwhile, and a copy made before would lose it.
          const counts = await json<Counts>(response);
          ctx.resume = { ...ctx.resume, n: counts, k: response.headers.get('etag') || undefined };
        }
        if (!ctx.active()) return;
        // An acknowledge shown or answered meanwhile may be missing from these counts: it asks again once answered.
        if (edits == ctx.edits) update({ counts: ctx.resume.n! });
      } while (counting > 1);
    } catch {
      // The next change asks again.
    } finally {
      counting = 0;
    }
  }

  return ctx;
}
