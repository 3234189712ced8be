import type { plain } from './http';
import type { Held } from './store';
import type { InboxState } from './types';

// What the instances that share one connection (the tabs of a browser, sharing.ts) say to each other on their
// BroadcastChannel. The names are short because property names survive minification and these are sent often;
// and none may change, since tabs that run different versions of this library (one not reloaded since a deploy)
// share a channel.

/** Where the leader resumes from. Sent with its state, so that a follower can take over without refetching. */
export interface Resume {
  /** Cursor: where the stream resumes, after its last message or at a first page's snapshot (`Stream-Cursor`). */
  c?: string;
  /** ETag of the first page: a poll that finds nothing new gets a 304. */
  e?: string;
  /** More: the cursor of the page after those held, for loadMore; null when there is none. */
  m?: string | null;
  /** Loaded: whether the first page is in (start() resolves then). */
  l?: boolean;
}

/** An InboxError as a plain object: a BroadcastChannel clones only an Error's name and message. */
export type PlainError = ReturnType<typeof plain>;

/** The calls a follower forwards to the leader: `a` acknowledge(id), `all` acknowledgeAll(), `m` loadMore(). */
export type Operation = 'a' | 'all' | 'm';

/** Each message's `t` (type) says what it is; `id` is the random id of the instance that sent it or is meant. */
export type TabMessage =
  /** A follower's hello (a Query): asks for the leader's state; `v`: whether the follower is visible. */
  | { t: 'q'; id: number; v: boolean }
  /** A follower's Visibility changed to `v` (it also says hidden when it stops). */
  | { t: 'v'; id: number; v: boolean }
  /**
   * The leader's State (`s`, with a plain error) and where it resumes (`x`): after every change, and to a hello.
   * While the user's edits are on top of it, also the server's own state (`o`), for a follower that takes over.
   */
  | { t: 's'; s: Omit<InboxState, 'error'> & { error?: PlainError }; x: Resume; o?: Held }
  /** A new Leader: followers say hello again and forward again the calls still unanswered. */
  | { t: 'l' }
  /** A forwarded Call: number `n` of follower `id`, the operation and its argument `a`. */
  | { t: 'c'; id: number; n: number; op: Operation; a?: string }
  /** The leader's Result of call `n` of follower `id`: the Value `v`, or the Error `e`. */
  | { t: 'r'; id: number; n: number; v?: unknown; e?: PlainError }
  /** The heartbeat election's own (leader.ts): a leader's Heartbeat with its id, and its goodbye. */
  | { t: 'h'; id: number }
  | { t: 'bye' }
  /** With Web Locks, a follower that heard nothing for a while asks whether the leader is alive (it answers `h`). */
  | { t: 'p' };
