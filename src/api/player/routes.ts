import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { createNotifications } from '../../core/create';
import { decodeCursor, encodeCursor, isCursor, type CursorScope } from '../../core/cursor';
import { invalidParameter } from '../../core/errors';
import { getInboxItem, latestSequence, listInbox } from '../../core/inbox';
import { acquireListener, longPoll } from '../../core/long-poll';
import { assertPlayerWriter, playerReader } from '../../core/permissions';
import type { UserPrincipal } from '../../core/principal';
import type { AppEnv } from '../../env';
import { dialectErrors } from '../../http/errors';
import { bearerAuth, errorResponses, jsonRequest, jsonResponse } from '../../http/openapi';
import { heldJson } from '../../http/held-response';
import { inboxConditional } from '../../http/inbox-etag';
import { limitBody, rateLimit } from '../../http/guards';
import { requireUser } from '../../http/middleware';
import { validationHook } from '../../http/validation';
import { heartbeatMs } from '../../realtime/limits';
import { playerRoom } from '../../realtime/room';
import {
  CreateBody,
  CreatedBody,
  encodeNotification,
  ErrorBody,
  LongPollQuery,
  NotificationParam,
  PageBody,
  PageQuery,
  PlayerNotification,
  PlayerParam,
  renderPlayerError,
  ValidationBody,
} from './wire';

export const playerApi = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
playerApi.onError(dialectErrors(renderPlayerError));
playerApi.use('*', limitBody, requireUser, rateLimit);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const security = bearerAuth;
const errors = (...statuses: number[]) => errorResponses(ErrorBody, statuses, { 422: ValidationBody });

/** `me`, or a player UUID (anything else is 400 bad_id). */
function playerId(c: Context<AppEnv>, param: string): string {
  if (param === 'me') return c.get('user').userId;
  if (!UUID.test(param)) throw invalidParameter('player_uuid', 'Passed client id is not a valid id');
  return param;
}

// A page's cursor is the next `start_at`; a long poll's is the next `exclude_before`. Both are
// positions in one player's inbox and are refused anywhere else.
const startAt = (p: UserPrincipal): CursorScope => ({ parameter: 'start_at', parts: ['player', p.projectId, p.userId, 'start_at'] });
const excludeBefore = (p: UserPrincipal): CursorScope => ({
  parameter: 'exclude_before',
  parts: ['player', p.projectId, p.userId, 'exclude_before'],
});

// seeds/002 "Get Notifications Page"
playerApi.openapi(
  createRoute({
    method: 'get',
    path: '/{player_uuid}/notification',
    security,
    request: { params: PlayerParam, query: PageQuery },
    responses: {
      200: jsonResponse(PageBody, 'Newest first'),
      304: { description: 'Not Modified' },
      ...errors(400, 403, 409, 422, 503),
    },
  }),
  async (c) => {
    const reader = playerReader(c.get('user'), playerId(c, c.req.valid('param').player_uuid));
    const q = c.req.valid('query');
    const start = q.start_at === undefined ? undefined : decodeCursor(startAt(reader), q.start_at);
    const after = q.exclude_before === undefined ? undefined : decodeCursor(excludeBefore(reader), q.exclude_before);

    const conditional = await inboxConditional(c, reader, ['player', q.page_size, start, after]);
    if (conditional.notModified) return conditional.notModified;

    const page = await listInbox(c.get('db'), reader, {
      order: 'newest',
      limit: q.page_size,
      before: start === undefined ? undefined : start + 1,
      after,
    });
    await conditional.settle();
    // start_at is inclusive: the next page starts just below the last one shown.
    const next = page.items.length > 0 ? page.items.at(-1)!.seq - 1 : (start ?? 0);
    return c.json({ notifications: page.items.map(encodeNotification), cursor: encodeCursor(startAt(reader), next) }, 200);
  },
);

// reference/player-api.md: GET …/notification/{notification_id}
playerApi.openapi(
  createRoute({
    method: 'get',
    path: '/{player_uuid}/notification/{notification_id}',
    security,
    request: { params: NotificationParam },
    responses: {
      200: jsonResponse(PlayerNotification, 'One notification'),
      ...errors(400, 403, 404),
    },
  }),
  async (c) => {
    const { player_uuid, notification_id } = c.req.valid('param');
    const reader = playerReader(c.get('user'), playerId(c, player_uuid));
    return c.json(encodeNotification(await getInboxItem(c.get('db'), reader, notification_id)), 200);
  },
);

// reference/player-api.md: POST …/notification (atomic; answers with the last id created)
playerApi.openapi(
  createRoute({
    method: 'post',
    path: '/{player_uuid}/notification',
    security,
    request: { params: PlayerParam, body: jsonRequest(CreateBody) },
    responses: {
      200: jsonResponse(CreatedBody, 'Created'),
      ...errors(400, 403, 422),
    },
  }),
  async (c) => {
    const caller = c.get('user');
    const player = playerId(c, c.req.valid('param').player_uuid);
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
      { publisher: c.get('publisher') },
    );
    return c.json({ notification_id: created.at(-1)!.id }, 200);
  },
);

// reference/player-api.md: GET …/stream/notification/lp (oldest first; holds a listener slot)
playerApi.openapi(
  createRoute({
    method: 'get',
    path: '/{player_uuid}/stream/notification/lp',
    security,
    request: { params: PlayerParam, query: LongPollQuery },
    responses: {
      200: jsonResponse(PageBody, 'Oldest first; empty at the deadline'),
      ...errors(400, 403, 409, 422, 503),
    },
  }),
  async (c) => {
    const reader = playerReader(c.get('user'), playerId(c, c.req.valid('param').player_uuid));
    const q = c.req.valid('query');
    const db = c.get('db');
    const scope = excludeBefore(reader);
    let after: number | undefined;
    if (q.exclude_before !== undefined) {
      try {
        after = decodeCursor(scope, q.exclude_before);
      } catch (error) {
        // Garbage is a 422; a cursor of another player or stream is "unknown": start over as asked.
        if (!isCursor(q.exclude_before)) throw error;
      }
    }
    after ??= q.offset_reset_strategy === 'earliest' ? 0 : await latestSequence(db, reader);

    const deadline = Date.now() + q.deadline * 1000;
    const held = await acquireListener(playerRoom(c.env, reader.projectId, reader.userId, reader.orgs), deadline);
    const start = after;
    // A streamed response: its body is the documented JSON, but not a TypedResponse.
    return heldJson(
      c,
      heartbeatMs(c.env),
      async (gone) => {
        const result = await longPoll(db, reader, held, { after: start, limit: q.max_page_size, deadline, signal: gone });
        return { notifications: result.items.map(encodeNotification), cursor: encodeCursor(scope, result.position) };
      },
      // Nothing was consumed: the client asks again from the same place.
      () => ({ notifications: [], cursor: encodeCursor(scope, start) }),
    ) as never;
  },
);
