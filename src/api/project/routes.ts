import { createRoute, type z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { audienceKey } from '../../core/audience';
import { createNotifications } from '../../core/create';
import { destroyNotification } from '../../core/notifications';
import { archiveForOperator, listForOperator, showForOperator } from '../../core/operator-view';
import { openProject } from '../../core/projects';
import type { AppEnv } from '../../env';
import { requireApiKey } from '../../http/auth';
import { createDialect } from '../../http/dialect';
import { bearerAuth, jsonRequest, jsonResponse } from '../../http/openapi';
import { writeOptions } from '../../http/write-options';
import {
  Archived,
  CreateBody,
  Deleted,
  encodeNotification,
  ErrorBody,
  ItemParam,
  ListQuery,
  Paginated,
  ProjectNotification,
  ProjectParam,
  renderProjectError,
  UserItemParam,
  UserParam,
} from './wire';

const security = bearerAuth;

function project(c: Context<AppEnv>, projectId: string): Promise<string> {
  return openProject(c.get('db'), c.get('principal'), projectId);
}

/** One cursor page, with links.next a full URL that keeps per_page and order. */
async function page(c: Context<AppEnv>, projectId: string, q: z.infer<typeof ListQuery>, userId?: string) {
  const { items, next } = await listForOperator(c.get('db'), projectId, { order: q.order, limit: q.per_page, cursor: q.cursor, userId });
  const url = new URL(c.req.url);
  const path = `${url.origin}${url.pathname}`;
  const link = next === null ? null : `${path}?${new URLSearchParams({ per_page: String(q.per_page), order: q.order, cursor: next })}`;
  return c.json({ data: items.map(encodeNotification), links: { first: null, last: null, prev: null, next: link }, meta: { path, per_page: q.per_page } }, 200);
}

function destroyOne(c: Context<AppEnv>, projectId: string, id: string, userId?: string) {
  const audience = userId === undefined ? undefined : audienceKey({ kind: 'user', id: userId });
  return destroyNotification(c.get('db'), projectId, id, audience, writeOptions(c));
}

/** seeds/003 and reference/project-api.md: the operator's project-wide and user-wide API. */
export function projectApi() {
  const { app, errors, guard } = createDialect({ base: '/api/v1/project', render: renderProjectError, errorSchema: ErrorBody, auth: requireApiKey });

  // seeds/003 "List notifications paginated"
  app.openapi(
    createRoute({ method: 'get', path: '/{project_id}/notifications', security, middleware: guard('poll'), request: { params: ProjectParam, query: ListQuery }, responses: { 200: jsonResponse(Paginated), ...errors(401, 403, 404, 405, 422, 429) } }),
    async (c) => page(c, await project(c, c.req.valid('param').project_id), c.req.valid('query')),
  );

  // seeds/003 "Show notification"
  app.openapi(
    createRoute({ method: 'get', path: '/{project_id}/notification/{id}', security, middleware: guard('poll'), request: { params: ItemParam }, responses: { 200: jsonResponse(ProjectNotification), ...errors(401, 403, 404, 405, 429) } }),
    async (c) => {
      const { project_id, id } = c.req.valid('param');
      return c.json(encodeNotification(await showForOperator(c.get('db'), await project(c, project_id), id)), 200);
    },
  );

  // seeds/003 "Archive notification"
  app.openapi(
    createRoute({ method: 'put', path: '/{project_id}/notification/{id}/archive', security, middleware: guard('write'), request: { params: ItemParam }, responses: { 200: jsonResponse(Archived), ...errors(401, 403, 404, 405, 429) } }),
    async (c) => {
      const { project_id, id } = c.req.valid('param');
      const item = await archiveForOperator(c.get('db'), await project(c, project_id), id, undefined, writeOptions(c));
      return c.json({ message: 'Notification archived.', data: encodeNotification(item) }, 200);
    },
  );

  // seeds/003 "Destroy notification"
  app.openapi(
    createRoute({ method: 'delete', path: '/{project_id}/notification/{id}', security, middleware: guard('write'), request: { params: ItemParam }, responses: { 200: jsonResponse(Deleted), ...errors(401, 403, 404, 405, 429) } }),
    async (c) => {
      const { project_id, id } = c.req.valid('param');
      await destroyOne(c, await project(c, project_id), id);
      return c.json({ message: 'Notification deleted.' }, 200);
    },
  );

  // reference/project-api.md User-wide: list one user's notifications
  app.openapi(
    createRoute({ method: 'get', path: '/{project_id}/user/{user_id}/notifications', security, middleware: guard('poll'), request: { params: UserParam, query: ListQuery }, responses: { 200: jsonResponse(Paginated), ...errors(401, 403, 404, 405, 422, 429) } }),
    async (c) => {
      const { project_id, user_id } = c.req.valid('param');
      return page(c, await project(c, project_id), c.req.valid('query'), user_id);
    },
  );

  // reference/project-api.md User-wide: create for one user
  app.openapi(
    createRoute({
      method: 'post',
      path: '/{project_id}/user/{user_id}/notifications',
      security,
      middleware: guard('write'),
      request: { params: UserParam, body: jsonRequest(CreateBody) },
      responses: { 201: jsonResponse(ProjectNotification, 'Created'), ...errors(401, 403, 404, 405, 422, 429) },
    }),
    async (c) => {
      const { project_id, user_id } = c.req.valid('param');
      const projectId = await project(c, project_id);
      const input = c.req.valid('json');
      const db = c.get('db');
      const { created } = await createNotifications(
        db,
        projectId,
        [{ audience: { kind: 'user', id: user_id }, title: input.title, body: input.body, icon: input.icon, category: input.category, actionUrl: input.action_url }],
        writeOptions(c),
      );
      return c.json(encodeNotification(await showForOperator(db, projectId, created[0]!.id)), 201);
    },
  );

  // reference/project-api.md User-wide: show one user's notification
  app.openapi(
    createRoute({ method: 'get', path: '/{project_id}/user/{user_id}/notification/{id}', security, middleware: guard('poll'), request: { params: UserItemParam }, responses: { 200: jsonResponse(ProjectNotification), ...errors(401, 403, 404, 405, 429) } }),
    async (c) => {
      const { project_id, user_id, id } = c.req.valid('param');
      return c.json(encodeNotification(await showForOperator(c.get('db'), await project(c, project_id), id, user_id)), 200);
    },
  );

  // reference/project-api.md User-wide: archive one user's notification
  app.openapi(
    createRoute({ method: 'put', path: '/{project_id}/user/{user_id}/notification/{id}/archive', security, middleware: guard('write'), request: { params: UserItemParam }, responses: { 200: jsonResponse(Archived), ...errors(401, 403, 404, 405, 429) } }),
    async (c) => {
      const { project_id, user_id, id } = c.req.valid('param');
      const item = await archiveForOperator(c.get('db'), await project(c, project_id), id, user_id, writeOptions(c));
      return c.json({ message: 'Notification archived.', data: encodeNotification(item) }, 200);
    },
  );

  // reference/project-api.md User-wide: destroy one user's notification
  app.openapi(
    createRoute({ method: 'delete', path: '/{project_id}/user/{user_id}/notification/{id}', security, middleware: guard('write'), request: { params: UserItemParam }, responses: { 200: jsonResponse(Deleted), ...errors(401, 403, 404, 405, 429) } }),
    async (c) => {
      const { project_id, user_id, id } = c.req.valid('param');
      await destroyOne(c, await project(c, project_id), id, user_id);
      return c.json({ message: 'Notification deleted.' }, 200);
    },
  );

  return app;
}
