import { createRoute, type z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { sendNotifications } from '../../core/copies';
import { completeSoon } from '../../http/complete-copies';
import { destroyNotification } from '../../core/notifications';
import { archiveForOperator, listForOperator, showForOperator } from '../../core/operator-view';
import { openProject } from '../../core/projects';
import type { AppEnv } from '../../env';
import { requireApiKey } from '../../http/auth';
import { createDialect } from '../../http/dialect';
import { BOOKMARK, bearerAuth, jsonRequest, jsonResponse, requestHeaders } from '../../http/openapi';
import { writeOptions } from '../../http/write-options';
import { TAGS } from '../tags';
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
  const { items, next } = await listForOperator(c.get('stores'), projectId, { order: q.order, limit: q.per_page, cursor: q.cursor, userId });
  const url = new URL(c.req.url);
  const path = `${url.origin}${url.pathname}`;
  const link = next === null ? null : `${path}?${new URLSearchParams({ per_page: String(q.per_page), order: q.order, cursor: next })}`;
  return c.json({ data: items.map(encodeNotification), links: { first: null, last: null, prev: null, next: link }, meta: { path, per_page: q.per_page } }, 200);
}

function destroyOne(c: Context<AppEnv>, projectId: string, id: string, userId?: string) {
  return destroyNotification(c.get('stores'), projectId, id, userId, writeOptions(c));
}

/** What each status means in this API (reference/project-api.md "Statuses", in its bodies). */
const NOTES: Record<number, string> = {
  401: '`Unauthenticated.`: no key, or an unknown or revoked one.',
  403: '`This action is unauthorized.`: a project key on another project.',
  404: '`Project not found.` or `Notification not found.`',
  405: 'Method not allowed.',
  413: 'Payload too large.',
  422: 'Validation failed: `errors` lists every problem by field.',
  429: '`Too Many Attempts.`',
};

const PAGES = '`per_page` 1-100 (10), `order` `desc` or `asc`, `cursor`; `links.next` is a full URL (null on the last page), the other links are null.';
const FIELDS =
  'We chose: `project_id` is our project id; `read_at` is the user\'s own fetch (Notifications API), `seen_at` their first interaction; both null, like `user_id`, for an organisation or everyone; `deleted_at` is the archive time.';
const UW = 'Notifications API (User-wide), the section after "Notifications (Project-wide)"';

/** seeds/003 and reference/project-api.md: the operator's project-wide and user-wide API. */
export function projectApi() {
  const { app, errors, guard, tags } = createDialect({
    base: '/api/v1/project',
    render: renderProjectError,
    errorSchema: ErrorBody,
    auth: requireApiKey,
    tag: TAGS.project,
    notes: NOTES,
  });
  const parameters = requestHeaders();

  // seeds/003 "List notifications paginated"
  app.openapi(
    createRoute({
      method: 'get',
      path: '/{project_id}/notifications',
      operationId: 'projectListNotifications',
      summary: 'List notifications paginated',
      description: `**Implements** Notifications (Project-wide), section "List notifications paginated".\n\nEvery notification of the project, archived ones too. ${PAGES} ${FIELDS}`,
      tags,
      security,
      middleware: guard('poll'),
      request: { params: ProjectParam, query: ListQuery },
      parameters,
      responses: { 200: jsonResponse(Paginated, 'A page of the project’s notifications'), ...errors(401, 403, 404, 405, 422, 429) },
    }),
    async (c) => page(c, await project(c, c.req.valid('param').project_id), c.req.valid('query')),
  );

  // seeds/003 "Show notification"
  app.openapi(
    createRoute({
      method: 'get',
      path: '/{project_id}/notification/{id}',
      operationId: 'projectShowNotification',
      summary: 'Show notification',
      description: `**Implements** Notifications (Project-wide), section "Show notification".\n\nArchived ones too. ${FIELDS}`,
      tags,
      security,
      middleware: guard('poll'),
      request: { params: ItemParam },
      parameters,
      responses: { 200: jsonResponse(ProjectNotification, 'The notification'), ...errors(401, 403, 404, 405, 422, 429) },
    }),
    async (c) => {
      const { project_id, id } = c.req.valid('param');
      return c.json(encodeNotification(await showForOperator(c.get('stores'), await project(c, project_id), id)), 200);
    },
  );

  // seeds/003 "Archive notification"
  app.openapi(
    createRoute({
      method: 'put',
      path: '/{project_id}/notification/{id}/archive',
      operationId: 'projectArchiveNotification',
      summary: 'Archive notification',
      description: `**Implements** Notifications (Project-wide), section "Archive notification".\n\nSets \`deleted_at\` once (a repeat changes nothing) and takes it out of every inbox of every API at once.`,
      tags,
      security,
      middleware: guard('write'),
      request: { params: ItemParam },
      parameters,
      responses: { 200: jsonResponse(Archived, '`{ "message": "Notification archived.", "data": … }`', BOOKMARK), ...errors(401, 403, 404, 405, 413, 422, 429) },
    }),
    async (c) => {
      const { project_id, id } = c.req.valid('param');
      const item = await archiveForOperator(c.get('stores'), await project(c, project_id), id, undefined, writeOptions(c));
      return c.json({ message: 'Notification archived.', data: encodeNotification(item) }, 200);
    },
  );

  // seeds/003 "Destroy notification"
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/{project_id}/notification/{id}',
      operationId: 'projectDestroyNotification',
      summary: 'Destroy notification',
      description: `**Implements** Notifications (Project-wide), section "Destroy notification".\n\nDeletes it and everyone's state of it for good; gone from every inbox at once.`,
      tags,
      security,
      middleware: guard('write'),
      request: { params: ItemParam },
      parameters,
      responses: { 200: jsonResponse(Deleted, '`{ "message": "Notification deleted." }`', BOOKMARK), ...errors(401, 403, 404, 405, 413, 422, 429) },
    }),
    async (c) => {
      const { project_id, id } = c.req.valid('param');
      await destroyOne(c, await project(c, project_id), id);
      return c.json({ message: 'Notification deleted.' }, 200);
    },
  );

  // reference/project-api.md User-wide: list one user's notifications
  app.openapi(
    createRoute({
      method: 'get',
      path: '/{project_id}/user/{user_id}/notifications',
      operationId: 'projectListUserNotifications',
      summary: 'List one user’s notifications',
      description: `**Implements** ${UW}: list a user's notifications.\n\nThose addressed to that user only. ${PAGES} ${FIELDS}`,
      tags,
      security,
      middleware: guard('poll'),
      request: { params: UserParam, query: ListQuery },
      parameters,
      responses: { 200: jsonResponse(Paginated, 'A page of the user’s notifications'), ...errors(401, 403, 404, 405, 422, 429) },
    }),
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
      operationId: 'projectCreateUserNotification',
      summary: 'Send a notification to one user',
      description: `**Implements** ${UW}: create a notification for a user.\n\nWe chose the body \`{ title, body, icon, category, action_url }\` (title required) and a 201 with the notification. Wakes the user's listeners.`,
      tags,
      security,
      middleware: guard('write'),
      request: { params: UserParam, body: jsonRequest(CreateBody) },
      parameters,
      responses: { 201: jsonResponse(ProjectNotification, 'Created', BOOKMARK), ...errors(401, 403, 404, 405, 413, 422, 429) },
    }),
    async (c) => {
      const { project_id, user_id } = c.req.valid('param');
      const projectId = await project(c, project_id);
      const input = c.req.valid('json');
      const stores = c.get('stores');
      // The user's database (and, while they move, the one they move to: core/copies.ts).
      const { created, incomplete } = await sendNotifications(
        stores,
        projectId,
        [{ audience: { kind: 'user', id: user_id }, title: input.title, body: input.body, icon: input.icon, category: input.category, actionUrl: input.action_url }],
        writeOptions(c),
      );
      if (incomplete) c.executionCtx.waitUntil(completeSoon(c, incomplete));
      return c.json(encodeNotification(await showForOperator(stores, projectId, created[0]!.id, user_id)), 201);
    },
  );

  // reference/project-api.md User-wide: show one user's notification
  app.openapi(
    createRoute({
      method: 'get',
      path: '/{project_id}/user/{user_id}/notification/{id}',
      operationId: 'projectShowUserNotification',
      summary: 'Show one user’s notification',
      description: `**Implements** ${UW}: show a user's notification.\n\nNot addressed to that user: 404. ${FIELDS}`,
      tags,
      security,
      middleware: guard('poll'),
      request: { params: UserItemParam },
      parameters,
      responses: { 200: jsonResponse(ProjectNotification, 'The notification'), ...errors(401, 403, 404, 405, 422, 429) },
    }),
    async (c) => {
      const { project_id, user_id, id } = c.req.valid('param');
      return c.json(encodeNotification(await showForOperator(c.get('stores'), await project(c, project_id), id, user_id)), 200);
    },
  );

  // reference/project-api.md User-wide: archive one user's notification
  app.openapi(
    createRoute({
      method: 'put',
      path: '/{project_id}/user/{user_id}/notification/{id}/archive',
      operationId: 'projectArchiveUserNotification',
      summary: 'Archive one user’s notification',
      description: `**Implements** ${UW}: archive a user's notification.\n\nAs the project-wide archive; not addressed to that user: 404.`,
      tags,
      security,
      middleware: guard('write'),
      request: { params: UserItemParam },
      parameters,
      responses: { 200: jsonResponse(Archived, '`{ "message": "Notification archived.", "data": … }`', BOOKMARK), ...errors(401, 403, 404, 405, 413, 422, 429) },
    }),
    async (c) => {
      const { project_id, user_id, id } = c.req.valid('param');
      const item = await archiveForOperator(c.get('stores'), await project(c, project_id), id, user_id, writeOptions(c));
      return c.json({ message: 'Notification archived.', data: encodeNotification(item) }, 200);
    },
  );

  // reference/project-api.md User-wide: destroy one user's notification
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/{project_id}/user/{user_id}/notification/{id}',
      operationId: 'projectDestroyUserNotification',
      summary: 'Destroy one user’s notification',
      description: `**Implements** ${UW}: destroy a user's notification.\n\nAs the project-wide destroy; not addressed to that user: 404.`,
      tags,
      security,
      middleware: guard('write'),
      request: { params: UserItemParam },
      parameters,
      responses: { 200: jsonResponse(Deleted, '`{ "message": "Notification deleted." }`', BOOKMARK), ...errors(401, 403, 404, 405, 413, 422, 429) },
    }),
    async (c) => {
      const { project_id, user_id, id } = c.req.valid('param');
      await destroyOne(c, await project(c, project_id), id, user_id);
      return c.json({ message: 'Notification deleted.' }, 200);
    },
  );

  return app;
}
