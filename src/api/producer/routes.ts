import { createRoute } from '@hono/zod-openapi';
import { createApiKey, revokeApiKey } from '../../core/api-keys';
import { createNotifications } from '../../core/create';
import { sha256Hex } from '../../core/hash';
import { destroyNotification, getNotification, type Notification } from '../../core/notifications';
import { assertAdmin, assertProjectAccess, createProject, getProject, openProject } from '../../core/projects';
import { requireApiKey } from '../../http/auth';
import { createDialect } from '../../http/dialect';
import { bearerAuth, jsonRequest, jsonResponse } from '../../http/openapi';
import { writeOptions } from '../../http/write-options';
import {
  CreatedNotifications,
  CreateKeyBody,
  CreateNotificationsBody,
  CreateProjectBody,
  encodeNotification,
  encodeProject,
  ErrorBody,
  IdempotencyHeader,
  KeyBody,
  KeyParam,
  NotificationParam,
  ProducerNotification,
  ProjectBody,
  ProjectIdParam,
  ProjectParam,
  renderProducerError,
  toAudience,
} from './wire';

/** DESIGN.md "Shared contracts": the producer/admin API, our own. */
export function producerApi() {
  const { app, errors, guard } = createDialect({ base: '/v1', render: renderProducerError, errorSchema: ErrorBody, auth: requireApiKey });
  const security = bearerAuth;

  // DESIGN.md "Shared contracts": POST /v1/projects (admin key only)
  app.openapi(
    createRoute({
      method: 'post',
      path: '/projects',
      security,
      middleware: guard('write'),
      request: { body: jsonRequest(CreateProjectBody) },
      responses: { 201: jsonResponse(ProjectBody, 'Created'), ...errors(400, 401, 403, 409, 405, 429) },
    }),
    async (c) => {
      assertAdmin(c.get('principal'));
      const { id, name } = c.req.valid('json');
      return c.json(encodeProject(await createProject(c.get('db'), id, name)), 201);
    },
  );

  // DESIGN.md "Shared contracts": GET /v1/projects/{id}
  app.openapi(
    createRoute({
      method: 'get',
      path: '/projects/{id}',
      security,
      middleware: guard('poll'),
      request: { params: ProjectIdParam },
      responses: { 200: jsonResponse(ProjectBody, 'The project'), ...errors(400, 401, 403, 404, 405, 429) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      assertProjectAccess(c.get('principal'), id);
      return c.json(encodeProject(await getProject(c.get('db'), id)), 200);
    },
  );

  // DESIGN.md "Shared contracts": POST /v1/projects/{project}/keys (the key is shown once)
  app.openapi(
    createRoute({
      method: 'post',
      path: '/projects/{project}/keys',
      security,
      middleware: guard('write'),
      request: { params: ProjectParam, body: jsonRequest(CreateKeyBody) },
      responses: { 201: jsonResponse(KeyBody, 'Created'), ...errors(400, 401, 403, 404, 405, 429) },
    }),
    async (c) => {
      const { project } = c.req.valid('param');
      const db = c.get('db');
      await openProject(db, c.get('principal'), project);
      const key = await createApiKey(db, project, c.req.valid('json').name);
      return c.json({ ...key, created_at: new Date(key.created_at).toISOString() }, 201);
    },
  );

  // Ours, beside "Shared contracts": DELETE /v1/projects/{project}/keys/{id} revokes a key
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/projects/{project}/keys/{id}',
      security,
      middleware: guard('write'),
      request: { params: KeyParam },
      responses: { 204: { description: 'Revoked' }, ...errors(400, 401, 403, 404, 405, 429) },
    }),
    async (c) => {
      const { project, id } = c.req.valid('param');
      assertProjectAccess(c.get('principal'), project);
      await revokeApiKey(c.get('db'), project, id);
      return c.body(null, 204);
    },
  );

  // DESIGN.md "Shared contracts": POST /v1/projects/{project}/notifications (Idempotency-Key honoured for 24 h)
  app.openapi(
    createRoute({
      method: 'post',
      path: '/projects/{project}/notifications',
      security,
      middleware: guard('write'),
      request: { params: ProjectParam, headers: IdempotencyHeader, body: jsonRequest(CreateNotificationsBody) },
      responses: {
        201: jsonResponse(CreatedNotifications, 'Created, one per recipient'),
        ...errors(400, 401, 403, 404, 422, 405, 429),
      },
    }),
    async (c) => {
      const { project } = c.req.valid('param');
      const db = c.get('db');
      await openProject(db, c.get('principal'), project);
      const input = c.req.valid('json');
      const key = c.req.valid('header')['idempotency-key'];
      const respond = (created: Omit<Notification, 'seq'>[]) => ({ status: 201, body: { notifications: created.map(encodeNotification) } });
      const { created, replay } = await createNotifications(
        db,
        project,
        input.to.map((recipient) => ({
          audience: toAudience(recipient),
          title: input.title,
          body: input.body,
          category: input.category,
          priority: input.priority,
          icon: input.icon,
          actionUrl: input.action_url,
          serviceId: input.service_id,
          originProject: input.origin_project,
          customData: input.custom_data,
          expiresAt: input.expires_at === undefined ? undefined : Date.parse(input.expires_at),
        })),
        {
          idempotency: key === undefined ? undefined : { key, requestHash: await sha256Hex(JSON.stringify(input)), respond },
          ...writeOptions(c),
        },
      );
      if (!replay) return c.json(respond(created).body, 201);
      c.header('Idempotent-Replayed', 'true');
      return c.json(replay.body as ReturnType<typeof respond>['body'], 201);
    },
  );

  // DESIGN.md "Shared contracts": GET /v1/projects/{project}/notifications/{id}
  app.openapi(
    createRoute({
      method: 'get',
      path: '/projects/{project}/notifications/{id}',
      security,
      middleware: guard('poll'),
      request: { params: NotificationParam },
      responses: {
        200: jsonResponse(ProducerNotification, 'The notification'),
        ...errors(400, 401, 403, 404, 405, 429),
      },
    }),
    async (c) => {
      const { project, id } = c.req.valid('param');
      assertProjectAccess(c.get('principal'), project);
      return c.json(encodeNotification(await getNotification(c.get('db'), project, id)), 200);
    },
  );

  // DESIGN.md "Shared contracts": DELETE /v1/projects/{project}/notifications/{id} (gone from every inbox)
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/projects/{project}/notifications/{id}',
      security,
      middleware: guard('write'),
      request: { params: NotificationParam },
      responses: { 204: { description: 'Deleted' }, ...errors(400, 401, 403, 404, 405, 429) },
    }),
    async (c) => {
      const { project, id } = c.req.valid('param');
      assertProjectAccess(c.get('principal'), project);
      await destroyNotification(c.get('db'), project, id, undefined, writeOptions(c));
      return c.body(null, 204);
    },
  );

  return app;
}
