import { createMiddleware } from 'hono/factory';
import { openDb } from '../core/db';
import { requestStores } from './databases';
import type { AppEnv, Bindings } from '../env';
import { D1Meter } from './d1-meter';
import { D1_BOOKMARK_HEADER, parseBookmark, RequestSessions } from './d1-session';
import { socketCredential } from './socket-protocol';

/** Bindings without which the Worker must not answer at all: a missing limiter would turn limits off unseen. */
const REQUIRED: readonly (keyof Bindings)[] = ['DB', 'PLAYER_LISTENERS', 'PROJECT_LISTENERS', 'POLL_LIMITER', 'WRITE_LIMITER', 'STREAM_LIMITER'];
const checked = new WeakSet<object>();

/** Throws (a logged 500 on every request) while a required binding is missing from wrangler.toml. */
export function assertBindings(env: Bindings): void {
  if (checked.has(env)) return;
  const missing = REQUIRED.filter((name) => !env[name]);
  if (missing.length > 0) throw new Error(`Missing bindings: ${missing.join(', ')} (see wrangler.toml)`);
  checked.add(env);
}

/** Request id, the metered D1 session, and the headers every response carries. */
export const requestContext = createMiddleware<AppEnv>(async (c, next) => {
  // A caller's id is kept for tracing only when it is a plain token (it goes into headers and logs).
  const given = c.req.header('x-request-id');
  const requestId = given && /^[\w.:-]{1,64}$/.test(given) ? given : crypto.randomUUID();
  c.set('requestId', requestId);
  assertBindings(c.env);
  const meter = new D1Meter();
  c.set('meter', meter);
  const sessions = new RequestSessions(
    parseBookmark(c.req.header(D1_BOOKMARK_HEADER) ?? socketCredential(c, 'bookmark')),
    c.req.method !== 'GET' && c.req.method !== 'HEAD',
  );
  c.set('sessions', sessions);
  const stores = await requestStores(c.env, (name, d1) => {
    const session = sessions.open(name, d1);
    return openDb(meter.wrap(session.binding()), session, name);
  });
  c.set('stores', stores);
  c.set('db', stores.control);
  await next();
  // A 101 (WebSocket) response cannot be rebuilt with another header.
  if (c.res.status === 101) return;
  // A request that wrote tells the client where: sent back, its next reads are at least that fresh.
  const bookmark = meter.cost.rowsWritten > 0 ? sessions.bookmark() : null;
  if (bookmark) c.header(D1_BOOKMARK_HEADER, bookmark);
  c.header('X-Request-Id', requestId);
  // Inboxes are private: no shared cache may keep one, and a browser revalidates (ETag) every time.
  c.header('Cache-Control', 'private, no-cache');
  // What D1 did for this request (a held or streamed response: until its headers went out).
  c.header('Server-Timing', meter.serverTiming());
});
