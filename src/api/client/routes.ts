import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { decodeCarryingCursor, encodeCursor, type CursorScope } from '../../core/cursor';
import { countVisible } from '../../core/inbox-state';
import { listInbox, getInboxItem } from '../../core/inbox';
import { acknowledge, acknowledgeMany } from '../../core/receipts';
import type { AppEnv } from '../../env';
import { dialectErrors } from '../../http/errors';
import { bearerAuth, errorResponses, jsonRequest, jsonResponse } from '../../http/openapi';
import { inboxConditional } from '../../http/inbox-etag';
import { limitBody, rateLimit } from '../../http/guards';
import { requireUser } from '../../http/middleware';
import { validationHook } from '../../http/validation';
import {
  BulkBody,
  BulkResponse,
  ClientNotification,
  encodeBulkOutcome,
  encodeNotification,
  ErrorBody,
  IdParam,
  ListQuery,
  ListResponse,
  renderClientError,
} from './wire';

export const clientApi = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
clientApi.onError(dialectErrors(renderClientError));
clientApi.use('*', limitBody, requireUser, rateLimit);

const errors = (...statuses: number[]) => errorResponses(ErrorBody, statuses);
const security = bearerAuth;

// seeds/000 "Fetch Pending Notifications"
const list = createRoute({
  method: 'get',
  path: '/',
  security,
  request: { query: ListQuery },
  responses: {
    200: jsonResponse(ListResponse, 'A page of the inbox'),
    304: { description: 'Not modified (If-None-Match matched)' },
    ...errors(400, 401, 429),
  },
});

clientApi.openapi(list, async (c) => {
  const user = c.get('user');
  const db = c.get('db');
  const q = c.req.valid('query');
  const scope: CursorScope = {
    parameter: 'cursor',
    parts: ['client', user.projectId, user.userId, q.status, q.service_id, q.project, q.sort],
  };
  const { seq: position, carried } = q.cursor === undefined ? { seq: undefined, carried: undefined } : decodeCarryingCursor(scope, q.cursor);

  const filtered = q.service_id !== undefined || q.project !== undefined;
  const conditional = await inboxConditional(c, user, [...scope.parts, q.cursor, q.limit]);
  if (conditional.notModified) return conditional.notModified;

  const page = await listInbox(db, user, {
    status: q.status,
    serviceId: q.service_id,
    originProject: q.project,
    order: q.sort,
    limit: q.limit,
    ...(q.sort === 'newest' ? { before: position } : { after: position }),
    // The counters do not know these filters: such a list is counted on its first page, and its
    // cursor carries the total on (README, "Cost of a request").
    count: filtered && carried === undefined,
  });
  const freshness = await conditional.settle();
  const total = filtered ? (page.totalCount ?? carried ?? 0) : await countVisible(db, user, conditional.state, freshness, q.status);
  const last = page.items.at(-1);
  return c.json(
    {
      notifications: page.items.map(encodeNotification),
      pagination: {
        next_cursor: page.hasMore && last ? encodeCursor(scope, last.seq, filtered ? total : undefined) : null,
        has_more: page.hasMore,
        total_count: total,
      },
    },
    200,
  );
});

// Best practices, "Batch Operations": bulk acknowledge (registered before /{id} routes).
const bulk = createRoute({
  method: 'post',
  path: '/acknowledge',
  security,
  request: { body: jsonRequest(BulkBody) },
  responses: {
    200: jsonResponse(BulkResponse, 'Outcome per id'),
    ...errors(400, 401, 429),
  },
});

clientApi.openapi(bulk, async (c) => {
  const outcomes = await acknowledgeMany(c.get('db'), c.get('user'), c.req.valid('json').ids, { publisher: c.get('publisher') });
  return c.json({ results: outcomes.map(encodeBulkOutcome) }, 200);
});

// seeds/000 "Fetch Single Notification"
const one = createRoute({
  method: 'get',
  path: '/{id}',
  security,
  request: { params: IdParam },
  responses: {
    200: jsonResponse(ClientNotification, 'The notification'),
    ...errors(400, 401, 403, 404, 429),
  },
});

clientApi.openapi(one, async (c) => {
  const item = await getInboxItem(c.get('db'), c.get('user'), c.req.valid('param').id);
  return c.json(encodeNotification(item), 200);
});

// seeds/000 "Acknowledge Notification"
const ack = createRoute({
  method: 'post',
  path: '/{id}/acknowledge',
  security,
  request: { params: IdParam },
  responses: {
    200: jsonResponse(ClientNotification, 'The acknowledged notification'),
    ...errors(400, 401, 403, 404, 409, 429),
  },
});

clientApi.openapi(ack, async (c) => {
  const item = await acknowledge(c.get('db'), c.get('user'), c.req.valid('param').id, { publisher: c.get('publisher') });
  return c.json(encodeNotification(item), 200);
});
