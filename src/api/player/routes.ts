import { createRoute } from '@hono/zod-openapi';
import { createNotifications } from '../../core/create';
import { excludeBeforeCursor, longPollStart, pageExcludeBefore } from '../../core/exclude-before';
import { getInboxItem } from '../../core/inbox';
import { readInboxPage, type InboxView } from '../../core/inbox-page';
import { acquireListener, longPoll } from '../../core/long-poll';
import { assertPlayerWriter, playerIdOf, playerReader } from '../../core/permissions';
import { conditionalRead, pageResponse } from '../../http/conditional';
import { heldJson } from '../../http/held-response';
import { bearerAuth, jsonRequest, jsonResponse } from '../../http/openapi';
import { writeOptions } from '../../http/write-options';
import { playerRoom } from '../../realtime/player-room';
import { keepAliveMs } from '../../realtime/settings';
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

/** A player page shows the player's notifications and everyone's, newest first, and no per-user state. */
const PAGE: InboxView = { name: 'player', shows: {}, cursor: { parameter: 'start_at', inclusive: true } };

export function playerApi() {
  const { app, errors, guard } = playerDialect();
  const security = bearerAuth;

  // seeds/002 "Get Notifications Page"
  app.openapi(
    createRoute({
      method: 'get',
      path: '/{player_uuid}/notification',
      security,
      middleware: guard('page'),
      request: { params: PlayerParam, query: PageQuery },
      responses: { 200: jsonResponse(PageBody, 'Newest first'), 304: { description: 'Not Modified' }, ...errors(400, 403, 405, 422, 429) },
    }),
    async (c) => {
      const caller = c.get('user');
      const reader = playerReader(caller, playerIdOf(caller, c.req.valid('param').player_uuid));
      const q = c.req.valid('query');
      const db = c.get('db');
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
      security,
      middleware: guard('poll'),
      request: { params: NotificationParam },
      responses: { 200: jsonResponse(PlayerNotification, 'One notification'), ...errors(400, 403, 404, 405, 429) },
    }),
    async (c) => {
      const { player_uuid, notification_id } = c.req.valid('param');
      const caller = c.get('user');
      const reader = playerReader(caller, playerIdOf(caller, player_uuid));
      return c.json(encodeNotification(await getInboxItem(c.get('db'), reader, notification_id)), 200);
    },
  );

  // reference/player-api.md: POST …/notification (atomic; answers with the last id created)
  app.openapi(
    createRoute({
      method: 'post',
      path: '/{player_uuid}/notification',
      security,
      middleware: guard('write'),
      request: { params: PlayerParam, body: jsonRequest(CreateBody) },
      responses: { 200: jsonResponse(CreatedBody, 'Created'), ...errors(400, 403, 405, 422, 429) },
    }),
    async (c) => {
      const caller = c.get('user');
      const player = playerIdOf(caller, c.req.valid('param').player_uuid);
      assertPlayerWriter(caller);
      const { created } = await createNotifications(
        c.get('db'),
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
      return c.json({ notification_id: created.at(-1)!.id }, 200);
    },
  );

  // reference/player-api.md: GET …/stream/notification/lp (oldest first; holds a listener slot)
  app.openapi(
    createRoute({
      method: 'get',
      path: '/{player_uuid}/stream/notification/lp',
      security,
      middleware: guard('stream'),
      request: { params: PlayerParam, query: LongPollQuery },
      responses: { 200: jsonResponse(PageBody, 'Oldest first; empty at the deadline'), ...errors(400, 403, 405, 409, 422, 429, 503) },
    }),
    async (c) => {
      const caller = c.get('user');
      const reader = playerReader(caller, playerIdOf(caller, c.req.valid('param').player_uuid));
      const q = c.req.valid('query');
      const db = c.get('db');
      const after = await longPollStart(db, reader, q.exclude_before, q.offset_reset_strategy);
      const deadline = Date.now() + q.deadline * 1000;
      const held = await acquireListener(playerRoom(c.env, reader.projectId, reader.userId, reader.orgs), deadline, q.listener_id);
      // A wait shorter than the keep-alive (the default 30 s) writes nothing before its answer.
      const silence = keepAliveMs(c.env);
      // A streamed response: its body is the documented JSON, but not a TypedResponse.
      return heldJson(
        c,
        silence < q.deadline * 1000 ? silence : 0,
        async (gone) => {
          const result = await longPoll(db, reader, held, { after, limit: q.max_page_size, deadline, signal: gone });
          return { notifications: result.items.map(encodeNotification), cursor: excludeBeforeCursor(reader, result.position) };
        },
        // Nothing was consumed: the client asks again from the same place.
        () => ({ notifications: [], cursor: excludeBeforeCursor(reader, after) }),
      ) as never;
    },
  );

  return app;
}
