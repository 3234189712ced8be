import type { PushContent } from '../core/push-message';

// The push queue's messages (issue 27). A create sends one `notify` per notification; its consumer (push/consume.ts)
// pushes to a user's few subscriptions at once, and splits an organisation's or everyone's into `send` messages of
// SEND_BATCH subscriptions each (plus a `notify` for the next page), so that a notification to 100,000 devices is
// spread over thousands of small invocations, each of which any consumer may take.

export type PushJob =
  | {
      kind: 'notify';
      project: string;
      /** The notification's audience key (core/audience.ts). */
      audience: string;
      /** The producer's choice; absent: the project's default (read by the consumer, off the create's path). */
      push?: boolean;
      content: PushContent;
      /** The fan-out's next page starts after this subscription id. */
      after?: string;
    }
  | {
      kind: 'send';
      project: string;
      audience: string;
      content: PushContent;
      /** Subscription ids: a page of the fan-out, or the ones to try again. */
      subscriptions: string[];
      /** How many times these were tried already (0: never). */
      attempt: number;
    };

/**
 * Subscriptions pushed to by one `send` message: each is an outbound request of the consumer, and Workers Free allows
 * 50 subrequests per invocation (with `max_batch_size = 1`; Paid allows 10,000). At most MAX_IDS_PER_LOOKUP.
 */
export const SEND_BATCH = 40;
/** Subscription ids read per page of a fan-out (a whole number of send messages). */
export const FANOUT_PAGE = 12 * SEND_BATCH;
/** Tries per subscription before a push that keeps failing (429/5xx) is given up. */
export const MAX_ATTEMPTS = 5;

/** Queues delay a message at most 12 hours. */
const MAX_DELAY_SECONDS = 12 * 3600;

/** Seconds before try `attempt` + 1: 10 s, 40 s, 160 s, … (at most an hour), never before the service's Retry-After. */
export function backoffSeconds(attempt: number, retryAfter = 0): number {
  return Math.min(MAX_DELAY_SECONDS, Math.max(retryAfter, Math.min(3600, 10 * 4 ** attempt)));
}

/** Queues refuse batches over 256 KB and messages over 128 KB: groups of messages that stay well under both. */
export function inBatches<T>(bodies: readonly T[], maxBytes = 192 * 1024, maxCount = 100): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const body of bodies) {
    const bytes = JSON.stringify(body).length * 3;
    if (current.length > 0 && (size + bytes > maxBytes || current.length === maxCount)) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(body);
    size += bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
