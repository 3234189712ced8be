import type { Db } from './db';
import { listInbox } from './inbox';
import type { InboxItem } from './notifications';
import type { UserPrincipal } from './principal';
import { readAfter, type ListenerRoom, type ListenerSlot, type WakeToken } from './realtime';

/**
 * A waiting listener is woken at once by a write for its player, its organisations or everyone
 * (realtime/publisher.ts); it also re-checks this often, in case a wake-up was lost (an object
 * restarted, a shard call failed).
 */
export const RECHECK_MS = 3000;
/** A slot outlives its deadline by this much at most if its listener never releases it. */
export const LEASE_GRACE_MS = 30_000;

export interface LongPollOptions {
  /** Only notifications after this sequence; the answer's `position` is the next one to pass. */
  after: number;
  limit: number;
  /** Epoch milliseconds at which to answer empty. */
  deadline: number;
  /** The client hung up: stop waiting and release the slot. */
  signal?: AbortSignal;
  recheckMs?: number;
}

export interface HeldSlot {
  slot: ListenerSlot;
  token: WakeToken;
}

/**
 * Takes the listener slot first, so that a refusal (409/503) comes before any answer is started.
 * `name` is the client's `listener_id`: it takes the place of the player's listener of that name.
 */
export function acquireListener(room: ListenerRoom, deadline: number, name?: string): Promise<HeldSlot> {
  return room.acquire(Math.max(0, deadline - Date.now()) + LEASE_GRACE_MS, name);
}

/**
 * Answers, oldest first, as soon as anything after `after` exists, or empty at the deadline, when
 * the client hangs up, or when a newer listener with its name took its slot. The slot is released
 * however this ends.
 */
export async function longPoll(
  db: Db,
  user: UserPrincipal,
  { slot, token: first }: HeldSlot,
  options: LongPollOptions,
): Promise<{ items: InboxItem[]; position: number }> {
  try {
    let token = first;
    for (;;) {
      const page = await listInbox(db, user, { order: 'oldest', limit: options.limit, after: options.after });
      const remaining = options.deadline - Date.now();
      if (page.items.length > 0 || remaining <= 0 || options.signal?.aborted) {
        return { items: page.items, position: page.items.at(-1)?.seq ?? options.after };
      }
      const next = await slot.wait(token, Math.min(remaining, options.recheckMs ?? RECHECK_MS), options.signal);
      // Replaced: nothing was consumed, the client goes on from where it asked.
      if (next === null) return { items: [], position: options.after };
      token = next;
      readAfter(db, token);
    }
  } finally {
    await slot.release();
  }
}
