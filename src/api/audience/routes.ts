import { createRoute, OpenAPIHono, type z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { audienceKey, EVERYONE } from '../../core/audience';
import { decodeCursor, encodeCursor, type CursorScope } from '../../core/cursor';
import { DomainError } from '../../core/errors';
import { getInboxItem, listInbox } from '../../core/inbox';
import { playerReader } from '../../core/permissions';
import type { UserPrincipal } from '../../core/principal';
import { markRead } from '../../core/receipts';
import type { AppEnv } from '../../env';
import { rawOrBearer } from '../../http/credentials';
import { dialectErrors } from '../../http/errors';
import { errorResponses, jsonResponse } from '../../http/openapi';
import { inboxConditional } from '../../http/inbox-etag';
import { rateLimit } from '../../http/guards';
import { userAuth } from '../../http/middleware';
import { validationHook } from '../../http/validation';
import {
  ClientItemParam,
  ClientParam,
  Envelope,
  envelope,
  ErrorBody,
  ListQuery,
  renderAudienceError,
  SystemItemParam,
  UserItemParam,
  UserParam,
} from './wire';

export const audienceApi = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
audienceApi.onError(dialectErrors(renderAudienceError));
// Mounted at /api beside other dialects: authenticate only this dialect's paths.
for (const path of ['/notifications/system', '/notifications/system/*', '/users/*', '/clients/*']) {
  audienceApi.use(path, userAuth(rawOrBearer), rateLimit);
}

const security = [{ token: [] }];
const errors = (...statuses: number[]) => errorResponses(ErrorBody, statuses);
const ok = { 200: jsonResponse(Envelope, 'Success') };

/** Whose inbox a path names, checked against the caller. */
function forUser(c: Context<AppEnv>, userId: string): UserPrincipal {
  const caller = c.get('user');
  try {
    return playerReader(caller, userId);
  } catch {
    throw new DomainError('forbidden', 'You may not read notifications of another user');
  }
}

function forClient(c: Context<AppEnv>, clientId: string): UserPrincipal {
  const caller = c.get('user');
  if (!caller.orgs.includes(clientId)) throw new DomainError('forbidden', `You are not a member of client ${clientId}`);
  return caller;
}

/** One list of one audience, newest first, with its cursor and ETag. */
async function list(c: Context<AppEnv>, reader: UserPrincipal, audience: string, q: z.infer<typeof ListQuery>) {
  const scope: CursorScope = { parameter: 'cursor', parts: ['001', reader.projectId, reader.userId, audience] };
  const before = q.cursor === undefined ? undefined : decodeCursor(scope, q.cursor);
  const conditional = await inboxConditional(c, reader, [...scope.parts, q.cursor, q.limit], [audience]);
  if (conditional.notModified) return conditional.notModified;
  const page = await listInbox(c.get('db'), reader, { order: 'newest', limit: q.limit, before, audiences: [audience] });
  await conditional.settle();
  const last = page.items.at(-1);
  return c.json(envelope(page.items, page.hasMore && last ? encodeCursor(scope, last.seq) : undefined), 200);
}

/** "Notifications are automatically marked as read when fetched individually" (by their recipient). */
async function fetchOne(c: Context<AppEnv>, reader: UserPrincipal, audience: string, id: string) {
  const db = c.get('db');
  const item = await getInboxItem(db, reader, id, { audience });
  const self = reader.userId === c.get('user').userId;
  return c.json(envelope([self ? await markRead(db, reader, item, { publisher: c.get('publisher') }) : item]), 200);
}

// seeds/001 "List System Notifications"
audienceApi.openapi(
  createRoute({ method: 'get', path: '/notifications/system', security, request: { query: ListQuery }, responses: { ...ok, 304: { description: 'Not Modified' }, ...errors(400, 401) } }),
  async (c) => list(c, c.get('user'), EVERYONE, c.req.valid('query')) as never,
);

// seeds/001 "Get System Notification"
audienceApi.openapi(
  createRoute({ method: 'get', path: '/notifications/system/{notificationId}', security, request: { params: SystemItemParam }, responses: { ...ok, ...errors(401, 404) } }),
  async (c) => fetchOne(c, c.get('user'), EVERYONE, c.req.valid('param').notificationId),
);

// seeds/001 "List User Notifications"
audienceApi.openapi(
  createRoute({ method: 'get', path: '/users/{userId}/notifications', security, request: { params: UserParam, query: ListQuery }, responses: { ...ok, 304: { description: 'Not Modified' }, ...errors(400, 401, 403) } }),
  async (c) => {
    const { userId } = c.req.valid('param');
    return list(c, forUser(c, userId), audienceKey({ kind: 'user', id: userId }), c.req.valid('query')) as never;
  },
);

// seeds/001 "Get User Notification"
audienceApi.openapi(
  createRoute({ method: 'get', path: '/users/{userId}/notifications/{notificationId}', security, request: { params: UserItemParam }, responses: { ...ok, ...errors(401, 403, 404) } }),
  async (c) => {
    const { userId, notificationId } = c.req.valid('param');
    return fetchOne(c, forUser(c, userId), audienceKey({ kind: 'user', id: userId }), notificationId);
  },
);

// seeds/001 "List Client Notifications"
audienceApi.openapi(
  createRoute({ method: 'get', path: '/clients/{clientId}/notifications', security, request: { params: ClientParam, query: ListQuery }, responses: { ...ok, 304: { description: 'Not Modified' }, ...errors(400, 401, 403) } }),
  async (c) => {
    const { clientId } = c.req.valid('param');
    return list(c, forClient(c, clientId), audienceKey({ kind: 'org', id: clientId }), c.req.valid('query')) as never;
  },
);

// seeds/001 "Get Client Notification"
audienceApi.openapi(
  createRoute({ method: 'get', path: '/clients/{clientId}/notifications/{notificationId}', security, request: { params: ClientItemParam }, responses: { ...ok, ...errors(401, 403, 404) } }),
  async (c) => {
    const { clientId, notificationId } = c.req.valid('param');
    return fetchOne(c, forClient(c, clientId), audienceKey({ kind: 'org', id: clientId }), notificationId);
  },
);
