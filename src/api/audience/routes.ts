import { createRoute, type z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { audienceKey, EVERYONE } from '../../core/audience';
import { readInboxPage, type InboxView } from '../../core/inbox-page';
import { clientListReader, userListReader } from '../../core/permissions';
import type { UserPrincipal } from '../../core/principal';
import { fetchAndMarkRead } from '../../core/receipts';
import type { AppEnv } from '../../env';
import { requireRawOrBearerUser } from '../../http/auth';
import { conditionalRead, pageResponse } from '../../http/conditional';
import { createDialect } from '../../http/dialect';
import { jsonResponse } from '../../http/openapi';
import { writeOptions } from '../../http/write-options';
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

/** Each seeds/001 list is one audience, newest first, showing the reader's `read` state. */
const view = (audience: string): InboxView => ({ name: '001', audiences: [audience], shows: { read: true }, cursor: { parameter: 'cursor' } });

async function list(c: Context<AppEnv>, reader: UserPrincipal, audience: string, q: z.infer<typeof ListQuery>) {
  const result = await readInboxPage(c.get('db'), reader, view(audience), {
    order: 'newest',
    limit: q.limit,
    cursor: q.cursor,
    ...conditionalRead(c),
  });
  return pageResponse(c, result, (page) => envelope(page.items, page.hasMore ? page.next : undefined)) as never;
}

async function fetchOne(c: Context<AppEnv>, reader: UserPrincipal, audience: string, id: string) {
  return c.json(envelope([await fetchAndMarkRead(c.get('db'), c.get('user'), reader, audience, id, writeOptions(c))]), 200);
}

/** seeds/001, mounted at /api beside other dialects (its paths are its own). */
export function audienceApi() {
  const { app, errors, guard } = createDialect({
    base: '/api',
    render: renderAudienceError,
    errorSchema: ErrorBody,
    auth: requireRawOrBearerUser,
  });
  const security = [{ token: [] }];
  const ok = { 200: jsonResponse(Envelope, 'Success') };
  const listed = { ...ok, 304: { description: 'Not Modified' } };
  // A single fetch (which marks the notification read) is a GET to its clients: counted with the polls.
  // A list answers with an ETag: its 304 is not counted (http/rate-limit.ts).
  const poll = guard('poll');
  const page = guard('page');

  // seeds/001 "List System Notifications"
  app.openapi(
    createRoute({ method: 'get', path: '/notifications/system', security, middleware: page, request: { query: ListQuery }, responses: { ...listed, ...errors(400, 401, 405, 429) } }),
    async (c) => list(c, c.get('user'), EVERYONE, c.req.valid('query')),
  );

  // seeds/001 "Get System Notification"
  app.openapi(
    createRoute({ method: 'get', path: '/notifications/system/{notificationId}', security, middleware: poll, request: { params: SystemItemParam }, responses: { ...ok, ...errors(401, 404, 405, 429) } }),
    async (c) => fetchOne(c, c.get('user'), EVERYONE, c.req.valid('param').notificationId),
  );

  // seeds/001 "List User Notifications"
  app.openapi(
    createRoute({ method: 'get', path: '/users/{userId}/notifications', security, middleware: page, request: { params: UserParam, query: ListQuery }, responses: { ...listed, ...errors(400, 401, 403, 405, 429) } }),
    async (c) => {
      const { userId } = c.req.valid('param');
      return list(c, userListReader(c.get('user'), userId), audienceKey({ kind: 'user', id: userId }), c.req.valid('query'));
    },
  );

  // seeds/001 "Get User Notification"
  app.openapi(
    createRoute({ method: 'get', path: '/users/{userId}/notifications/{notificationId}', security, middleware: poll, request: { params: UserItemParam }, responses: { ...ok, ...errors(401, 403, 404, 405, 429) } }),
    async (c) => {
      const { userId, notificationId } = c.req.valid('param');
      return fetchOne(c, userListReader(c.get('user'), userId), audienceKey({ kind: 'user', id: userId }), notificationId);
    },
  );

  // seeds/001 "List Client Notifications"
  app.openapi(
    createRoute({ method: 'get', path: '/clients/{clientId}/notifications', security, middleware: page, request: { params: ClientParam, query: ListQuery }, responses: { ...listed, ...errors(400, 401, 403, 405, 429) } }),
    async (c) => {
      const { clientId } = c.req.valid('param');
      return list(c, clientListReader(c.get('user'), clientId), audienceKey({ kind: 'org', id: clientId }), c.req.valid('query'));
    },
  );

  // seeds/001 "Get Client Notification"
  app.openapi(
    createRoute({ method: 'get', path: '/clients/{clientId}/notifications/{notificationId}', security, middleware: poll, request: { params: ClientItemParam }, responses: { ...ok, ...errors(401, 403, 404, 405, 429) } }),
    async (c) => {
      const { clientId, notificationId } = c.req.valid('param');
      return fetchOne(c, clientListReader(c.get('user'), clientId), audienceKey({ kind: 'org', id: clientId }), notificationId);
    },
  );

  return app;
}
