/** A notification as the client API sends it (`GET /api/v1/client/notifications`). */
export interface Notification {
  id: string;
  title: string;
  body: string;
  category: string | null;
  priority: 'low' | 'normal' | 'high' | 'critical';
  icon: string | null;
  action_url: string | null;
  service_id: string | null;
  project: string | null;
  custom_data: Record<string, unknown>;
  audience: { type: 'user' } | { type: 'organization'; id: string } | { type: 'everyone' };
  status: 'pending' | 'acknowledged';
  created_at: string;
  acknowledged_at: string | null;
  expires_at: string | null;
}

/** The badge numbers: every notification in the inbox, and those not acknowledged yet. */
export interface Counts {
  total: number;
  pending: number;
}

/** A message of the event stream or the WebSocket (the SSE `data:` / the WebSocket text). */
export type StreamMessage =
  | { type: 'ready' | 'reset' | 'replaced'; cursor: string }
  | { type: 'notification'; cursor: string; notification: Notification }
  | {
      type: 'state';
      cursor: string;
      state: { id: string; status: 'pending' | 'acknowledged'; read_at: string | null; acknowledged_at: string | null; archived_at: string | null };
    }
  | { type: 'deleted'; cursor: string; id: string }
  | { type: 'acknowledged'; cursor: string; through: string; acknowledged_at: string }
  /** The server's counts at `cursor` (after the messages before it): they replace the local ones. */
  | { type: 'counts'; cursor: string; counts: Counts };

export type Transport = 'websocket' | 'sse' | 'poll';

/**
 * - `idle`: created, not started.
 * - `connecting`: loading the first page or opening a live transport.
 * - `live`: a WebSocket or event stream is up; nothing polls.
 * - `polling`: polling the list (no live transport, or the app is in the background).
 * - `paused`: in the background with `polling.pauseInBackground`: nothing is sent until the foreground.
 * - `offline`: the last request or connection attempt failed (see `error`); retrying after a backoff.
 * - `replaced`: a newer connection with this `listenerId` took over; nothing reconnects (call `stop()`/`start()`).
 * - `stopped`: `stop()` was called, or a configuration error (`error`) ended it (403 ORIGIN_NOT_ALLOWED, a
 *   refused string token).
 */
export type InboxStatus = 'idle' | 'connecting' | 'live' | 'polling' | 'paused' | 'offline' | 'replaced' | 'stopped';

/** An error from the server (`code` is its error code) or from the network (`NETWORK_ERROR`, status 0). */
export interface InboxError extends Error {
  code: string;
  /** The HTTP status; 0 for a network error or a dead connection. */
  status: number;
  /** From `Retry-After` (429, 503). */
  retryAfterMs?: number;
}

export interface InboxState {
  /** Newest first, one per id: the first page, then whatever `loadMore()` added. */
  notifications: Notification[];
  /**
   * Equal to the server's `GET /counts` at the point of the stream (or page) last heard, less the user's
   * acknowledges that the server has not shown back yet.
   */
  counts: Counts;
  /** The transport in use or being tried. */
  transport: Transport;
  status: InboxStatus;
  /** The last failure; cleared by the next success. */
  error?: InboxError;
  /** Whether `loadMore()` has older notifications to load. */
  hasMore: boolean;
  /** Whether this instance holds the connection (false: it shows the state of another tab's instance). */
  leader: boolean;
}

/** Time, injectable so that tests drive it. Ids are whatever `setTimeout` returns. */
export interface Scheduler {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

/** Whether the app is in the foreground (React Native: wrap `AppState`). */
export interface Visibility {
  visible(): boolean;
  /** Calls `cb` after every change; returns an unsubscribe function. */
  subscribe(cb: () => void): () => void;
}

/** The part of the Web Locks API used (`navigator.locks`). */
export interface Locks {
  request(name: string, options: { signal?: AbortSignal; steal?: boolean }, callback: (lock: unknown) => Promise<unknown>): Promise<unknown>;
}

/** The part of a `BroadcastChannel` used (the handler gets a MessageEvent: `data` is read). */
export interface Channel {
  postMessage(message: unknown): void;
  onmessage: ((event: any) => void) | null;
  close(): void;
}

/** The part of a `WebSocket` used; handlers get the platform's events (`data` of a message, `code` of a close). */
export interface Socket {
  send(data: string): void;
  close(code?: number): void;
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
}

export interface InboxOptions {
  /** Where the Worker is, e.g. `https://inbox.example.com` (the API paths are appended). */
  baseUrl: string;
  /** The user's JWT, or a function that returns one; a function is asked again after a 401 (and the call retried once). */
  token: string | (() => string | Promise<string>);
  /**
   * `auto` (default): WebSocket, else the event stream, else polling, climbing down after two failed attempts in a
   * row and back up later (`climbBackMs`). A named transport is used alone (reconnecting with backoff).
   */
  transport?: 'auto' | Transport;
  polling?: {
    /** After a change, and right after a high/critical one in the background. Default 5000. */
    minIntervalMs?: number;
    /** Idle polls (304s) double toward this, with jitter. Default 60000. */
    maxIntervalMs?: number;
    /** The pace in the background. Default 300000. */
    backgroundIntervalMs?: number;
    /** Send nothing at all in the background. Default false. */
    pauseInBackground?: boolean;
  };
  /**
   * Keep the WebSocket/event stream open in the background. Default: true in browsers (a hidden tab comes back
   * often, and followers in other tabs may be visible), false elsewhere (an app in the background closes it and
   * polls at `backgroundIntervalMs`, which lets the radio sleep).
   */
  liveInBackground?: boolean;
  /** The stream's `listener_id` (1–64 of `A-Za-z0-9_-`). Default: a random one per instance, reused on every reconnect. */
  listenerId?: string;
  /** Default `globalThis.fetch`. */
  fetch?: (url: string, init?: RequestInit) => Promise<Response>;
  /**
   * Default `globalThis.WebSocket`; without one (or `null`), `auto` goes on to the event stream. It is given
   * subprotocols (`edge-inbox`, `bearer.<token>`): the token never goes in the URL.
   */
  WebSocket?: (new (url: string, protocols?: string[]) => Socket) | null;
  /** The page size of the list and of `loadMore()`: 1–100 (else createInbox throws INVALID_PARAMETER). Default 50. */
  pageSize?: number;
  /** Default: `document.visibilityState` where there is a document, else always visible. */
  visibility?: Visibility;
  /**
   * Tells when the device is back online: a connection waiting for its backoff tries again at once. Default: the
   * `online` event of `window` where there is one (React Native: wrap NetInfo).
   */
  online?: { subscribe(cb: () => void): () => void };
  /**
   * One connection per browser: instances with the same key elect a leader that holds the connection and shares
   * its state with the others (BroadcastChannel). `true` or a string (the key) turns it on, `false` off. Default: on
   * where there is a `document` (browser pages), off elsewhere; the default key is baseUrl + the token's
   * `iss`, `project`, `sub` and `orgs` (what the server scopes by).
   */
  share?: boolean | string;
  /** Default `navigator.locks`; `null`: elect with BroadcastChannel heartbeats instead. */
  locks?: Locks | null;
  /** Default `globalThis.BroadcastChannel`; `null`: no sharing (every instance leads). */
  BroadcastChannel?: (new (name: string) => Channel) | null;
  /** WebSocket ping interval (the server sends nothing while idle). Default 60000. */
  pingIntervalMs?: number;
  /** A ping not answered (or an event stream silent for 2 pings + this) means a dead connection. Default 10000. */
  pongTimeoutMs?: number;
  /** A live transport that has not said `ready` by then counts as a failed attempt. Default 15000. */
  connectTimeoutMs?: number;
  /** Reconnect backoff: first delay and cap (jittered). Defaults 2000 and 60000. */
  reconnect?: { minDelayMs?: number; maxDelayMs?: number };
  /** Below the best transport, try the next better one after this (doubling after each failed try, up to an hour). Default 300000. */
  climbBackMs?: number;
  /** Default: real time. */
  scheduler?: Scheduler;
  /** Default `Math.random`: jitter and the default listener id. */
  random?: () => number;
  /** Default: the browser's service workers, `Notification` and `localStorage`; `null`: no Web Push here. */
  pushPlatform?: PushPlatform | null;
}

/**
 * Web Push in this browser (README "Push"):
 * - `unsupported`: no service workers, PushManager or Notification here.
 * - `needs-home-screen`: iOS/iPadOS, outside a web app added to the home screen (the only place they deliver pushes).
 * - `denied`: the user blocked notifications for the site (only the browser's settings can undo it).
 * - `enabled`: this browser is subscribed (its subscription is registered when enabled, and again daily at start).
 * - `disabled`: none of the above: `enablePush()` would ask.
 */
export type PushStatus = 'unsupported' | 'needs-home-screen' | 'denied' | 'enabled' | 'disabled';

/** The part of a browser's `PushSubscription` used. */
export interface PushSubscriptionLike {
  readonly endpoint: string;
  readonly options: { readonly applicationServerKey: ArrayBuffer | null };
  toJSON(): unknown;
  unsubscribe(): Promise<boolean>;
}

/** The part of a `ServiceWorker` used (waiting for it to activate). */
export interface WorkerLike {
  readonly state: string;
  addEventListener(type: 'statechange', listener: () => void): void;
}

/** The part of a `ServiceWorkerRegistration` used. */
export interface PushRegistration {
  readonly scope?: string;
  readonly active?: WorkerLike | null;
  readonly installing?: WorkerLike | null;
  readonly waiting?: WorkerLike | null;
  pushManager: {
    getSubscription(): Promise<PushSubscriptionLike | null>;
    subscribe(options: { userVisibleOnly: boolean; applicationServerKey: Uint8Array }): Promise<PushSubscriptionLike>;
  };
}

/** What Web Push uses of the browser (injectable for tests and for other platforms). */
export interface PushPlatform {
  serviceWorker: {
    register(scriptUrl: string): Promise<PushRegistration>;
    getRegistration(clientUrl?: string): Promise<PushRegistration | undefined>;
    addEventListener(type: 'message', listener: (event: { data: any }) => void): void;
    removeEventListener(type: 'message', listener: (event: { data: any }) => void): void;
  };
  Notification: { readonly permission: string; requestPermission(): Promise<string> };
  needsHomeScreen(): boolean;
  storage?: { getItem(key: string): string | null; setItem(key: string, value: string): void; removeItem(key: string): void };
}

/** Which service worker receives the pushes: a registration, or a script URL to register. Default `{baseUrl}/inbox/sw.js` (same origin only). */
export interface PushOptions {
  serviceWorker?: PushRegistration | string;
}

export interface Inbox {
  /** The current state; a new object after every change. */
  readonly state: InboxState;
  /** Resolves when the first page is in `state`; rejects if the inbox stops before that. */
  start(): Promise<void>;
  /** Closes the connection and gives leadership to another tab. */
  stop(): void;
  /** Calls `cb` after every change of `state`; returns an unsubscribe function. */
  subscribe(cb: (state: InboxState) => void): () => void;
  /** Optimistic; rolls back and rejects on failure (already acknowledged is success). */
  acknowledge(id: string): Promise<void>;
  /** Acknowledges the newest notification held and everything older (not what has not been shown). Resolves to how many. */
  acknowledgeAll(): Promise<number>;
  /** Appends the next page (nothing when `hasMore` is false). */
  loadMore(): Promise<void>;
  /**
   * Subscribes this browser to Web Push and registers it for the user: asks for notification permission, so call
   * it from a user's gesture (a click). Rejects with PUSH_UNSUPPORTED, PUSH_NEEDS_HOME_SCREEN or PUSH_DENIED.
   */
  enablePush(options?: PushOptions): Promise<PushStatus>;
  /** Removes this browser's subscription, from the server first. */
  disablePush(options?: PushOptions): Promise<PushStatus>;
  pushStatus(options?: PushOptions): Promise<PushStatus>;
}
