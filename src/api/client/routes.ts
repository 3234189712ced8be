import { createRoute } from '@hono/zod-openapi';
import { getInboxItem } from '../../core/inbox';
import { readInboxPage, type InboxView } from '../../core/inbox-page';
import { acknowledgeAll } from '../../core/acknowledge-all';
import { readCounts } from '../../core/inbox-counts';
import { acknowledge, acknowledgeMany } from '../../core/receipts';
import { conditionalRead, pageResponse } from '../../http/conditional';
import { bearerAuth, jsonRequest, jsonResponse } from '../../http/openapi';
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
  encodeBulkOutcome,
  IdParam,
  ListQuery,
  ListResponse,
} from './wire';
import { encodeNotification } from './notification-json';

/** The client list shows every audience of the user, their acknowledged state, and totals; first pages say where a stream joins them. */
const LIST: InboxView = { name: 'client', shows: { acknowledged: true }, totals: true, streamHead: true, cursor: { parameter: 'cursor' } };

/** The response header of a first page: the stream cursor (`since`) at the page's snapshot (README "Use it from your app"). */
export const STREAM_CURSOR = 'Stream-Cursor';

/** seeds/000's polling routes (registered after the stream routes, whose paths `/{id}` would take). */
export function registerPolling({ app, errors, guard }: ClientDialect) {
  const security = bearerAuth;

  // seeds/000 "Fetch Pending Notifications"
  app.openapi(
    createRoute({
      method: 'get',
      path: '/',
      security,
      middleware: guard('page'),
      request: { query: ListQuery },
      responses: {
        200: {
          ...jsonResponse(ListResponse, 'A page of the inbox'),
          headers: {
            [STREAM_CURSOR]: {
              description:
                'Unfiltered newest-first first pages only: open the event stream or WebSocket with `since=` this to receive exactly what was stored after this page.',
              schema: { type: 'string' },
            },
          },
        },
        304: { description: 'Not modified (If-None-Match matched)' },
        ...errors(400, 401, 405, 429),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const result = await readInboxPage(c.get('db'), c.get('user'), LIST, {
        order: q.sort,
        limit: q.limit,
        status: q.status,
        serviceId: q.service_id,
        originProject: q.project,
        cursor: q.cursor,
        ...conditionalRead(c),
      });
      if (!result.notModified && result.streamFrom) c.header(STREAM_CURSOR, streamCursor(c.get('user'), result.streamFrom));
      return pageResponse(c, result, (page) => ({
        notifications: page.items.map(encodeNotification),
        pagination: { next_cursor: page.hasMore ? page.next : null, has_more: page.hasMore, total_count: page.total ?? 0 },
      })) as never;
    },
  );

  // seeds/000 "Best Practices", "Batch Operations": bulk acknowledge (registered before /{id} routes).
  app.openapi(
    createRoute({
      method: 'post',
      path: '/acknowledge',
      security,
      middleware: guard('write'),
      request: { body: jsonRequest(BulkBody) },
      responses: { 200: jsonResponse(BulkResponse, 'Outcome per id'), ...errors(400, 401, 405, 429) },
    }),
    async (c) => {
      const outcomes = await acknowledgeMany(c.get('db'), c.get('user'), c.req.valid('json').ids, writeOptions(c));
      return c.json({ results: outcomes.map(encodeBulkOutcome) }, 200);
    },
  );

  // Ours (README "Counts"): the badge numbers, from the counters, with an ETag.
  app.openapi(
    createRoute({
      method: 'get',
      path: '/counts',
      security,
      middleware: guard('page'),
      responses: {
        200: jsonResponse(CountsResponse, 'The totals of the inbox'),
        304: { description: 'Not modified (If-None-Match matched)' },
        ...errors(401, 405, 429),
      },
    }),
    async (c) => {
      const { ifNoneMatch, admit } = conditionalRead(c);
      const result = await readCounts(c.get('db'), c.get('user'), ifNoneMatch, admit);
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
      security,
      middleware: guard('write'),
      request: { body: { required: false, content: { 'application/json': { schema: AcknowledgeAllBody } } } },
      responses: { 200: jsonResponse(AcknowledgeAllResponse, 'How many were acknowledged'), ...errors(400, 401, 403, 404, 405, 429) },
    }),
    async (c) => {
      const body = (c.req.valid('json') as AcknowledgeAllBody | undefined) ?? {};
      return c.json(await acknowledgeAll(c.get('db'), c.get('user'), body.through, writeOptions(c)), 200);
    },
  );

  // seeds/000 "Fetch Single Notification"
  app.openapi(
    createRoute({
      method: 'get',
      path: '/{id}',
      security,
      middleware: guard('poll'),
      request: { params: IdParam },
      responses: { 200: jsonResponse(ClientNotification, 'The notification'), ...errors(400, 401, 403, 404, 405, 429) },
    }),
    async (c) => c.json(encodeNotification(await getInboxItem(c.get('db'), c.get('user'), c.req.valid('param').id)), 200),
  );

  // seeds/000 "Acknowledge Notification"
  app.openapi(
    createRoute({
      method: 'post',
      path: '/{id}/acknowledge',
      security,
      middleware: guard('write'),
      request: { params: IdParam },
      responses: { 200: jsonResponse(ClientNotification, 'The acknowledged notification'), ...errors(400, 401, 403, 404, 405, 409, 429) },
    }),
    async (c) => {
      const item = await acknowledge(c.get('db'), c.get('user'), c.req.valid('param').id, writeOptions(c));
      return c.json(encodeNotification(item), 200);
    },
  );
}
