import type { Context } from 'hono';
import type { Pusher } from '../core/pusher';
import type { WriteOptions } from '../core/realtime';
import type { AppEnv } from '../env';
import { queuePusher } from '../push/pusher';
import { durableObjectPublisher } from '../realtime/publisher';

/**
 * What a writing route hands the core: the publisher that wakes listeners and the pusher that queues Web Push
 * deliveries (built only for writes).
 */
export function writeOptions(c: Context<AppEnv>): WriteOptions & { pusher: Pusher } {
  const sessions = c.get('sessions');
  return {
    publisher: durableObjectPublisher(c.env, () => sessions.bookmark()),
    pusher: queuePusher(c.env.PUSH_QUEUE, c.get('db'), (promise) => c.executionCtx.waitUntil(promise)),
  };
}
