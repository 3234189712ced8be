import { createMiddleware } from 'hono/factory';
import type { Context } from 'hono';
import { DomainError } from '../core/errors';
import type { AppEnv } from '../env';

/** The budgets a caller has (`[[ratelimits]]` in wrangler.toml); each route declares its class. */
export type RouteClass = 'poll' | 'write' | 'stream';

const LIMITERS = { poll: 'POLL_LIMITER', write: 'WRITE_LIMITER', stream: 'STREAM_LIMITER' } as const;

/** Who is counted: a user inside their project, an API key by its id, or the operator's admin key. */
function callerKey(c: Context<AppEnv>): string {
  const user = c.get('user');
  if (user) return `user:${user.projectId}:${user.userId}`;
  const principal = c.get('principal');
  return principal?.kind === 'project_key' ? `key:${principal.keyId}` : 'admin';
}

/**
 * The Workers Rate Limiting binding of the route's class, keyed by caller. Every request counts, a
 * 304 too. Over the limit: 429 with Retry-After (the binding does not say when its window ends, so
 * the whole period, RATE_LIMIT_PERIOD_SECONDS).
 *
 * A pure poll runs while the limiter answers, and its answer is replaced by the 429 when over the
 * limit: the limiter's round trip is not added to every poll, at the price of a D1 read for a
 * refused one. Anything that changes state (`waitForVerdict`) hears the verdict first, so a
 * refused request changes nothing.
 */
export function rateLimit(kind: RouteClass, { waitForVerdict }: { waitForVerdict: boolean }) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const limiter = c.env[LIMITERS[kind]];
    const verdict = limiter.limit({ key: callerKey(c) });
    if (!waitForVerdict) await next();
    if (!(await verdict).success) {
      c.header('ETag', undefined); // set by the poll that ran; not the 429's
      const retryAfter = Number(c.env.RATE_LIMIT_PERIOD_SECONDS) || 60;
      throw new DomainError('rate_limited', 'Rate limit exceeded', { retryAfter });
    }
    if (waitForVerdict) await next();
  });
}
