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
import { BOOKMARK, ETAG, IF_NONE_MATCH, jsonResponse, notModified, requestHeaders } from '../../http/openapi';
import { writeOptions } from '../../http/write-options';
import { TAGS } from '../tags';
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
import { inboxDb, inboxForWrite, movingNote } from '../../http/inbox-db';

/** Each seeds/001 list is one audience, newest first, showing the reader's `read` state. */
const view = (audience: string): InboxView => ({ name: '001', audiences: [audience], shows: { read: true }, cursor: { parameter: 'cursor' } });

async function list(c: Context<AppEnv>, reader: UserPrincipal, audience: string, q: z.infer<typeof ListQuery>) {
  const result = await readInboxPage(inboxDb(c, reader), reader, view(audience), {
    order: 'newest',
    limit: q.limit,
    cursor: q.cursor,
    ...conditionalRead(c),
  });
  return pageResponse(c, result, (page) => envelope(page.items, page.hasMore ? page.next : undefined)) as never;
}

async function fetchOne(c: Context<AppEnv>, reader: UserPrincipal, audience: string, id: string) {
  return c.json(envelope([await fetchAndMarkRead(inboxForWrite(c, reader), c.get('user'), reader, audience, id, writeOptions(c))]), 200);
}

/** A fetch (which marks read) while the user's inbox moves to another database (issue 26). */
const MOVING = movingNote('SERVICE_UNAVAILABLE');

/** What each status means in this API (seeds/001 has no error section: ours, in its envelope). */
const NOTES: Record<number, string> = {
  400: '`INVALID_PARAMETER`; the message names the parameter.',
  401: '`UNAUTHORIZED`: no token, or one we do not accept.',
  403: '`FORBIDDEN`: another user (without a permission to read them), or an organisation not in your token.',
  404: '`NOT_FOUND`: unknown, gone, or not of this path\'s audience.',
  405: '`METHOD_NOT_ALLOWED`.',
  429: '`RATE_LIMIT_EXCEEDED` (single fetches count as polls; nothing is marked read).',
};

/** seeds/001, mounted at /api beside other dialects (its paths are its own). */
export function audienceApi() {
  const { app, errors, guard, tags } = createDialect({
    base: '/api',
    render: renderAudienceError,
    errorSchema: ErrorBody,
    auth: requireRawOrBearerUser,
    tag: TAGS.audience,
    notes: NOTES,
  });
  const security = [{ token: [] }];
  // A single fetch marks the notification read: it may write, and then says where (X-D1-Bookmark).
  const fetched = { 200: jsonResponse(Envelope, 'Success: the notification, alone in `notifications`, as read', BOOKMARK) };
  const listed = { 200: jsonResponse(Envelope, 'Success: newest first', ETAG), 304: notModified() };
  const parameters = requestHeaders();
  const conditional = requestHeaders(IF_NONE_MATCH);
  const LIST = `Newest first, \`limit\` 1-100 (50); \`nextCursor\` only when there are more (a foreign cursor is 400). An \`ETag\` answers \`If-None-Match\` with 304 (your reads change it; not counted by the rate limit). Listing marks nothing read. We chose: \`type\` is the category (else \`system\`, \`user\` or \`client\`), \`message\` the body, \`read\` your state.`;
  const FETCH = 'The envelope with the one notification, marked read for you (in this answer already).';
  // A single fetch (which marks the notification read) is a GET to its clients: counted with the polls.
  // A list answers with an ETag: its 304 is not counted (http/rate-limit.ts).
  const poll = guard('poll');
  const page = guard('page');

  // seeds/001 "List System Notifications"
  app.openapi(
    createRoute({
      method: 'get',
      path: '/notifications/system',
      operationId: 'notificationsListSystem',
      summary: 'List System Notifications',
      description: `**Implements** Notifications API, section "List System Notifications": here, notifications to everyone in your project.\n\n${LIST}`,
      tags,
      security,
      middleware: page,
      request: { query: ListQuery },
      parameters: conditional,
      responses: { ...listed, ...errors(400, 401, 405, 429) },
    }),
    async (c) => list(c, c.get('user'), EVERYONE, c.req.valid('query')),
  );

  // seeds/001 "Get System Notification"
  app.openapi(
    createRoute({
      method: 'get',
      path: '/notifications/system/{notificationId}',
      operationId: 'notificationsGetSystem',
      summary: 'Get System Notification',
      description: `**Implements** Notifications API, section "Get System Notification".\n\n${FETCH} Not a system notification: 404.`,
      tags,
      security,
      middleware: poll,
      request: { params: SystemItemParam },
      parameters,
      responses: { ...fetched, ...errors([400, '`INVALID_PARAMETER`: an `X-D1-Bookmark` of another database.'], 401, 404, 405, 429, MOVING) },
    }),
    async (c) => fetchOne(c, c.get('user'), EVERYONE, c.req.valid('param').notificationId),
  );

  // seeds/001 "List User Notifications"
  app.openapi(
    createRoute({
      method: 'get',
      path: '/users/{userId}/notifications',
      operationId: 'notificationsListUser',
      summary: 'List User Notifications',
      description: `**Implements** Notifications API, section "List User Notifications".\n\nWe chose: \`userId\` is your token's \`sub\`; another user needs \`notification:player:read\` or \`:*\`. ${LIST}`,
      tags,
      security,
      middleware: page,
      request: { params: UserParam, query: ListQuery },
      parameters: conditional,
      responses: { ...listed, ...errors(400, 401, 403, 405, 429) },
    }),
    async (c) => {
      const { userId } = c.req.valid('param');
      return list(c, userListReader(c.get('user'), userId), audienceKey({ kind: 'user', id: userId }), c.req.valid('query'));
    },
  );

  // seeds/001 "Get User Notification"
  app.openapi(
    createRoute({
      method: 'get',
      path: '/users/{userId}/notifications/{notificationId}',
      operationId: 'notificationsGetUser',
      summary: 'Get User Notification',
      description: `**Implements** Notifications API, section "Get User Notification".\n\n${FETCH} A reader of another user marks nothing. Not addressed to this user: 404.`,
      tags,
      security,
      middleware: poll,
      request: { params: UserItemParam },
      parameters,
      responses: { ...fetched, ...errors(400, 401, 403, 404, 405, 429, MOVING) },
    }),
    async (c) => {
      const { userId, notificationId } = c.req.valid('param');
      return fetchOne(c, userListReader(c.get('user'), userId), audienceKey({ kind: 'user', id: userId }), notificationId);
    },
  );

  // seeds/001 "List Client Notifications"
  app.openapi(
    createRoute({
      method: 'get',
      path: '/clients/{clientId}/notifications',
      operationId: 'notificationsListClient',
      summary: 'List Client Notifications',
      description: `**Implements** Notifications API, section "List Client Notifications".\n\nWe chose: a \`clientId\` is an organisation in your token's \`orgs\`. ${LIST}`,
      tags,
      security,
      middleware: page,
      request: { params: ClientParam, query: ListQuery },
      parameters: conditional,
      responses: { ...listed, ...errors(400, 401, 403, 405, 429) },
    }),
    async (c) => {
      const { clientId } = c.req.valid('param');
      return list(c, clientListReader(c.get('user'), clientId), audienceKey({ kind: 'org', id: clientId }), c.req.valid('query'));
    },
  );

  // seeds/001 "Get Client Notification"
  app.openapi(
    createRoute({
      method: 'get',
      path: '/clients/{clientId}/notifications/{notificationId}',
      operationId: 'notificationsGetClient',
      summary: 'Get Client Notification',
      description: `**Implements** Notifications API, section "Get Client Notification".\n\n${FETCH} Members only; not sent to this organisation: 404.`,
      tags,
      security,
      middleware: poll,
      request: { params: ClientItemParam },
      parameters,
      responses: { ...fetched, ...errors(400, 401, 403, 404, 405, 429, MOVING) },
    }),
    async (c) => {
      const { clientId, notificationId } = c.req.valid('param');
      return fetchOne(c, clientListReader(c.get('user'), clientId), audienceKey({ kind: 'org', id: clientId }), notificationId);
    },
  );

  return app;
}
