import { z } from '@hono/zod-openapi';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { DomainError } from '../../core/errors';
import { LIMITS, type InboxItem } from '../../core/notifications';
import { codeToStatus } from '../../http/status';

// seeds/003 and reference/project-api.md: the operator's project-wide and user-wide API.

const param = (name: string) => z.string().min(1).max(256).openapi({ param: { name, in: 'path' } });
// Any other id is simply not found (404), as the document says of unknown ids.
const notificationId = z.string().openapi({ param: { name: 'id', in: 'path' } });
export const ProjectParam = z.object({ project_id: param('project_id') });
export const ItemParam = ProjectParam.extend({ id: notificationId });
export const UserParam = ProjectParam.extend({ user_id: param('user_id') });
export const UserItemParam = UserParam.extend({ id: notificationId });

export const ListQuery = z.object({
  per_page: z.coerce.number().int().min(1).max(100).default(10),
  order: z.enum(['desc', 'asc']).default('desc'),
  // Checked where it is read (core/cursor.ts: 422 naming `cursor`); the lengths are documentation.
  cursor: z.string().optional().openapi({ minLength: 1, maxLength: 512, description: 'From `links.next` of the previous page (same list and order).' }),
});

export const CreateBody = z.object({
  title: z.string().min(1).max(LIMITS.title),
  body: z.string().max(LIMITS.body).optional(),
  icon: z.string().max(2048).optional(),
  category: z.string().max(64).optional(),
  action_url: z.string().max(2048).optional(),
});

export const ProjectNotification = z
  .object({
    id: z.string(),
    project_id: z.string(),
    user_id: z.string().nullable(),
    icon: z.string().nullable(),
    title: z.string(),
    body: z.string(),
    category: z.string().nullable(),
    action_url: z.string().nullable(),
    seen_at: z.string().nullable(),
    read_at: z.string().nullable(),
    created_at: z.string(),
    deleted_at: z.string().nullable(),
  })
  .openapi('ProjectNotification');

const Link = z.string().nullable();
export const Paginated = z
  .object({
    data: z.array(ProjectNotification),
    links: z.object({ first: Link, last: Link, prev: Link, next: Link }),
    meta: z.object({ path: z.string(), per_page: z.number().int() }),
  })
  .openapi('ProjectNotifications');
export const Archived = z.object({ message: z.string(), data: ProjectNotification });
export const Deleted = z.object({ message: z.string() });
export const ErrorBody = z
  .object({ message: z.string(), errors: z.record(z.string(), z.array(z.string())).optional() })
  .openapi('ProjectError');

/** `2021-11-26T18:39:46+00:00`, as the document shows. */
function timestamp(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

export function encodeNotification(item: InboxItem): z.infer<typeof ProjectNotification> {
  return {
    id: item.id,
    project_id: item.projectId,
    user_id: item.audience.kind === 'user' ? item.audience.id : null,
    icon: item.icon,
    title: item.title,
    body: item.body,
    category: item.category,
    action_url: item.actionUrl,
    seen_at: timestamp(item.receipt.seenAt),
    read_at: timestamp(item.receipt.readAt),
    created_at: timestamp(item.createdAt)!,
    deleted_at: timestamp(item.archivedAt),
  };
}

export function renderProjectError(error: DomainError): { status: ContentfulStatusCode; body: unknown } {
  switch (error.code) {
    case 'unauthenticated':
      return { status: 401, body: { message: 'Unauthenticated.' } };
    case 'forbidden':
      return { status: 403, body: { message: 'This action is unauthorized.' } };
    case 'rate_limited':
      return { status: 429, body: { message: 'Too Many Attempts.' } };
    case 'not_found':
      return { status: 404, body: { message: error.detail.resource === 'project' ? 'Project not found.' : 'Notification not found.' } };
    case 'invalid_parameter': {
      // Laravel's validation body: every problem, grouped by field.
      const issues = error.detail.issues ?? [{ path: [error.detail.parameter ?? 'input'], message: error.message }];
      const errors: Record<string, string[]> = {};
      for (const issue of issues) (errors[issue.path.join('.') || 'input'] ??= []).push(issue.message);
      const [first] = Object.values(errors).flat();
      const more = issues.length - 1;
      const message = more > 0 ? `${first} (and ${more} more error${more > 1 ? 's' : ''})` : first!;
      return { status: 422, body: { message, errors } };
    }
    default:
      return { status: codeToStatus[error.code], body: { message: error.message } };
  }
}
