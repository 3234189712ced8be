import { elect, type Election } from './leader';
import { createApi, failure, json, plain, revive } from './http';
import { grow, pollDelay } from './schedule';
import { openSse, type Close } from './sse';
import { acknowledgeFrom, append, apply, drop, find, key, mergePage, put, undo, type Held } from './store';
import type { Channel, Counts, Inbox, InboxError, InboxOptions, InboxState, Notification, StreamMessage, Transport } from './types';
import { openWebSocket } from './websocket';

/** A page of `GET /notifications`. */
interface Page {
  notifications: Notification[];
  pagination: { next_cursor: string | null; has_more: boolean; total_count: number };
}

/** What a leader resumes from, shared with followers so that one can take over. */
interface Resume {
  /** The stream cursor: after the last message, or at the last page's snapshot (`Stream-Cursor`). */
  c?: string;
  /** The first page's ETag. */
  e?: string;
  /** The counts' ETag, and the counts it names (what a 304 means). */
  k?: string;
  n?: InboxState['counts'];
  /** The next page's cursor. */
  m?: string | null;
  /** Whether the first page has been loaded. */
  l?: boolean;
}

const enc = encodeURIComponent;
const iso = (ms: number) => new Date(ms).toISOString();
/** The JWT's `sub`, read without verification: it only names the shared connection. */
const subject = (token: string) => {
  try {
    return JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))).sub || '';
  } catch {
    return '';
  }
};

export function createInbox(o: InboxOptions): Inbox {
  const g = globalThis as any;
  const s = o.scheduler || { now: () => Date.now(), setTimeout: (f: () => void, ms: number) => setTimeout(f, ms), clearTimeout: (t: any) => clearTimeout(t) };
  const random = o.random || Math.random;
  const base = o.baseUrl.replace(/\/+$/, '') + '/api/v1/client/notifications';
  const f = o.fetch || ((u, i) => g.fetch(u, i));
  const api = createApi(base, o.token, f, () => s.now());
  const doc = g.document;
  const vis = o.visibility || {
    visible: () => doc?.visibilityState != 'hidden',
    subscribe: (cb: () => void) => (doc?.addEventListener('visibilitychange', cb), () => doc?.removeEventListener('visibilitychange', cb)),
  };
  const liveInBackground = o.liveInBackground ?? !!doc;
  const p = o.polling || {};
  const pace = {
    minIntervalMs: p.minIntervalMs ?? 5000,
    maxIntervalMs: p.maxIntervalMs ?? 60000,
    backgroundIntervalMs: p.backgroundIntervalMs ?? 300000,
    pauseInBackground: !!p.pauseInBackground,
  };
  const size = o.pageSize || 50;
  const WS = o.WebSocket === undefined ? g.WebSocket : o.WebSocket;
  // `auto` without a WebSocket constructor starts at the event stream (and never climbs to what is not there).
  const ladder: Transport[] = !o.transport || o.transport == 'auto' ? (WS ? ['websocket', 'sse', 'poll'] : ['sse', 'poll']) : [o.transport];
  const pingMs = o.pingIntervalMs ?? 60000;
  const pongMs = o.pongTimeoutMs ?? 10000;
  const rc = o.reconnect || {};
  /** The reconnect delay after `n` failures in a row (jittered). */
  const backoff = (n: number) => grow(n, rc.minDelayMs ?? 2000, rc.maxDelayMs ?? 60000, random());
  const climbBase = o.climbBackMs ?? 300000;
  const listenerId = o.listenerId || 'i' + random().toString(36).slice(2, 12) + random().toString(36).slice(2, 12);
  if (!/^[\w-]{1,64}$/.test(listenerId)) throw failure('INVALID_PARAMETER', 'listenerId: 1-64 of A-Za-z0-9_-');
  const me = random();

  let st: InboxState = { notifications: [], counts: { total: 0, pending: 0 }, transport: ladder[0]!, status: 'idle', hasMore: false, leader: false };
  let x: Resume = {};
  const subs = new Set<(s: InboxState) => void>();
  let running = false;
  let halted = false;
  let started: [() => void, (e: Error) => void] | undefined;
  let ready: Promise<void> = Promise.resolve();
  let offVisibility = () => {};
  // Sharing: the channel, the election, followers that are visible, forwarded calls waiting for the leader.
  let channel: Channel | null = null;
  let election: Election | undefined;
  const othersVisible = new Set<number>();
  const calls = new Map<number, [string, string | undefined, (v: any) => void, (e: Error) => void]>();
  let callSeq = 0;
  // The connection: `gen` moves on at every change of plan, and work of an older plan then does nothing.
  let gen = 0;
  let wake: unknown;
  let climb: unknown;
  let expiry: unknown;
  let recount: unknown;
  let close: Close | undefined;
  let level = 0;
  let climbLevel = 0;
  let climbMs = climbBase;
  let fails = 0;
  let attempt = 0;
  let probing = false;
  let authRetried = false;
  let idle = 0;
  let urgent = false;
  let errors = 0;
  let wasVisible = vis.visible();
  let countsBusy = 0;
  let loading: Promise<void> | undefined;

  const post = (m: object) => channel?.postMessage(m);
  /** A follower's hello: asks for the leader's state and says whether this one is visible. */
  const hello = () => post({ t: 'q', id: me, v: vis.visible() });
  const clearTimers = () => [wake, climb, expiry, recount].forEach((t) => s.clearTimeout(t));
  // A new notification counts at once, but /counts read a moment before may already have counted it (the
  // stream delivers what was stored before that read, too): once the stream is quiet, ask the server again.
  const recountSoon = () => (s.clearTimeout(recount), (recount = s.setTimeout(counts, 1000)));
  const visible = () => vis.visible() || othersVisible.size > 0;
  const active = () => running && !halted && st.leader;
  const shared = () => ({ t: 's', s: { ...st, error: plain(st.error) }, x });
  const settle = () => {
    if (x.l) started?.[0]();
    else if (st.status == 'stopped' || st.status == 'replaced') started?.[1](st.error || failure(st.status.toUpperCase(), 'The inbox ' + st.status));
  };
  const show = () => {
    subs.forEach((cb) => {
      // A subscriber's error is its own: report it without breaking the connection's flow.
      try {
        cb(st);
      } catch (e) {
        queueMicrotask(() => {
          throw e;
        });
      }
    });
    settle();
  };

  function set(patch: Partial<InboxState>) {
    if ((Object.keys(patch) as (keyof InboxState)[]).every((k) => patch[k] === st[k])) return;
    st = { ...st, ...patch };
    show();
    if (!st.leader) return;
    post(shared());
    // An expired notification sends nothing: drop it when it expires, and ask the server for the counts.
    s.clearTimeout(expiry);
    const next = Math.min(...st.notifications.map((n) => (n.expires_at ? Date.parse(n.expires_at) : Infinity)));
    if (next < Infinity && active())
      expiry = s.setTimeout(() => {
        if (!active()) return;
        set(st.notifications.filter((n) => Date.parse(n.expires_at!) <= s.now()).reduce(drop, st as Held));
        counts();
      }, next - s.now());
  }

  /** Loads the first page: over the held list (`merge`, conditional: polls) or in its place (start, resync). */
  async function first(merge: boolean) {
    const r = await api.call('?limit=' + size, {}, merge ? x.e : undefined);
    if (r.status == 304) return idle++;
    const body = await json<Page>(r);
    const page = body.notifications;
    const held = st.notifications;
    const [list, kept] = merge && body.pagination.has_more ? mergePage(held, page) : [page, false];
    const changed = key(page) != key(held.slice(0, page.length));
    idle = changed ? 0 : idle + 1;
    urgent = changed && page.some((n) => /^(high|critical)$/.test(n.priority) && !find(held, n.id));
    x = { ...x, e: r.headers.get('etag') || undefined, c: r.headers.get('stream-cursor') || x.c, m: kept ? x.m : body.pagination.next_cursor };
    await counts();
    x.l = true;
    set({ notifications: list, hasMore: kept ? st.hasMore : body.pagination.has_more, error: undefined });
  }

  /** `GET /counts`, one at a time; asked again while one is under way, it runs once more after. */
  async function counts() {
    if (countsBusy) return void (countsBusy = 2);
    try {
      do {
        countsBusy = 1;
        const r = await api.call('/counts', {}, x.k);
        if (r.status != 304) x = { ...x, n: await json<Counts>(r), k: r.headers.get('etag') || undefined };
        set({ counts: x.n! });
      } while (countsBusy > 1);
    } catch {
      // The next change asks again.
    } finally {
      countsBusy = 0;
    }
  }

  const fatal = (e: InboxError) => e.code == 'ORIGIN_NOT_ALLOWED' || (e.status == 401 && typeof o.token == 'string');

  function halt(status: 'stopped' | 'replaced', error?: InboxError) {
    halted = true;
    gen++;
    close?.();
    clearTimers();
    set({ status, error });
  }

  /** A failed request that is not the transport's fault (the page, a token): retry later at the same level. */
  function retry(e: InboxError) {
    if (fatal(e)) return halt('stopped', e);
    set({ status: 'offline', error: e });
    wake = s.setTimeout(() => connect(true), e.retryAfterMs ?? backoff(attempt++));
  }

  async function poll(my: number) {
    let delay: number | null;
    let patch: Partial<InboxState>;
    try {
      await first(true);
      errors = 0;
      delay = pollDelay(pace, idle, urgent, visible(), random());
      patch = { status: delay == null ? 'paused' : 'polling', error: undefined };
    } catch (e: any) {
      if (my != gen) return;
      if (fatal(e)) return halt('stopped', e);
      delay = e.retryAfterMs ?? grow(++errors, pace.minIntervalMs, pace.maxIntervalMs, random());
      patch = { status: 'offline', error: e };
    }
    if (my != gen) return;
    set(patch);
    if (delay != null) wake = s.setTimeout(() => poll(my), delay);
  }

  /** (Re)starts the plan: the transport of this level, or polls in the background. `soon`: check at once. */
  async function connect(soon?: boolean): Promise<unknown> {
    const my = ++gen;
    close?.();
    close = undefined;
    s.clearTimeout(wake);
    if (climbLevel != level) {
      climbLevel = level;
      s.clearTimeout(climb);
      if (level) climb = s.setTimeout(tryBetter, climbMs);
    }
    const kind = ladder[level]!;
    if (kind == 'poll' || !(liveInBackground || visible())) {
      const delay = soon || !x.l ? 0 : pollDelay(pace, idle, urgent, visible(), random());
      set({ transport: 'poll', status: delay == null ? 'paused' : 'polling' });
      if (delay != null) wake = s.setTimeout(() => poll(my), delay);
      return;
    }
    set({ transport: kind, status: 'connecting' });
    let token: string;
    try {
      // The first page's Stream-Cursor is where the stream joins it, with no gap and no repeat.
      if (!x.c) await first(false);
      token = await api.token();
    } catch (e: any) {
      return my == gen && retry(e);
    }
    if (my != gen) return;
    let got = false;
    const q = '?' + (x.c ? 'since=' + enc(x.c) + '&' : '') + 'listener_id=' + enc(listenerId);
    const link = {
      message(m: StreamMessage) {
        if (my != gen) return;
        if (!got) {
          got = true;
          s.clearTimeout(wake);
          fails = attempt = 0;
          authRetried = false;
          if (probing) (probing = false), (climbMs = climbBase);
          set({ status: 'live', error: undefined });
        }
        if (m.type == 'replaced') return halt('replaced');
        x.c = m.cursor;
        if (m.type == 'reset') return void first(false).catch((error) => set({ error }));
        const [h, unsure] = apply(st, m);
        set(h);
        if (unsure > 1) first(false).catch((error) => set({ error }));
        else if (unsure) counts();
        else if (m.type == 'notification') recountSoon();
      },
      end(e?: any) {
        if (my == gen) ended(e, got);
      },
    };
    try {
      close =
        kind == 'sse'
          ? openSse(f, base + '/stream' + q, token, 2 * pingMs + pongMs, s, link)
          : openWebSocket(WS, base.replace(/^http/, 'ws') + '/ws' + q + '&access_token=' + enc(token), pingMs, pongMs, s, link);
    } catch (e) {
      return ended(failure('UNAVAILABLE', String(e)), false);
    }
    wake = s.setTimeout(() => {
      close?.();
      if (my == gen) ended(failure('TIMEOUT', 'No ready from the ' + kind), false);
    }, o.connectTimeoutMs ?? 15000);
  }

  /** A live transport ended: reconnect, climb down after two failed attempts in a row, or stop. */
  function ended(e: InboxError | undefined, got: boolean) {
    close = undefined;
    s.clearTimeout(wake);
    if (e?.code == 'REPLACED') return halt('replaced');
    if (e && fatal(e)) return halt('stopped', e);
    let delay = 0;
    // 401: a fresh token every time, and once at once.
    if (e?.status == 401) api.stale();
    if (e?.status == 401 && !authRetried) authRetried = true;
    else if (e?.status == 429) delay = e.retryAfterMs ?? backoff(attempt++);
    // A drop of a working connection: back soon (jittered, so a deploy's drops do not all return at once).
    else if (got) delay = backoff(0);
    else {
      // A refused upgrade shows only 1006, which may be an expired token: ask again next time.
      if (ladder[level] == 'websocket') api.stale();
      // A bad cursor (400): take a fresh snapshot and its cursor.
      if (e?.status == 400) x.c = undefined;
      if (probing) (probing = false), level++, (climbMs = Math.min(2 * climbMs, 3600000)), (climbLevel = -1);
      else if (++fails > 1 && level < ladder.length - 1) level++, (fails = 0);
      else delay = e?.retryAfterMs ?? backoff(attempt++);
    }
    set({ status: delay && !got ? 'offline' : 'connecting', error: got ? undefined : e });
    wake = s.setTimeout(() => connect(true), delay);
  }

  /** Below the best transport: try the next better one (one failure brings it back down). */
  function tryBetter() {
    if (!active()) return;
    if (!liveInBackground && !visible()) return void (climb = s.setTimeout(tryBetter, climbMs));
    probing = true;
    fails = 0;
    level--;
    connect(true);
  }

  function onVisibility() {
    const v = visible();
    if (v == wasVisible || !active()) return;
    wasVisible = v;
    if (v) {
      // An immediate check: a poll now, or a live transport again (which replays from the cursor).
      idle = 0;
      if (/polling|paused|offline/.test(st.status)) connect(true);
    } else if (!liveInBackground || ladder[level] == 'poll') connect();
  }

  async function acknowledge(id: string) {
    const old = find(st.notifications, id);
    const at = iso(s.now());
    if (old?.status == 'pending') set(put(st, { ...old, status: 'acknowledged', acknowledged_at: at }));
    try {
      const n = await json<Notification>(await api.call('/' + enc(id) + '/acknowledge', { method: 'POST' }));
      if (find(st.notifications, id)) set(put(st, n));
    } catch (e: any) {
      if (e.code == 'NOTIFICATION_ALREADY_RESPONDED') return;
      const now = find(st.notifications, id);
      // Not found: it is gone (deleted or expired), not pending.
      set({ ...(e.status == 404 && now ? drop(st, now) : old ? undo(st, [old], at) : {}), error: e });
      if (e.status == 404) counts();
      throw e;
    }
  }

  async function acknowledgeAll(): Promise<number> {
    const before = st.notifications;
    // The newest held: a notification that arrived since, unseen, stays pending.
    const through = before[0]?.id;
    if (!through) return 0;
    const at = iso(s.now());
    set(acknowledgeFrom(st, 0, at));
    try {
      const r = await api.call('/acknowledge-all', { method: 'POST', body: JSON.stringify({ through }) });
      return (await json<{ acknowledged: number }>(r)).acknowledged;
    } catch (e: any) {
      set({ ...undo(st, before, at), error: e });
      throw e;
    } finally {
      counts();
    }
  }

  const loadMore = () =>
    !st.hasMore || !x.m
      ? Promise.resolve()
      : (loading ||= (async () => {
          try {
            const body = await json<Page>(await api.call('?limit=' + size + '&cursor=' + enc(x.m!)));
            x.m = body.pagination.next_cursor;
            set({ notifications: append(st.notifications, body.notifications), hasMore: body.pagination.has_more });
          } catch (error: any) {
            set({ error });
            throw error;
          } finally {
            loading = undefined;
          }
        })());

  const run = (op: string, a?: string): Promise<any> => (op == 'a' ? acknowledge(a!) : op == 'all' ? acknowledgeAll() : loadMore());
  /** A follower asks the leader, which answers on the channel; a follower that becomes leader runs them itself. */
  const ask = (op: string, a?: string): Promise<any> =>
    st.leader || !channel
      ? run(op, a)
      : new Promise((resolve, reject) => {
          calls.set(++callSeq, [op, a, resolve, reject]);
          post({ t: 'c', id: me, n: callSeq, op, a });
        });

  function lead() {
    if (!running) return;
    halted = false;
    set({ leader: true });
    post({ t: 'l' });
    calls.forEach(([op, a, resolve, reject], n) => (calls.delete(n), run(op, a).then(resolve, reject)));
    wasVisible = visible();
    // Arm the climb back for whatever level this leadership starts at.
    climbLevel = -1;
    connect(!x.l);
  }

  function follow() {
    gen++;
    close?.();
    clearTimers();
    set({ leader: false });
    hello();
  }

  function hear(m: any) {
    election?.hear(m);
    if (st.leader) {
      if (m.t == 'q') post(shared());
      if (m.t == 'q' || m.t == 'v') {
        m.v ? othersVisible.add(m.id) : othersVisible.delete(m.id);
        onVisibility();
      }
      if (m.t == 'c')
        run(m.op, m.a).then(
          (v) => post({ t: 'r', id: m.id, n: m.n, v }),
          (e) => post({ t: 'r', id: m.id, n: m.n, e: plain(e) }),
        );
    } else if (m.t == 's') {
      x = m.x;
      st = { ...m.s, error: revive(m.s.error), leader: false };
      show();
    } else if (m.t == 'l') {
      // A new leader: tell it whether this one is visible, and ask again what the old one did not answer.
      hello();
      calls.forEach(([op, a], n) => post({ t: 'c', id: me, n, op, a }));
    } else if (m.t == 'r' && m.id == me) {
      const c = calls.get(m.n);
      calls.delete(m.n);
      c && (m.e ? c[3](revive(m.e)!) : c[2](m.v));
    }
  }

  return {
    get state() {
      return st;
    },
    start() {
      if (running) return ready;
      running = true;
      halted = false;
      ready = new Promise((resolve, reject) => (started = [resolve, reject]));
      set({ status: 'connecting', error: undefined });
      offVisibility = vis.subscribe(() => (st.leader ? onVisibility() : post({ t: 'v', id: me, v: vis.visible() })));
      const BC = o.BroadcastChannel === undefined ? g.BroadcastChannel : o.BroadcastChannel;
      // Sharing is for pages (tabs of one browser); elsewhere every instance leads unless asked to share.
      if (!(o.share ?? doc) || !BC) lead();
      else
        (async () => {
          const name = typeof o.share == 'string' ? o.share : 'edge-inbox:' + base + ':' + subject(await api.token());
          if (!running) return;
          channel = new BC(name);
          channel!.onmessage = (e) => hear(e.data);
          election = elect(name, o.locks === undefined ? g.navigator?.locks : o.locks, channel!, s, random, lead, follow);
          hello();
        })().catch((e) => halt('stopped', e));
      return ready;
    },
    stop() {
      if (!running) return;
      post({ t: 'v', id: me, v: false });
      running = false;
      // Not leader first: followers do not show 'stopped', they take over.
      set({ leader: false });
      halt('stopped');
      election?.stop();
      channel?.close();
      channel = null;
      election = undefined;
      offVisibility();
      othersVisible.clear();
      calls.forEach((c) => c[3](failure('STOPPED', 'The inbox stopped')));
      calls.clear();
    },
    subscribe(cb) {
      subs.add(cb);
      return () => void subs.delete(cb);
    },
    acknowledge: (id) => ask('a', id),
    acknowledgeAll: () => ask('all'),
    loadMore: () => ask('m'),
  };
}
