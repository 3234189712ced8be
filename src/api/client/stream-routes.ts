import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { invalidParameter } from '../../core/errors';
import { acquireListener } from '../../core/long-poll';
import type { UserPrincipal } from '../../core/principal';
import { follow, openStream, streamLeaseMs } from '../../core/stream';
import type { AppEnv } from '../../env';
import { requireStreamUser } from '../../http/auth';
import { eventStream } from '../../http/event-stream';
import { ListenerId } from '../../http/listener-id';
import { handOverSocket, playerRoom } from '../../realtime/player-room';
import { streamHeartbeatMs, keepAliveMs } from '../../realtime/settings';
import type { ClientDialect } from './dialect';
import { SSE_HEARTBEAT, sseFrame, sseRetry, streamMessage, streamReplaced, streamStart } from './stream-wire';

// The client API's push channels (seeds/000 "Best Practices": "Use WebSockets when possible"),
// README "Real-time: SSE and WebSocket". Registered before the polling routes, which would read
// `stream` and `ws` as notification ids.

const StreamQuery = z.object({
  since: z.string().max(512).optional().openapi({ description: 'Resume after this event cursor (an event’s `id` / `cursor`).' }),
  access_token: z.string().optional().openapi({ description: 'The user token, for clients that cannot set headers.' }),
  listener_id: ListenerId,
});

const security: Record<string, string[]>[] = [{ bearer: [] }, { accessToken: [] }];

/** Where the stream starts: after Last-Event-ID (EventSource's reconnect, newer than the URL), else `since`, else now. */
async function start(c: Context<AppEnv>, user: UserPrincipal, since: string | undefined) {
  const lastEventId = c.req.header('last-event-id');
  const cursor = lastEventId !== undefined ? { parameter: 'Last-Event-ID', text: lastEventId } : since !== undefined ? { parameter: 'since', text: since } : undefined;
  return openStream(c.get('db'), user, cursor);
}

export function registerStreams({ app, errors, guard }: ClientDialect) {
  const middleware = guard('stream', { auth: requireStreamUser });

  // seeds/000 "Best Practices" push channel; README "Real-time: SSE and WebSocket": the event stream.
  app.openapi(
    createRoute({
      method: 'get',
      path: '/stream',
      security,
      middleware,
      request: { query: StreamQuery },
      responses: {
        200: { description: 'An event stream', content: { 'text/event-stream': { schema: z.string() } } },
        ...errors(400, 401, 403, 405, 409, 429, 503),
      },
    }),
    async (c) => {
      const user = c.get('user');
      const db = c.get('db');
      const query = c.req.valid('query');
      const opened = await start(c, user, query.since);
      const renewMs = streamHeartbeatMs(c.env);
      // The slot first, so that a refusal (409/503) is a plain error response.
      const room = playerRoom(c.env, user.projectId, user.userId, user.orgs);
      const held = await acquireListener(room, Date.now() + streamLeaseMs(renewMs), query.listener_id);
      return eventStream(c, async (write, gone) => {
        await write(sseRetry() + sseFrame(streamStart(user, opened.position, opened.reset)));
        const end = await follow(db, user, held, opened.position, {
          renewMs,
          keepAliveMs: keepAliveMs(c.env),
          signal: gone,
          send: (events) => write(events.map((event) => sseFrame(streamMessage(user, event))).join('')),
          keepAlive: () => write(SSE_HEARTBEAT),
        });
        if (end.replaced) await write(sseFrame(streamReplaced(user, end.position)));
      }) as never;
    },
  );

  // seeds/000 "Best Practices" ("Use WebSockets when possible"); README "Real-time": the WebSocket, held by
  // the player's object; the same messages as JSON text, `ping` answered `pong`.
  app.openapi(
    createRoute({
      method: 'get',
      path: '/ws',
      security,
      middleware,
      request: { query: StreamQuery },
      responses: { 101: { description: 'Switching to a WebSocket' }, ...errors(400, 401, 403, 405, 409, 429, 503) },
    }),
    async (c) => {
      if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') {
        throw invalidParameter('Upgrade', 'This endpoint needs a WebSocket upgrade (Upgrade: websocket)');
      }
      const user = c.get('user');
      const query = c.req.valid('query');
      const opened = await start(c, user, query.since);
      return (await handOverSocket(c.env, {
        projectId: user.projectId,
        holder: { userId: user.userId, orgs: user.orgs },
        name: query.listener_id,
        position: opened.position,
        greeting: JSON.stringify(streamStart(user, opened.position, opened.reset)),
      })) as never;
    },
  );
}
