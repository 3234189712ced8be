import type { Context } from 'hono';
import type { WriteOptions } from '../core/realtime';
import type { AppEnv } from '../env';
import { durableObjectPublisher } from '../realtime/publisher';

/** What a writing route hands the core: the publisher that wakes listeners (built only for writes). */
export function writeOptions(c: Context<AppEnv>): WriteOptions {
  const sessions = c.get('sessions');
  return { publisher: durableObjectPublisher(c.env, () => sessions.bookmark()) };
}
