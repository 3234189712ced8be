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
  /** Told after the write commits (none: nobody is woken; listeners find it at their next re-check). */
  publisher?: Publisher;
  now?: number;
}

/** A failed wake-up must not fail a write that is stored: listeners also re-check on their own. */
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
  epoch: string;
  generation: number;
  /** Where the write that woke it committed (a D1 bookmark): the waiter's next read is at least that fresh. */
  bookmark?: string;
}

/** After a wake-up: read at least as fresh as the write that caused it (a replica may not have it yet). */
export function readAfter(db: Db, token: WakeToken): void {
  if (token.bookmark) db.$session?.catchUp(token.bookmark);
}

/** One listener's slot in its player's room. */
export interface ListenerSlot {
  /**
   * Resolves with the next token when woken after `since`, after `ms`, or when `signal` aborts; with
   * null when the slot is gone: a newer listener with the same name took it, and this one must end.
   */
  wait(since: WakeToken, ms: number, signal?: AbortSignal): Promise<WakeToken | null>;
  /** Keeps the slot for `ttlMs` more (a stream holds it for as long as it stays open); false when it is gone. */
  renew(ttlMs: number): Promise<boolean>;
  release(): Promise<void>;
}

export interface ListenerRoom {
  /**
   * Takes a slot for at most `ttlMs`; throws DomainError too_many_listeners / connection_limit. A
   * `name` (the client's `listener_id`) takes the place of this player's live listener of that name.
   */
  acquire(ttlMs: number, name?: string): Promise<{ slot: ListenerSlot; token: WakeToken }>;
}
