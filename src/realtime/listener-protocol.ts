// What a listening Worker and its player's object say to each other over the listener's WebSocket.
import type { Holder } from './leases';

/** What the Worker tells the object when it opens a listener's socket (it checked the token). */
export interface ListenerRequest {
  /** The listener's lease, chosen by the Worker, so that asking again (after a reset) counts once. */
  lease: string;
  projectId: string;
  holder: Holder;
  /** The client's name for this listener (`listener_id`): a listener of the same name gives its place. */
  name?: string;
}

export const LISTENER_REQUEST_HEADER = 'x-inbox-listener';

/** A wake-up, the only message the object sends: something for this player committed (at `bookmark`). */
export interface Wake {
  bookmark?: string;
}

/** How a listener's socket ends when a newer listener with its `listener_id` takes its place (README "Real-time"). */
export const REPLACED_CLOSE = { code: 4000, reason: 'replaced by a newer connection with this listener_id' } as const;
