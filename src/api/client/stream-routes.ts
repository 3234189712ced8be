import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { invalidParameter } from '../../core/errors';
import { acquireListener } from '../../core/long-poll';
import type { UserPrincipal } from '../../core/principal';
import { follow, openStream } from '../../core/stream';
import type { AppEnv } from '../../env';
import { requireStreamUser } from '../../http/auth';
import { eventStream } from '../../http/event-stream';
import { ListenerId } from '../../http/listener-id';
import { ACCEL_BUFFERING, emptyResponse, LAST_EVENT_ID, requestHeaders, UPGRADE, type Status } from '../../http/openapi';
import { refuseAsClose } from '../../http/socket-protocol';
import { webSocket } from '../../http/web-socket';
import { REPLACED_CLOSE } from '../../realtime/listener-protocol';
import { playerRoom } from '../../realtime/player-room';
import { keepAliveMs, listenerRecheckMs } from '../../realtime/settings';
import type { ClientDialect } from './dialect';
import { SSE_HEARTBEAT, sseFrame, sseRetry, streamReplaced, streamRound, streamStart } from './stream-wire';
import { inboxDb, relocator } from '../../http/inbox-db';

// The client API's push channels (seeds/000 "Best Practices": "Use WebSockets when possible"),
// README "Real-time: SSE and WebSocket". Registered before the polling routes, which would read
// `stream` and `ws` as notification ids.

const StreamQuery = z.object({
  // An empty cursor is not one of ours (400): documented, not checked here, so the 400 names it as today.
  since: z
    .string()
    .max(512)
    .optional()
    .openapi({ minLength: 1, description: 'Resume after this cursor (a message\'s `cursor`, or a page\'s `Stream-Cursor`).' }),
  access_token: z
    .string()
    .optional()
    .openapi({ description: 'The user token, where headers cannot be set (EventSource, browser WebSocket).' }),
  listener_id: ListenerId,
});

const security: Record<string, string[]>[] = [{ bearer: [] }, { accessToken: [] }];
const ORIGIN: Status = [403, '`ORIGIN_NOT_ALLOWED`: a page of an origin not in `CORS_ORIGINS`, refused before anything is counted. Do not retry.'];
const LISTENERS: Status = [409, '`TOO_MANY_LISTENERS`: you hold the most listeners allowed (4). Retry later, or reuse a lost connection\'s `listener_id`.'];

/**
 * Where the stream starts (after Last-Event-ID, EventSource's reconnect, newer than the URL; else
 * `since`; else now), and the listener slot, taken before anything is answered so that a refusal
 * (409/503) is a plain error response.
 */
async function start(c: Context<AppEnv>, user: UserPrincipal, query: { since?: string; listener_id?: string }) {
  const lastEventId = c.req.header('last-event-id');
  const since = query.since;
  const cursor = lastEventId !== undefined ? { parameter: 'Last-Event-ID', text: lastEventId } : since !== undefined ? { parameter: 'since', text: since } : undefined;
  const opened = await openStream(inboxDb(c, user), user, cursor);
  const held = await acquireListener(playerRoom(c.env, user.projectId, user.userId, user.orgs), query.listener_id);
  return { ...opened, held };
}

/**
 * How a stream waits: its safety re-read, and its keep-alive (realtime/settings.ts). A WebSocket's
 * client pings and a closed one is reported at once, so the server writes nothing to an idle socket.
 */
function pacing(c: Context<AppEnv>, transport: 'sse' | 'ws') {
  return { recheckMs: listenerRecheckMs(c.env), keepAliveMs: transport === 'sse' ? keepAliveMs(c.env) : Number.POSITIVE_INFINITY };
}

export function registerStreams({ app, errors, guard, tags }: ClientDialect) {
  const middleware = guard('stream', { auth: requireStreamUser });
  // A browser learns why an upgrade was refused only from a close code (http/socket-protocol.ts).
  const socketMiddleware = [refuseAsClose, ...middleware];

  // seeds/000 "Best Practices" push channel; README "Real-time: SSE and WebSocket": the event stream.
  app.openapi(
    createRoute({
      method: 'get',
      path: '/stream',
      operationId: 'clientOpenEventStream',
      summary: 'Follow the inbox as Server-Sent Events',
      description: `**Extends** Client polling API, section "Best Practices" ("Use WebSockets when possible"): ours, the push channel.

Server-Sent Events: first \`ready\` (or \`reset\`: refetch the list, then go on), then everything after the cursor, then live. \`event:\` is the message's \`type\`, \`id:\` its cursor, \`data:\` a \`ClientStreamMessage\`; \`replaced\` comes last when a newer connection took this \`listener_id\` (do not reconnect). A \`: heartbeat\` comment follows a minute of silence. Resume with \`since\` or \`Last-Event-ID\`. Holds one of your listener slots.`,
      tags,
      security,
      middleware,
      request: { query: StreamQuery },
      parameters: requestHeaders(LAST_EVENT_ID),
      responses: {
        200: {
          ...emptyResponse('The event stream (it stays open).', ACCEL_BUFFERING),
          content: {
            'text/event-stream': {
              schema: { type: 'string', description: 'Server-Sent Events; each `data:` is a `ClientStreamMessage`.' },
            },
          },
        },
        ...errors(
          [400, '`INVALID_PARAMETER`: `since`, `Last-Event-ID` or `listener_id` (another user\'s cursor, say).'],
          401,
          ORIGIN,
          405,
          LISTENERS,
          429,
          503,
        ),
      },
    }),
    async (c) => {
      const user = c.get('user');
      let db = inboxDb(c, user);
      const started = await start(c, user, c.req.valid('query'));
      return eventStream(c, async (write, gone, opened) => {
        await write(sseRetry() + sseFrame(streamStart(user, started.position, started.reset, db.$binding)));
        const end = await follow(db, user, started.held, started.position, {
          ...pacing(c, 'sse'),
          signal: gone,
          opened,
          send: (events, counts, position) => write(streamRound(user, events, counts, position, db.$binding).map(sseFrame).join('')),
          keepAlive: () => write(SSE_HEARTBEAT),
          relocate: relocator(c, user),
          restart: (position, moved) => write(sseFrame(streamStart(user, position, true, (db = moved).$binding))),
        });
        if (end.replaced) await write(sseFrame(streamReplaced(user, end.position, db.$binding)));
      }) as never;
    },
  );

  // seeds/000 "Best Practices" ("Use WebSockets when possible"); README "Real-time": the WebSocket, the
  // event stream's messages as JSON text, `ping` answered `pong`.
  app.openapi(
    createRoute({
      method: 'get',
      path: '/ws',
      operationId: 'clientOpenWebSocket',
      summary: 'Follow the inbox over a WebSocket',
      description: `**Extends** Client polling API, section "Best Practices" ("Use WebSockets when possible"): ours.

The event stream's messages as JSON text, from the same cursors. Send \`ping\` (get \`pong\`) every 60 s: idle connections are closed after 100 s. Close code 4000: replaced by a newer connection with this \`listener_id\` (do not reconnect). Browsers (which cannot set headers) offer the subprotocols \`edge-inbox\` and \`bearer.<token>\` (and \`bookmark.<X-D1-Bookmark>\`): the token stays out of URLs and logs, and the answer chooses \`edge-inbox\`. Refusals are HTTP answers before the upgrade; a request that offered \`edge-inbox\` gets them as a socket closed at once with code 4000 + the status (4400, 4401, 4403, 4409, 4429, 4503) and the reason \`{"code", "retry_after"?}\`, which a browser can read. Holds one of your listener slots.`,
      tags,
      security,
      middleware: socketMiddleware,
      request: { query: StreamQuery },
      parameters: requestHeaders(UPGRADE, LAST_EVENT_ID),
      responses: {
        101: { description: 'Switching to a WebSocket: `ClientStreamMessage`s as JSON text. A 101 has none of the other answers\' headers.' },
        ...errors(
          [400, '`INVALID_PARAMETER`: no `Upgrade: websocket`, or `since`, `Last-Event-ID` or `listener_id` (another user\'s cursor, say).'],
          401,
          ORIGIN,
          405,
          LISTENERS,
          429,
          503,
        ),
      },
    }),
    async (c) => {
      if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
        throw invalidParameter('Upgrade', 'This endpoint needs a WebSocket upgrade (Upgrade: websocket)');
      }
      const user = c.get('user');
      let db = inboxDb(c, user);
      const started = await start(c, user, c.req.valid('query'));
      return webSocket(c, async (send, gone, opened) => {
        send(JSON.stringify(streamStart(user, started.position, started.reset, db.$binding)));
        const end = await follow(db, user, started.held, started.position, {
          ...pacing(c, 'ws'),
          signal: gone,
          opened,
          send: async (events, counts, position) => streamRound(user, events, counts, position, db.$binding).forEach((message) => send(JSON.stringify(message))),
          keepAlive: async () => {},
          relocate: relocator(c, user),
          restart: async (position, moved) => send(JSON.stringify(streamStart(user, position, true, (db = moved).$binding))),
        });
        return end.replaced ? REPLACED_CLOSE : undefined;
      }) as never;
    },
  );
}
