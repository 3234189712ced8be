import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { DomainError } from '../core/errors';
import type { AppEnv, Bindings } from '../env';

/** CORS_ORIGINS, comma separated ("*": any origin). */
export function allowedOrigins(env: Pick<Bindings, 'CORS_ORIGINS'>): string[] {
  return (env.CORS_ORIGINS ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean);
}

export function originAllowed(c: Context<AppEnv>, origin: string): boolean {
  const allowed = allowedOrigins(c.env);
  return allowed.includes('*') || allowed.includes(origin) || origin === new URL(c.req.url).origin;
}

/**
 * Listener routes (long poll, event stream, WebSocket): a browser page of another origin is refused
 * before anything is counted or taken. CORS alone is not enough there: an EventSource or WebSocket
 * with `access_token` needs no preflight, so the server would answer, take a listener slot, and the
 * browser would only then throw the answer away. No `Origin` (not a browser) passes.
 */
export const listenerOrigin = createMiddleware<AppEnv>(async (c, next) => {
  const origin = c.req.header('origin');
  if (origin !== undefined && !originAllowed(c, origin)) {
    throw new DomainError('origin_not_allowed', `Pages of ${origin} may not listen here: it is not this service's origin nor in CORS_ORIGINS`);
  }
  await next();
});
