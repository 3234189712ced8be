import { createRoute } from '@hono/zod-openapi';
import { openProject } from '../../core/projects';
import type { createDialect } from '../../http/dialect';
import { bearerAuth, jsonResponse, requestHeaders } from '../../http/openapi';
import { listenerActivity } from '../../realtime/player-room';
import { UserListeners, UserListenersParam } from './wire';

/** What this user's listeners cost: the operator's view of README "Real-time: what waiting costs". */
export function registerListeners({ app, errors, guard, tags }: ReturnType<typeof createDialect>, ours: string) {
  // Ours: GET /v1/projects/{project}/users/{user}/listeners
  app.openapi(
    createRoute({
      method: 'get',
      path: '/projects/{project}/users/{user}/listeners',
      operationId: 'producerGetUserListeners',
      summary: 'What a user is listening with, and what it costs',
      description: `**Implements** ${ours}: listeners.\n\nHow many listeners (long polls, event streams, WebSockets) the user holds now, and the account their Durable Object keeps of its own billable time: it stands still while their listeners wait and moves around deliveries. Asks the object (one Durable Object request, which the account leaves out).`,
      tags,
      security: bearerAuth,
      middleware: guard('poll'),
      request: { params: UserListenersParam },
      parameters: requestHeaders(),
      responses: { 200: jsonResponse(UserListeners, 'The user’s listeners and their object’s account'), ...errors(400, 401, 403, 404, 405, 429) },
    }),
    async (c) => {
      const { project, user } = c.req.valid('param');
      await openProject(c.get('db'), c.get('principal'), project);
      const { listeners, account } = await listenerActivity(c.env, project, user);
      return c.json(
        {
          user,
          listeners,
          object: {
            started_at: new Date(account.startedAt).toISOString(),
            busy_ms: account.busyMs,
            requests: account.requests,
            socket_events: account.socketEvents,
          },
        },
        200,
      );
    },
  );
}
