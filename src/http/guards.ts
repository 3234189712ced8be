import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { bodyLimit } from 'hono/body-limit';
import { DomainError } from '../core/errors';
import type { AppEnv, Bindings } from '../env';

// What every dialect puts in front of its routes: a body size limit (before anything parses the
// body) and, once the caller is known, a rate limit per caller and kind of route.

export const MAX_BODY_BYTES = 256 * 1024;

export const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new DomainError('payload_too_large', `The request body is over ${MAX_BODY_BYTES / 1024} KB`);
  },
});

export type RouteClass = 'poll' | 'write' | 'stream';

const LIMITERS: Record<RouteClass, keyof Bindings> = { poll: 'POLL_LIMITER', write: 'WRITE_LIMITER', stream: 'STREAM_LIMITER' };

/** Opening a stream or a long poll is its own class: a reconnect storm must not eat the poll budget. */
function routeClass(c: Context<AppEnv>): RouteClass {
  if (/\/(stream|ws)$|\/stream\/notification\/lp$/.test(c.req.path)) return 'stream';
  return c.req.method === 'GET' || c.req.method === 'HEAD' ? 'poll' : 'write';
}

/** Who is counted: a user inside their project, an API key by its id, or the operator's admin key. */
function callerKey(c: Context<AppEnv>): string {
  const user = c.get('user');
  if (user) return `user:${user.projectId}:${user.userId}`;
  const principal = c.get('principal');
  return principal?.kind === 'project_key' ? `key:${principal.keyId}` : 'admin';
}

/**
 * The Workers Rate Limiting binding of the route's class (`[[ratelimits]]` in wrangler.toml), keyed
 * by caller. Every request counts, a 304 too. Over the limit: 429 with Retry-After (the binding does
 * not say when its window ends, so the whole period, RATE_LIMIT_PERIOD_SECONDS).
 */
export const rateLimit = createMiddleware<AppEnv>(async (c, next) => {
  const kind = routeClass(c);
  const limiter = c.env[LIMITERS[kind]] as RateLimit | undefined;
  if (!limiter) return next();
  const verdict = limiter.limit({ key: callerKey(c) });
  // A poll has no side effects: it runs while the limiter answers, and its answer is replaced by
  // the 429 when over the limit (so the limiter's round trip is not added to every poll).
  // Writes and stream opens wait for the verdict first.
  if (kind === 'poll') await next();
  if (!(await verdict).success) {
    c.header('ETag', undefined); // set by the poll that ran; not the 429's
    const retryAfter = Number(c.env.RATE_LIMIT_PERIOD_SECONDS) || 60;
    throw new DomainError('rate_limited', 'Rate limit exceeded', { retryAfter });
  }
  if (kind !== 'poll') await next();
});
