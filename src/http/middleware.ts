import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { authenticateApiKey } from '../core/api-keys';
import { verifyUserToken, type TokenConfig } from '../core/auth-token';
import { openDb } from '../core/db';
import type { AppEnv, Bindings } from '../env';
import { durableObjectPublisher } from '../realtime/room';
import { bearer } from './credentials';
import { D1Meter } from './d1-meter';

export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  // A caller's id is kept for tracing only when it is a plain token (it goes into headers and logs).
  const given = c.req.header('x-request-id');
  const requestId = given && /^[\w.:-]{1,64}$/.test(given) ? given : crypto.randomUUID();
  const meter = new D1Meter();
  c.set('requestId', requestId);
  c.set('db', openDb(meter.wrap(c.env.DB)));
  c.set('publisher', durableObjectPublisher(c.env));
  await next();
  // A 101 (WebSocket) response cannot be rebuilt with another header.
  if (c.res.status === 101) return;
  c.header('X-Request-Id', requestId);
  // Inboxes are private: no shared cache may keep one, and a browser revalidates (ETag) every time.
  c.header('Cache-Control', 'private, no-cache');
  // What D1 did for this request (a held or streamed response: until its headers went out).
  c.header('Server-Timing', meter.serverTiming());
});

export function tokenConfig(env: Bindings): TokenConfig {
  return {
    jwtSecret: env.JWT_SECRET,
    jwks: env.JWT_JWKS,
    jwksUrl: env.JWT_JWKS_URL,
    issuer: env.JWT_ISSUER,
    audience: env.JWT_AUDIENCE,
  };
}

/** A user JWT from the Authorization header, read as `Bearer <token>` unless told otherwise. */
export function userAuth(credential: (header: string | undefined) => string | undefined = bearer) {
  return userAuthFrom((c) => credential(c.req.header('authorization')));
}

function userAuthFrom(credential: (c: Context<AppEnv>) => string | undefined) {
  return createMiddleware<AppEnv>(async (c, next) => {
    c.set('user', await verifyUserToken(credential(c), tokenConfig(c.env)));
    await next();
  });
}

export const requireUser = userAuth();

/**
 * Browsers cannot set headers on EventSource or WebSocket, so the stream routes (only they) also
 * take the token as `access_token` in the query. Nothing here logs URLs, so it is never written down.
 */
export const requireStreamUser = userAuthFrom((c) => bearer(c.req.header('authorization')) ?? c.req.query('access_token'));

/** Admin or project API key as `Authorization: Bearer <key>`. */
export const requireApiKey = createMiddleware<AppEnv>(async (c, next) => {
  c.set('principal', await authenticateApiKey(c.get('db'), bearer(c.req.header('authorization')), c.env.ADMIN_API_KEY));
  await next();
});
