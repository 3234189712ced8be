// What the core needs from the real-time layer (src/realtime implements it with Durable Objects).
// The core stays free of Cloudflare APIs; tests may pass their own implementations.

/** Told after a create commits, so that the named users' waiting listeners wake up. */
export interface Publisher {
  notify(projectId: string, userIds: readonly string[]): Promise<void>;
}

/** Where a waiter resumes: a wake after this token wakes it (opaque to the core). */
export interface WakeToken {
  epoch: string;
  generation: number;
}

/** One listener's slot in its player's room. */
export interface ListenerSlot {
  /** Resolves with the next token when woken after `since`, after `ms`, or when `signal` aborts. */
  wait(since: WakeToken, ms: number, signal?: AbortSignal): Promise<WakeToken>;
  release(): Promise<void>;
}

export interface ListenerRoom {
  /** Takes a slot for at most `ttlMs`; throws DomainError too_many_listeners / connection_limit. */
  acquire(ttlMs: number): Promise<{ slot: ListenerSlot; token: WakeToken }>;
}
