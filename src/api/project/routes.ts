import { createRoute, OpenAPIHono, type z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { audienceKey } from '../../core/audience';
import { createNotifications } from '../../core/create';
import { decodeCursor, encodeCursor, type CursorScope } from '../../core/cursor';
import { destroyNotification } from '../../core/notifications';
import { archiveForOperator, listForOperator, showForOperator } from '../../core/operator-view';
import { assertProjectAccess, getProject } from '../../core/projects';
import type { AppEnv } from '../../env';
import { dialectErrors } from '../../http/errors';
import { bearerAuth, errorResponses, jsonRequest, jsonResponse } from '../../http/openapi';
import { limitBody, rateLimit } from '../../http/guards';
import { requireApiKey } from '../../http/middleware';
import { validationHook } from '../../http/validation';
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

export const projectApi = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
projectApi.onError(dialectErrors(renderProjectError));
projectApi.use('*', limitBody, requireApiKey, rateLimit);

const security = bearerAuth;
const errors = (...statuses: number[]) => errorResponses(ErrorBody, statuses);

/** The key may use this project (checked first: a project key never learns whether others exist), and it exists. */
async function project(c: Context<AppEnv>, projectId: string): Promise<string> {
  assertProjectAccess(c.get('principal'), projectId);
  await getProject(c.get('db'), projectId);
  return projectId;
}

/** One cursor page, with links.next a full URL that keeps per_page and order. */
async function page(c: Context<AppEnv>, projectId: string, q: z.infer<typeof ListQuery>, userId?: string) {
  const scope: CursorScope = { parameter: 'cursor', parts: ['003', projectId, userId ?? null, q.order] };
  const after = q.cursor === undefined ? undefined : decodeCursor(scope, q.cursor);
  const { items, hasMore } = await listForOperator(c.get('db'), projectId, { order: q.order, limit: q.per_page, after, userId });
  const url = new URL(c.req.url);
  const path = `${url.origin}${url.pathname}`;
  const last = items.at(-1);
  const next =
    hasMore && last
      ? `${path}?${new URLSearchParams({ per_page: String(q.per_page), order: q.order, cursor: encodeCursor(scope, last.seq) })}`
      : null;
  return c.json({ data: items.map(encodeNotification), links: { first: null, last: null, prev: null, next }, meta: { path, per_page: q.per_page } }, 200);
}

// seeds/003 "List notifications paginated"
projectApi.openapi(
  createRoute({ method: 'get', path: '/{project_id}/notifications', security, request: { params: ProjectParam, query: ListQuery }, responses: { 200: jsonResponse(Paginated), ...errors(401, 403, 404, 422) } }),
  async (c) => page(c, await project(c, c.req.valid('param').project_id), c.req.valid('query')),
);

// seeds/003 "Show notification"
projectApi.openapi(
  createRoute({ method: 'get', path: '/{project_id}/notification/{id}', security, request: { params: ItemParam }, responses: { 200: jsonResponse(ProjectNotification), ...errors(401, 403, 404) } }),
  async (c) => {
    const { project_id, id } = c.req.valid('param');
    return c.json(encodeNotification(await showForOperator(c.get('db'), await project(c, project_id), id)), 200);
  },
);

// seeds/003 "Archive notification"
projectApi.openapi(
  createRoute({ method: 'put', path: '/{project_id}/notification/{id}/archive', security, request: { params: ItemParam }, responses: { 200: jsonResponse(Archived), ...errors(401, 403, 404) } }),
  async (c) => {
    const { project_id, id } = c.req.valid('param');
    const item = await archiveForOperator(c.get('db'), await project(c, project_id), id, undefined, { publisher: c.get('publisher') });
    return c.json({ message: 'Notification archived.', data: encodeNotification(item) }, 200);
  },
);

// seeds/003 "Destroy notification"
projectApi.openapi(
  createRoute({ method: 'delete', path: '/{project_id}/notification/{id}', security, request: { params: ItemParam }, responses: { 200: jsonResponse(Deleted), ...errors(401, 403, 404) } }),
  async (c) => {
    const { project_id, id } = c.req.valid('param');
    await destroyOne(c, await project(c, project_id), id);
    return c.json({ message: 'Notification deleted.' }, 200);
  },
);

// reference/project-api.md User-wide: list one user's notifications
projectApi.openapi(
  createRoute({ method: 'get', path: '/{project_id}/user/{user_id}/notifications', security, request: { params: UserParam, query: ListQuery }, responses: { 200: jsonResponse(Paginated), ...errors(401, 403, 404, 422) } }),
  async (c) => {
    const { project_id, user_id } = c.req.valid('param');
    return page(c, await project(c, project_id), c.req.valid('query'), user_id);
  },
);

// reference/project-api.md User-wide: create for one user
projectApi.openapi(
  createRoute({
    method: 'post',
    path: '/{project_id}/user/{user_id}/notifications',
    security,
    request: { params: UserParam, body: jsonRequest(CreateBody) },
    responses: { 201: jsonResponse(ProjectNotification, 'Created'), ...errors(401, 403, 404, 422) },
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
      { publisher: c.get('publisher') },
    );
    return c.json(encodeNotification(await showForOperator(db, projectId, created[0]!.id)), 201);
  },
);

// reference/project-api.md User-wide: show / archive / destroy one user's notification
projectApi.openapi(
  createRoute({ method: 'get', path: '/{project_id}/user/{user_id}/notification/{id}', security, request: { params: UserItemParam }, responses: { 200: jsonResponse(ProjectNotification), ...errors(401, 403, 404) } }),
  async (c) => {
    const { project_id, user_id, id } = c.req.valid('param');
    return c.json(encodeNotification(await showForOperator(c.get('db'), await project(c, project_id), id, user_id)), 200);
  },
);

projectApi.openapi(
  createRoute({ method: 'put', path: '/{project_id}/user/{user_id}/notification/{id}/archive', security, request: { params: UserItemParam }, responses: { 200: jsonResponse(Archived), ...errors(401, 403, 404) } }),
  async (c) => {
    const { project_id, user_id, id } = c.req.valid('param');
    const item = await archiveForOperator(c.get('db'), await project(c, project_id), id, user_id, { publisher: c.get('publisher') });
    return c.json({ message: 'Notification archived.', data: encodeNotification(item) }, 200);
  },
);

projectApi.openapi(
  createRoute({ method: 'delete', path: '/{project_id}/user/{user_id}/notification/{id}', security, request: { params: UserItemParam }, responses: { 200: jsonResponse(Deleted), ...errors(401, 403, 404) } }),
  async (c) => {
    const { project_id, user_id, id } = c.req.valid('param');
    await destroyOne(c, await project(c, project_id), id, user_id);
    return c.json({ message: 'Notification deleted.' }, 200);
  },
);

function destroyOne(c: Context<AppEnv>, projectId: string, id: string, userId?: string) {
  const audience = userId === undefined ? undefined : audienceKey({ kind: 'user', id: userId });
  return destroyNotification(c.get('db'), projectId, id, audience, { publisher: c.get('publisher') });
}
