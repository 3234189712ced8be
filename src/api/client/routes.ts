import { createRoute } from '@hono/zod-openapi';
import { getInboxItem } from '../../core/inbox';
import { readInboxPage, type InboxView } from '../../core/inbox-page';
import { acknowledgeAll } from '../../core/acknowledge-all';
import { readCounts } from '../../core/inbox-counts';
import { acknowledge, acknowledgeMany } from '../../core/receipts';
import { conditionalRead, pageResponse } from '../../http/conditional';
import {
  BOOKMARK,
  bearerAuth,
  ETAG,
  IF_NONE_MATCH,
  jsonRequest,
  jsonResponse,
  notModified,
  requestHeaders,
  STREAM_CURSOR_HEADER,
} from '../../http/openapi';
import { writeOptions } from '../../http/write-options';
import type { ClientDialect } from './dialect';
import { streamCursor } from './stream-wire';
import {
  AcknowledgeAllBody,
  AcknowledgeAllResponse,
  BulkBody,
  BulkResponse,
  ClientNotification,
  CountsResponse,
  IdParam,
  ListQuery,
  ListResponse,
} from './wire';
import { encodeBulkOutcome, encodeNotification } from './notification-json';
import { inboxDb, inboxForWrite, movingNote } from '../../http/inbox-db';

/** A write while the user's inbox moves to another database (issue 26). */
const MOVING = movingNote('SERVICE_UNAVAILABLE');

/** The client list shows every audience of the user, their acknowledged state, and totals; first pages say where a stream joins them. */
const LIST: InboxView = { name: 'client', shows: { acknowledged: true }, totals: true, streamHead: true, cursor: { parameter: 'cursor' } };

/** The response header of a first page: the stream cursor (`since`) at the page's snapshot (README "Use it from your app"). */
export const STREAM_CURSOR = 'Stream-Cursor';

/** seeds/000's polling routes (registered after the stream routes, whose paths `/{id}` would take). */
export function registerPolling({ app, errors, guard, tags }: ClientDialect) {
  const security = bearerAuth;

  // seeds/000 "Fetch Pending Notifications"
  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      operationId: 'clientListNotifications',
      summary: 'Fetch pending notifications (a page of the inbox)',
      description: `**Implements** Client polling API, section "Fetch Pending Notifications".

Your own notifications, your organisations' and everyone's, without expired ones. We chose: \`status\` absent means both; \`project\` filters on the producer's origin label; \`total_count\` counts every match; \`next_cursor\` is null on the last page; a cursor belongs to its query (another is 400). Answers carry an \`ETag\` (304 for \`If-None-Match\`, not counted by the rate limit) and first pages a \`Stream-Cursor\`. With \`include=counts\` (ours) the body also carries \`counts\` read in the page's snapshot, so that a client never has to guess whether a change is counted.`,
      tags,
      security,
      middleware: guard('page'),
      request: { query: ListQuery },
      parameters: requestHeaders(IF_NONE_MATCH),
      responses: {
        200: jsonResponse(ListResponse, 'A page of the inbox', { ...ETAG, ...STREAM_CURSOR_HEADER }),
        304: notModified(),
        ...errors(400, 401, 405, 429),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const db = inboxDb(c, c.get('user'));
      const result = await readInboxPage(db, c.get('user'), LIST, {
        order: q.sort,
        limit: q.limit,
        status: q.status,
        serviceId: q.service_id,
        originProject: q.project,
        cursor: q.cursor,
        counts: q.include === 'counts',
        ...conditionalRead(c),
      });
      if (!result.notModified && result.streamFrom) c.header(STREAM_CURSOR, streamCursor(c.get('user'), result.streamFrom, db.$binding));
      return pageResponse(c, result, (page) => ({
        notifications: page.items.map(encodeNotification),
        pagination: { next_cursor: page.hasMore ? page.next : null, has_more: page.hasMore, total_count: page.total ?? 0 },
        ...(page.counts ? { counts: page.counts } : {}),
      })) as never;
    },
  );

  // seeds/000 "Best Practices", "Batch Operations": bulk acknowledge (registered before /{id} routes).
  app.openapi(
    createRoute({
      method: 'post',
      path: '/acknowledge',
      operationId: 'clientAcknowledgeNotifications',
      summary: 'Acknowledge several notifications (bulk)',
      description: `**Extends** Client polling API, section "Best Practices" ("use the bulk acknowledge endpoint"), which names it without describing it.

We chose \`{ "ids": [...] }\` (1-100 UUIDs) and one outcome per id, written at once: \`acknowledged\`, or \`already_responded\`, \`not_found\`, \`access_denied\` with the single acknowledge's error code.`,
      tags,
      security,
      middleware: guard('write'),
      request: { body: jsonRequest(BulkBody) },
      parameters: requestHeaders(),
      responses: { 200: jsonResponse(BulkResponse, 'The outcome for each id', BOOKMARK), ...errors(400, 401, 405, 413, 429, MOVING) },
    }),
    async (c) => {
      const outcomes = await acknowledgeMany(inboxForWrite(c, c.get('user')), c.get('user'), c.req.valid('json').ids, writeOptions(c));
      return c.json({ results: outcomes.map(encodeBulkOutcome) }, 200);
    },
  );

  // Ours (README "Counts"): the badge numbers, from the counters, with an ETag.
  app.openapi(
    createRoute({
      method: 'get',
      path: '/counts',
      operationId: 'clientGetCounts',
      summary: 'Count the inbox (for a badge)',
      description: `**Extends** Client polling API, section "Fetch Pending Notifications" (its \`total_count\`): ours, the totals without a page, for a badge.

Read from counters, with an \`ETag\` (304 for \`If-None-Match\`, not counted by the rate limit).`,
      tags,
      security,
      middleware: guard('page'),
      parameters: requestHeaders(IF_NONE_MATCH),
      responses: {
        200: jsonResponse(CountsResponse, 'The totals of the inbox', ETAG),
        304: notModified(),
        ...errors([400, '`INVALID_PARAMETER`: an `X-D1-Bookmark` of another database.'], 401, 405, 429),
      },
    }),
    async (c) => {
      const { ifNoneMatch, admit } = conditionalRead(c);
      const result = await readCounts(inboxDb(c, c.get('user')), c.get('user'), ifNoneMatch, admit);
      c.header('ETag', result.etag);
      if (result.notModified) return c.body(null, 304) as never;
      return c.json({ total: result.total, pending: result.pending }, 200);
    },
  );

  // seeds/000 "Best Practices", "Batch Operations", ours (README "Acknowledge all"): a watermark, not a receipt each.
  app.openapi(
    createRoute({
      method: 'post',
      path: '/acknowledge-all',
      operationId: 'clientAcknowledgeAll',
      summary: 'Acknowledge everything up to a notification',
      description: `**Extends** Client polling API, section "Best Practices" ("Batch Operations"): ours.

Acknowledges, for you only, everything pending in your inbox up to \`through\` (default: the newest now) and says how many. Later ones stay pending; a repeat acknowledges 0. Costs the same for 3 or 100,000 notifications (a watermark per audience).`,
      tags,
      security,
      middleware: guard('write'),
      request: { body: { required: false, content: { 'application/json': { schema: AcknowledgeAllBody } } } },
      parameters: requestHeaders(),
      responses: {
        200: jsonResponse(AcknowledgeAllResponse, 'How many were acknowledged', BOOKMARK),
        ...errors(
          [400, '`INVALID_PARAMETER`: not JSON, a field other than `through`, or not a UUID.'],
          401,
          403,
          404,
          405,
          413,
          429,
          MOVING,
        ),
      },
    }),
    async (c) => {
      const body = (c.req.valid('json') as AcknowledgeAllBody | undefined) ?? {};
      return c.json(await acknowledgeAll(inboxForWrite(c, c.get('user')), c.get('user'), body.through, writeOptions(c)), 200);
    },
  );

  // seeds/000 "Fetch Single Notification"
  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}',
      operationId: 'clientGetNotification',
      summary: 'Fetch one notification',
      description: `**Implements** Client polling API, section "Fetch Single Notification".

The list's notification object. 403 only for one of your project addressed to someone else; other projects' ids are 404. Marks nothing.`,
      tags,
      security,
      middleware: guard('poll'),
      request: { params: IdParam },
      parameters: requestHeaders(),
      responses: {
        200: jsonResponse(ClientNotification, 'The notification'),
        ...errors(400, 401, 403, 404, 405, 429),
      },
    }),
    async (c) => c.json(encodeNotification(await getInboxItem(inboxDb(c, c.get('user')), c.get('user'), c.req.valid('param').id)), 200),
  );

  // seeds/000 "Acknowledge Notification"
  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/acknowledge',
      operationId: 'clientAcknowledgeNotification',
      summary: 'Acknowledge one notification',
      description: `**Implements** Client polling API, section "Acknowledge Notification".

For you only (a broadcast stays pending for others); answers the notification. Of concurrent acknowledges exactly one gets 200, the others 409.`,
      tags,
      security,
      middleware: guard('write'),
      request: { params: IdParam },
      parameters: requestHeaders(),
      responses: {
        200: jsonResponse(ClientNotification, 'The acknowledged notification', BOOKMARK),
        ...errors(400, 401, 403, 404, 405, 409, 413, 429, MOVING),
      },
    }),
    async (c) => {
      const item = await acknowledge(inboxForWrite(c, c.get('user')), c.get('user'), c.req.valid('param').id, writeOptions(c));
      return c.json(encodeNotification(item), 200);
    },
  );
}
