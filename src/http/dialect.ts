import { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { dialectErrors, type RenderError } from './errors';
import { limitBody } from './body-limit';
import { methodNotAllowed } from './method-not-allowed';
import { listenerOrigin } from './origin';
import { errorResponses, type Status } from './openapi';
import { rateLimit, type RouteClass } from './rate-limit';
import { validationHook } from './validation';

export interface DialectOptions<Schema> {
  /** Where app.ts mounts the dialect (its paths answer 405 for a method they do not have). */
  base: string;
  /** The dialect's error body (wire.ts); one renderer for everything its routes throw. */
  render: RenderError;
  /** The error body's schema, for /openapi.json; `byStatus` overrides it for some statuses (the player API's 422). */
  errorSchema: Schema;
  byStatus?: Record<number, unknown>;
  /** What a status means in this dialect (its error codes), where the shared words are not enough. */
  notes?: Record<number, string>;
  /** The dialect's tag in /openapi.json (api/tags.ts): every route names it. */
  tag: string;
  /** Who may call (http/auth.ts): runs on every route before its rate limit. */
  auth: MiddlewareHandler<AppEnv>;
}

/**
 * One dialect: an OpenAPIHono with the shared validation hook and the dialect's error renderer,
 * the 405 for known paths, and `guard(kind)`, the middleware each route declares in its
 * `createRoute({ middleware })`: body limit, authentication, then the rate limit of its class.
 */
export function createDialect<Schema>(options: DialectOptions<Schema>) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.onError(dialectErrors(options.render));
  app.use('*', methodNotAllowed(app, options.base));
  return {
    app,
    /** The route's tag list (one tag: the dialect's). */
    tags: [options.tag],
    /**
     * The error answers a route can give, each with its headers, in the dialect's shape; a status
     * may come with what it means on that route (`[409, 'Already acknowledged']`). The 500 is added.
     */
    errors: (...statuses: Status[]) => errorResponses(options.errorSchema, statuses, options.byStatus, options.notes),
    /**
     * The middleware a route declares (`createRoute({ middleware })`) for its rate-limit class:
     * `poll` (reads), `page` (reads answered with an ETag, whose 304 is not counted), `write`, or
     * `stream` (opening a long poll, event stream or WebSocket; these also refuse browser pages of
     * origins that may not call them, before anything else). `auth` replaces the dialect's
     * authentication for one route (the stream routes also take `access_token`).
     */
    guard: (kind: RouteClass, { auth = options.auth }: { auth?: MiddlewareHandler<AppEnv> } = {}): MiddlewareHandler<AppEnv>[] =>
      kind === 'stream' ? [limitBody, listenerOrigin, auth, rateLimit(kind)] : [limitBody, auth, rateLimit(kind)],
  };
}
