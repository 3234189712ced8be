import { createMiddleware } from 'hono/factory';
import type { Context } from 'hono';
import { DomainError } from '../core/errors';
import type { AppEnv } from '../env';
import { takeFreeRevalidation } from './free-revalidations';

/**
 * The budgets a caller has (`[[ratelimits]]` in wrangler.toml); each route declares its class.
 * `page` is a `poll` whose answer carries an ETag: a conditional one answered 304 is not counted.
 */
export type RouteClass = 'poll' | 'page' | 'write' | 'stream';

const LIMITERS = { poll: 'POLL_LIMITER', page: 'POLL_LIMITER', write: 'WRITE_LIMITER', stream: 'STREAM_LIMITER' } as const;

/** Who is counted: a user inside their project, an API key by its id, or the operator's admin key. */
function callerKey(c: Context<AppEnv>): string {
  const user = c.get('user');
  if (user) return `user:${user.projectId}:${user.userId}`;
  const principal = c.get('principal');
  return principal?.kind === 'project_key' ? `key:${principal.keyId}` : 'admin';
}

function periodSeconds(c: Context<AppEnv>): number {
  return Number(c.env.RATE_LIMIT_PERIOD_SECONDS) || 60;
}

/** Counts the request; over the limit, 429 with Retry-After (the binding does not say when its window ends: the whole period). */
async function count(c: Context<AppEnv>, kind: RouteClass, caller: string): Promise<void> {
  const { success } = await c.env[LIMITERS[kind]].limit({ key: caller });
  if (!success) throw new DomainError('rate_limited', 'Rate limit exceeded', { retryAfter: periodSeconds(c) });
}

/**
 * The Workers Rate Limiting binding of the route's class, keyed by caller. Every request hears the
 * verdict before it reads or changes anything, so a refused request reads and changes nothing.
 *
 * Except a `page` request with If-None-Match, within the caller's free revalidations
 * (free-revalidations.ts): it reads its tag first, and asks the limiter only if the tag no longer
 * holds, before the full read (`admit`, which the route hands to the core's read). So a 304 is not
 * counted, as GitHub does for conditional requests: an idle client polling with its ETag never meets
 * a 429, and the cheapest answer we give skips the limiter's call (in `wrangler dev` a round trip to
 * a Durable Object, half of a 304's CPU; deployed, a counter cached on the machine).
 */
export function rateLimit(kind: RouteClass) {
  const limit = createMiddleware<AppEnv>(async (c, next) => {
    const caller = callerKey(c);
    const deferred =
      kind === 'page' &&
      c.req.header('if-none-match') !== undefined &&
      takeFreeRevalidation(caller, Number(c.env.FREE_REVALIDATIONS) || 0, periodSeconds(c) * 1000);
    if (!deferred) {
      await count(c, kind, caller);
      c.set('admit', admitted);
      return next();
    }
    let counted = false;
    c.set('admit', async () => {
      if (counted) return;
      counted = true;
      await count(c, kind, caller);
    });
    await next();
    // An answer other than 304 that never asked (a 400 for a bad cursor, a 403, a route that forgot)
    // is counted after the fact, so it cannot go free; a failing limiter does not spoil the answer.
    if (!counted && c.res.status !== 304) {
      counted = true;
      await c.env[LIMITERS[kind]].limit({ key: caller }).catch(() => undefined);
    }
  });
  // Marked with its class, so that a test can tell which routes a limiter guards (and so answer 429).
  return Object.assign(limit, { rateLimitClass: kind });
}

const admitted = async (): Promise<void> => {};
