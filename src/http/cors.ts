import { cors } from 'hono/cors';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../env';
import { allowedOrigins } from './origin';

// Browsers may call the API from the origins in CORS_ORIGINS (comma separated; "*" for any) and from
// no others. Tokens travel in Authorization (or `access_token` for streams), never in cookies, so
// credentials mode is off. A WebSocket upgrade is left alone: changing the headers of its 101 breaks it.

const policy = cors({
  origin: (origin, c) => {
    const allowed = allowedOrigins(c.env as AppEnv['Bindings']);
    return allowed.includes('*') || allowed.includes(origin) ? origin : null;
  },
  allowMethods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
  allowHeaders: ['Authorization', 'Content-Type', 'If-None-Match', 'Idempotency-Key', 'Last-Event-ID', 'X-D1-Bookmark', 'X-Request-Id'],
  exposeHeaders: ['Allow', 'ETag', 'Retry-After', 'Server-Timing', 'Stream-Cursor', 'X-D1-Bookmark', 'X-Request-Id'],
  maxAge: 600,
});

export const corsPolicy = createMiddleware<AppEnv>(async (c, next) => {
  // No origins configured (the default): no CORS headers at all, not even `Vary: Origin`.
  if (!c.env.CORS_ORIGINS || c.req.header('upgrade')?.toLowerCase() === 'websocket') return next();
  return policy(c, next);
});
