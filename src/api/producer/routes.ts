import { createRoute } from '@hono/zod-openapi';
import { createApiKey, revokeApiKey } from '../../core/api-keys';
import { sendNotifications } from '../../core/copies';
import { sha256Hex } from '../../core/hash';
import { destroyNotification, getNotification, type Notification } from '../../core/notifications';
import { assertAdmin, assertProjectAccess, createProject, getProject, openProject, updateProject } from '../../core/projects';
import { requireApiKey } from '../../http/auth';
import { completeSoon } from '../../http/complete-copies';
import { createDialect } from '../../http/dialect';
import { BOOKMARK, bearerAuth, emptyResponse, IDEMPOTENT_REPLAYED, jsonRequest, jsonResponse, requestHeaders } from '../../http/openapi';
import { writeOptions } from '../../http/write-options';
import { TAGS } from '../tags';
import { registerListeners } from './listener-routes';
import { registerShards } from './shard-routes';
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
  UpdateProjectBody,
} from './wire';

/** What each status means in this API (our own codes, in `error.code`). */
const NOTES: Record<number, string> = {
  400: '`invalid_parameter`; `error.parameter` names it.',
  401: '`unauthenticated`: no key, or an unknown or revoked one.',
  403: '`forbidden`: another project\'s key, or what only the admin key may do.',
  404: '`not_found`.',
  405: '`method_not_allowed`.',
  409: '`conflict`: the project exists.',
  413: '`payload_too_large`.',
  422: '`idempotency_mismatch`: this `Idempotency-Key` was used with another body.',
  429: '`rate_limited`.',
};

const OURS = 'Producer API (our own; no outside document)';

/** DESIGN.md "Shared contracts": the producer/admin API, our own. */
export function producerApi() {
  const dialect = createDialect({
    base: '/v1',
    render: renderProducerError,
    errorSchema: ErrorBody,
    auth: requireApiKey,
    tag: TAGS.producer,
    notes: NOTES,
  });
  const { app, errors, guard, tags } = dialect;
  const security = bearerAuth;
  const parameters = requestHeaders();

  // DESIGN.md "Shared contracts": POST /v1/projects (admin key only)
  app.openapi(
    createRoute({
      method: 'post',
      path: '/projects',
      operationId: 'producerCreateProject',
      summary: 'Create a project (admin key only)',
      description: `**Implements** ${OURS}: projects.\n\nA project is a tenant. Ids: 1-63 of \`a-z0-9_-\`, starting with a letter or digit. Admin key only.`,
      tags,
      security,
      middleware: guard('write'),
      request: { body: jsonRequest(CreateProjectBody) },
      parameters,
      responses: { 201: jsonResponse(ProjectBody, 'Created', BOOKMARK), ...errors(400, 401, 403, 405, 409, 413, 429) },
    }),
    async (c) => {
      assertAdmin(c.get('principal'));
      const { id, name, push } = c.req.valid('json');
      return c.json(encodeProject(await createProject(c.get('db'), id, name, push)), 201);
    },
  );

  // Ours, beside "Shared contracts": PATCH /v1/projects/{id} (its name, and whether it pushes by default: issue 27)
  app.openapi(
    createRoute({
      method: 'patch',
      path: '/projects/{id}',
      operationId: 'producerUpdateProject',
      summary: 'Change a project',
      description: `**Implements** ${OURS}: projects.\n\nIts \`name\`, and \`push\`: whether its notifications are pushed to subscribed browsers when their producer does not say. Fields left out stay as they are; others are refused.`,
      tags,
      security,
      middleware: guard('write'),
      request: { params: ProjectIdParam, body: jsonRequest(UpdateProjectBody) },
      parameters,
      responses: { 200: jsonResponse(ProjectBody, 'The project as it is now', BOOKMARK), ...errors(400, 401, 403, 404, 405, 413, 429) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      assertProjectAccess(c.get('principal'), id);
      return c.json(encodeProject(await updateProject(c.get('db'), id, c.req.valid('json'))), 200);
    },
  );

  // DESIGN.md "Shared contracts": GET /v1/projects/{id}
  app.openapi(
    createRoute({
      method: 'get',
      path: '/projects/{id}',
      operationId: 'producerGetProject',
      summary: 'Get a project',
      description: `**Implements** ${OURS}: projects.\n\nThe admin key reads any project, a project key its own (another: 403, existing or not).`,
      tags,
      security,
      middleware: guard('poll'),
      request: { params: ProjectIdParam },
      parameters,
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
      operationId: 'producerCreateKey',
      summary: 'Create a project API key',
      description: `**Implements** ${OURS}: keys.\n\nThe key (\`ik_...\`) is shown once; only its SHA-256 is stored. It reaches its own project only.`,
      tags,
      security,
      middleware: guard('write'),
      request: { params: ProjectParam, body: jsonRequest(CreateKeyBody) },
      parameters,
      responses: { 201: jsonResponse(KeyBody, 'Created: the key, shown once', BOOKMARK), ...errors(400, 401, 403, 404, 405, 413, 429) },
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
      operationId: 'producerRevokeKey',
      summary: 'Revoke a project API key',
      description: `**Implements** ${OURS}: keys.\n\nRefused (401) from the next request on. Revoking twice is fine; unknown: 404.`,
      tags,
      security,
      middleware: guard('write'),
      request: { params: KeyParam },
      parameters,
      responses: { 204: emptyResponse('Revoked', BOOKMARK), ...errors(400, 401, 403, 404, 405, 413, 429) },
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
      operationId: 'producerCreateNotifications',
      summary: 'Send a notification',
      description: `**Implements** ${OURS}: notifications.\n\nOne notification per entry of \`to\` (1-100 users, organisations or everyone), stored all or none; one to an organisation or everyone is stored once. Every API shows it and its recipients' listeners wake at once; their subscribed browsers get a push (unless \`push\` is false, or the project's default is off). It leaves every inbox at \`expires_at\`. Unknown fields in a recipient are refused.`,
      tags,
      security,
      middleware: guard('write'),
      request: { params: ProjectParam, headers: IdempotencyHeader, body: jsonRequest(CreateNotificationsBody) },
      parameters,
      responses: {
        201: jsonResponse(CreatedNotifications, 'Created, one per recipient (or the stored answer to an earlier request with this Idempotency-Key)', {
          ...BOOKMARK,
          ...IDEMPOTENT_REPLAYED,
        }),
        ...errors(400, 401, 403, 404, 405, 413, 422, 429),
      },
    }),
    async (c) => {
      const { project } = c.req.valid('param');
      const db = c.get('db');
      await openProject(db, c.get('principal'), project);
      const input = c.req.valid('json');
      const key = c.req.valid('header')['idempotency-key'];
      const respond = (created: Omit<Notification, 'seq'>[]) => ({ status: 201, body: { notifications: created.map(encodeNotification) } });
      const { created, replay, incomplete } = await sendNotifications(
        c.get('stores'),
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
          push: input.push,
        })),
        {
          idempotency: key === undefined ? undefined : { key, requestHash: await sha256Hex(JSON.stringify(input)), respond },
          ...writeOptions(c),
        },
      );
      // Copies a database refused are written by the scheduled handler; one more try while this Worker is still here.
      if (incomplete) c.executionCtx.waitUntil(completeSoon(c, incomplete));
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
      operationId: 'producerGetNotification',
      summary: 'Get a notification',
      description: `**Implements** ${OURS}: notifications.\n\nAs it was sent (recipients and fields), without anyone's state.`,
      tags,
      security,
      middleware: guard('poll'),
      request: { params: NotificationParam },
      parameters,
      responses: {
        200: jsonResponse(ProducerNotification, 'The notification'),
        ...errors(400, 401, 403, 404, 405, 429),
      },
    }),
    async (c) => {
      const { project, id } = c.req.valid('param');
      assertProjectAccess(c.get('principal'), project);
      return c.json(encodeNotification(await getNotification(c.get('stores'), project, id)), 200);
    },
  );

  // DESIGN.md "Shared contracts": DELETE /v1/projects/{project}/notifications/{id} (gone from every inbox)
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/projects/{project}/notifications/{id}',
      operationId: 'producerDeleteNotification',
      summary: 'Delete a notification',
      description: `**Implements** ${OURS}: notifications.\n\nGone from every inbox for good, with everyone's state of it.`,
      tags,
      security,
      middleware: guard('write'),
      request: { params: NotificationParam },
      parameters,
      responses: { 204: emptyResponse('Deleted', BOOKMARK), ...errors(400, 401, 403, 404, 405, 413, 429) },
    }),
    async (c) => {
      const { project, id } = c.req.valid('param');
      assertProjectAccess(c.get('principal'), project);
      await destroyNotification(c.get('stores'), project, id, undefined, writeOptions(c));
      return c.body(null, 204);
    },
  );

  registerListeners(dialect, OURS);
  registerShards(dialect, OURS);

  return app;
}
