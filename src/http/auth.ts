import { socketCredential } from './socket-protocol';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import { authenticateApiKey } from '../core/api-keys';
import { verifyUserToken, type TokenConfig } from '../core/auth-token';
import type { AppEnv, Bindings } from '../env';
import { bearer, rawOrBearer } from './credentials';

export function tokenConfig(env: Bindings): TokenConfig {
  return {
    jwtSecret: env.JWT_SECRET,
    jwks: env.JWT_JWKS,
    jwksUrl: env.JWT_JWKS_URL,
    issuer: env.JWT_ISSUER,
    audience: env.JWT_AUDIENCE,
  };
}

function userAuthFrom(credential: (c: Context<AppEnv>) => string | undefined) {
  return createMiddleware<AppEnv>(async (c, next) => {
    c.set('user', await verifyUserToken(credential(c), tokenConfig(c.env)));
    await next();
  });
}

/** A user JWT as `Authorization: Bearer <token>`. */
export const requireUser = userAuthFrom((c) => bearer(c.req.header('authorization')));

/** seeds/001 sends the user JWT as the whole Authorization value; `Bearer <token>` works too. */
export const requireRawOrBearerUser = userAuthFrom((c) => rawOrBearer(c.req.header('authorization')));

/**
 * Browsers cannot set headers on EventSource or WebSocket, so the stream routes (only they) also take
 * the token as a WebSocket subprotocol `bearer.<token>` (http/socket-protocol.ts: out of every URL and
 * access log) or as `access_token` in the query. Nothing here logs URLs, so it is never written down.
 */
export const requireStreamUser = userAuthFrom(
  (c) => bearer(c.req.header('authorization')) ?? socketCredential(c, 'bearer') ?? c.req.query('access_token'),
);

/** Admin or project API key as `Authorization: Bearer <key>`. */
export const requireApiKey = createMiddleware<AppEnv>(async (c, next) => {
  c.set('principal', await authenticateApiKey(c.get('db'), bearer(c.req.header('authorization')), c.env.ADMIN_API_KEY));
  await next();
});
