// What the core needs from the real-time layer (src/realtime implements it with Durable Objects).
// The core stays free of Cloudflare APIs; tests may pass their own implementations.
import type { Db } from './db';

/**
 * Told after a write commits, so that the listeners of these audiences ('u:<user>', 'o:<org>', '*',
 * see audience.ts) wake up and read what changed.
 */
export interface Publisher {
  notify(projectId: string, audiences: readonly string[]): Promise<void>;
}

/** What a write that others may be listening for takes besides its arguments. */
export interface WriteOptions {
  /** Told after the write commits (none: nobody is woken; listeners find it at their next safety re-read). */
  publisher?: Publisher;
  now?: number;
}

/**
 * A failed wake-up must not fail a write that is stored: every waiting listener also re-reads on its
 * own (at most `LISTENER_RECHECK_SECONDS` later, realtime/settings.ts), so it arrives then.
 */
export async function announce(publisher: Publisher | undefined, projectId: string, audiences: readonly string[]): Promise<void> {
  if (!publisher || audiences.length === 0) return;
  try {
    await publisher.notify(projectId, [...new Set(audiences)]);
  } catch (error) {
    console.error(JSON.stringify({ event: 'wake_failed', projectId, error: error instanceof Error ? error.message : 'unknown' }));
  }
}

/** Where a waiter resumes: a wake after this token wakes it (opaque to the core but for `bookmark`). */
export interface WakeToken {
  /** How many wake-ups the listener had seen. */
  generation: number;
  /** Where the write that woke it committed (a D1 bookmark): the waiter's next read is at least that fresh. */
  bookmark?: string;
}

/** After a wake-up: read at least as fresh as the write that caused it (a replica may not have it yet). */
export function readAfter(db: Db, token: WakeToken): void {
  if (token.bookmark) db.$session?.catchUp(token.bookmark);
}

/** One listener's slot in its player's room: it holds the slot until released. */
export interface ListenerSlot {
  /**
   * Resolves with the next token when woken after `since`, after `ms`, or when `signal` aborts; with
   * null when the slot is gone: a newer listener with the same name took it, and this one must end.
   * Throws when the slot was lost and could not be taken back (the player's limit filled meanwhile).
   */
  wait(since: WakeToken, ms: number, signal?: AbortSignal): Promise<WakeToken | null>;
  release(): Promise<void>;
}

export interface ListenerRoom {
  /**
   * Takes a slot until it is released (or its Worker goes away); throws DomainError too_many_listeners /
   * connection_limit. A `name` (the client's `listener_id`) takes the place of this player's live
   * listener of that name.
   */
  acquire(name?: string): Promise<{ slot: ListenerSlot; token: WakeToken }>;
}

/**
 * Reads that a listener makes while it waits. A failed one is logged and left to the next wake-up or
 * safety re-read, so that a D1 hiccup neither ends the listener nor loses what it was to deliver.
 */
export async function readOrRetryLater<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    console.error(JSON.stringify({ event: 'listener_read_failed', error: error instanceof Error ? error.message : 'unknown' }));
    return undefined;
  }
}
