import type { Db } from './db';
import { listInbox } from './inbox';
import type { InboxItem } from './notifications';
import type { UserPrincipal } from './principal';
import { readAfter, readOrRetryLater, type ListenerRoom, type ListenerSlot, type WakeToken } from './realtime';

export interface LongPollOptions {
  /** Only notifications after this sequence; the answer's `position` is the next one to pass. */
  after: number;
  limit: number;
  /** Epoch milliseconds at which to answer empty. */
  deadline: number;
  /** The client hung up: stop waiting and release the slot. */
  signal?: AbortSignal;
  /**
   * How long a wait lasts without a wake-up before the listener re-reads anyway: the safety net for a
   * wake-up that was lost (a failed call, a reset object). Deployed: a minute (realtime/settings.ts).
   */
  recheckMs: number;
  /** The user's database now, when it is not the one read (their inbox moved): the poll then answers empty at once. */
  relocate?(current: Db): Promise<Db | undefined>;
}

export interface HeldSlot {
  slot: ListenerSlot;
  token: WakeToken;
}

/**
 * Takes the listener slot first, so that a refusal (409/503) comes before any answer is started.
 * `name` is the client's `listener_id`: it takes the place of the player's listener of that name.
 */
export function acquireListener(room: ListenerRoom, name?: string): Promise<HeldSlot> {
  return room.acquire(name);
}

/**
 * Answers, oldest first, as soon as anything after `after` exists, or empty at the deadline, when
 * the client hangs up, or when a newer listener with its name took its slot. It reads when woken and
 * at each safety re-read, never otherwise. The slot is released however this ends.
 */
export async function longPoll(
  db: Db,
  user: UserPrincipal,
  { slot, token: first }: HeldSlot,
  options: LongPollOptions,
): Promise<{ items: InboxItem[]; position: number }> {
  const nothing = { items: [], position: options.after };
  try {
    let token = first;
    for (;;) {
      // Its cursor names the old database: the next long poll starts where offset_reset_strategy says.
      if (await options.relocate?.(db)) return nothing;
      const page = await readOrRetryLater(() => listInbox(db, user, { order: 'oldest', limit: options.limit, after: options.after }));
      if (page && page.items.length > 0) return { items: page.items, position: page.items.at(-1)!.seq };
      const remaining = options.deadline - Date.now();
      if (remaining <= 0 || options.signal?.aborted) return nothing;
      const next = await slot.wait(token, Math.min(remaining, options.recheckMs), options.signal);
      // Replaced: nothing was consumed, the client goes on from where it asked.
      if (next === null || options.signal?.aborted) return nothing;
      // The deadline with no wake-up: no read, since the client's next long poll reads from here at once.
      if (next.generation === token.generation && Date.now() >= options.deadline) return nothing;
      token = next;
      readAfter(db, token);
    }
  } finally {
    await slot.release();
  }
}
