import { createRoute } from '@hono/zod-openapi';
import { sendNotifications } from '../../core/copies';
import { completeSoon } from '../../http/complete-copies';
import { excludeBeforeCursor, longPollStart, pageExcludeBefore } from '../../core/exclude-before';
import { getInboxItem } from '../../core/inbox';
import { readInboxPage, type InboxView } from '../../core/inbox-page';
import { acquireListener, longPoll } from '../../core/long-poll';
import { assertPlayerWriter, playerIdOf, playerReader } from '../../core/permissions';
import { conditionalRead, pageResponse } from '../../http/conditional';
import { heldJson } from '../../http/held-response';
import {
  BOOKMARK,
  bearerAuth,
  CONTENT_ENCODING_IDENTITY,
  ETAG,
  IF_NONE_MATCH,
  jsonRequest,
  jsonResponse,
  notModified,
  requestHeaders,
} from '../../http/openapi';
import { writeOptions } from '../../http/write-options';
import { playerRoom } from '../../realtime/player-room';
import { keepAliveMs, listenerRecheckMs } from '../../realtime/settings';
import { playerDialect } from './dialect';
import {
  CreateBody,
  CreatedBody,
  encodeNotification,
  LongPollQuery,
  NotificationParam,
  PageBody,
  PageQuery,
  PlayerNotification,
  PlayerParam,
} from './wire';
import { inboxDb, relocator } from '../../http/inbox-db';

/** A player page shows the player's notifications and everyone's, newest first, and no per-user state. */
const PAGE: InboxView = { name: 'player', shows: {}, cursor: { parameter: 'start_at', inclusive: true } };

export function playerApi() {
  const { app, errors, guard, tags } = playerDialect();
  const security = bearerAuth;

  // seeds/002 "Get Notifications Page"
  app.openapi(
    createRoute({
      method: 'get',
      path: '/{player_uuid}/notification',
      operationId: 'playerGetNotificationsPage',
      summary: 'Get Notifications Page (newest first)',
      description: `**Implements** Player notification API, section "Get Notifications Page".

We chose: \`player_uuid\` is the token's \`sub\` (or \`me\`); another player's page needs \`notification:player:read\` or \`:*\` and shows their own and everyone's notifications. \`cursor\` is the next \`start_at\`; \`exclude_before\` takes a \`notification_id\` or a long poll's \`cursor\` (unknown: 422). The \`ETag\` depends only on what the page shows (304 not counted by the rate limit). \`message\` is the body, \`rh_url\` the action URL.`,
      tags,
      security,
      middleware: guard('page'),
      request: { params: PlayerParam, query: PageQuery },
      parameters: requestHeaders(IF_NONE_MATCH),
      responses: {
        200: jsonResponse(PageBody, 'Successful Response: newest first', ETAG),
        304: notModified(),
        ...errors(400, 403, 405, 422, 429),
      },
    }),
    async (c) => {
      const caller = c.get('user');
      const reader = playerReader(caller, playerIdOf(caller, c.req.valid('param').player_uuid));
      const q = c.req.valid('query');
      const db = inboxDb(c, reader);
      const result = await readInboxPage(db, reader, PAGE, {
        order: 'newest',
        limit: q.page_size,
        cursor: q.start_at,
        after: q.exclude_before === undefined ? undefined : await pageExcludeBefore(db, reader, q.exclude_before),
        ...conditionalRead(c),
      });
      return pageResponse(c, result, (page) => ({ notifications: page.items.map(encodeNotification), cursor: page.next })) as never;
    },
  );

  // reference/player-api.md: GET …/notification/{notification_id}
  app.openapi(
    createRoute({
      method: 'get',
      path: '/{player_uuid}/notification/{notification_id}',
      operationId: 'playerGetNotification',
      summary: 'Get one notification',
      description: `**Implements** Player notification API: the endpoint beside "Get Notifications Page" that gets one notification (GET .../notification/{notification_id}).

Same permissions as the page; not this player's (or everyone's): 404.`,
      tags,
      security,
      middleware: guard('poll'),
      request: { params: NotificationParam },
      parameters: requestHeaders(),
      responses: {
        200: jsonResponse(PlayerNotification, 'One notification'),
        ...errors(400, 403, 404, 405, [422, 'Validation Error: an `X-D1-Bookmark` of another database.'], 429),
      },
    }),
    async (c) => {
      const { player_uuid, notification_id } = c.req.valid('param');
      const caller = c.get('user');
      const reader = playerReader(caller, playerIdOf(caller, player_uuid));
      return c.json(encodeNotification(await getInboxItem(inboxDb(c, reader), reader, notification_id)), 200);
    },
  );

  // reference/player-api.md: POST …/notification (atomic; answers with the last id created)
  app.openapi(
    createRoute({
      method: 'post',
      path: '/{player_uuid}/notification',
      operationId: 'playerCreateNotifications',
      summary: 'Create notifications for a player',
      description: `**Implements** Player notification API: the endpoint beside "Get Notifications Page" that creates notifications (POST .../notification).

1-100 notifications, stored all or none; answers the last \`notification_id\`. Needs \`notification:player:write\` or \`notification:player:*\`. Wakes the player's listeners at once.`,
      tags,
      security,
      middleware: guard('write'),
      request: { params: PlayerParam, body: jsonRequest(CreateBody) },
      parameters: requestHeaders(),
      responses: {
        200: jsonResponse(CreatedBody, 'Created: the id of the last notification created', BOOKMARK),
        ...errors(400, 403, 405, 413, 422, 429),
      },
    }),
    async (c) => {
      const caller = c.get('user');
      const player = playerIdOf(caller, c.req.valid('param').player_uuid);
      assertPlayerWriter(caller);
      // The player's database (and, while they move, the one they move to: core/copies.ts).
      const { created, incomplete } = await sendNotifications(
        c.get('stores'),
        caller.projectId,
        c.req.valid('json').notifications.map((n) => ({
          audience: { kind: 'user' as const, id: player },
          title: '',
          body: n.message,
          actionUrl: n.rh_url,
          customData: n.custom_data,
          resourceEtag: n.etag,
        })),
        writeOptions(c),
      );
      if (incomplete) c.executionCtx.waitUntil(completeSoon(c, incomplete));
      return c.json({ notification_id: created.at(-1)!.id }, 200);
    },
  );

  // reference/player-api.md: GET …/stream/notification/lp (oldest first; holds a listener slot)
  app.openapi(
    createRoute({
      method: 'get',
      path: '/{player_uuid}/stream/notification/lp',
      operationId: 'playerLongPollNotifications',
      summary: 'Long poll for new notifications (oldest first)',
      description: `**Implements** Player notification API: the streaming endpoint "Get Notifications Page" contrasts itself with (GET .../stream/notification/lp).

Waits until something is newer than \`exclude_before\` or \`deadline\` passes, then answers oldest first, with the next \`exclude_before\` as \`cursor\` (empty at the deadline). We chose: \`offset_reset_strategy\` \`latest\` by default; \`deadline\` 0-900 s; once the listener slot is taken the answer is 200, headers at once; one replaced by a newer \`listener_id\` answers an empty page at once.`,
      tags,
      security,
      middleware: guard('stream'),
      request: { params: PlayerParam, query: LongPollQuery },
      parameters: requestHeaders(),
      responses: {
        200: jsonResponse(PageBody, 'Oldest first; empty at the deadline', CONTENT_ENCODING_IDENTITY),
        ...errors(
          400,
          [403, '`insufficient_permissions`, a refused token (`auth_*`), or `origin_not_allowed` (a page of an origin not in `CORS_ORIGINS`).'],
          405,
          409,
          [422, 'Validation Error: a query value (an `exclude_before` neither id nor cursor, say).'],
          429,
          503,
        ),
      },
    }),
    async (c) => {
      const caller = c.get('user');
      const reader = playerReader(caller, playerIdOf(caller, c.req.valid('param').player_uuid));
      const q = c.req.valid('query');
      const db = inboxDb(c, reader);
      const after = await longPollStart(db, reader, q.exclude_before, q.offset_reset_strategy);
      const deadline = Date.now() + q.deadline * 1000;
      const held = await acquireListener(playerRoom(c.env, reader.projectId, reader.userId, reader.orgs), q.listener_id);
      // A wait shorter than the keep-alive (the default 30 s) writes nothing before its answer.
      const silence = keepAliveMs(c.env);
      // A streamed response: its body is the documented JSON, but not a TypedResponse.
      return heldJson(
        c,
        silence < q.deadline * 1000 ? silence : 0,
        async (gone) => {
          const result = await longPoll(db, reader, held, {
            after,
            limit: q.max_page_size,
            deadline,
            signal: gone,
            recheckMs: listenerRecheckMs(c.env),
            relocate: relocator(c, reader),
          });
          return { notifications: result.items.map(encodeNotification), cursor: excludeBeforeCursor(reader, result.position, db.$binding) };
        },
        // Nothing was consumed: the client asks again from the same place.
        () => ({ notifications: [], cursor: excludeBeforeCursor(reader, after, db.$binding) }),
      ) as never;
    },
  );

  return app;
}
