import { z } from '@hono/zod-openapi';
import type { Audience } from '../../core/audience';
import type { DomainError } from '../../core/errors';
import { LIMITS, PRIORITIES, type Notification } from '../../core/notifications';
import type { Project } from '../../core/projects';
import { PROJECT_ID } from '../../core/principal';
import { codeToStatus } from '../../http/status';

// DESIGN.md "Shared contracts", producer/admin API: our own shapes.

const Id = z.string().min(1).max(256);

export const ProjectParam = z.object({
  project: z.string().regex(PROJECT_ID).openapi({ param: { name: 'project', in: 'path' } }),
});
export const ProjectIdParam = z.object({
  id: z.string().regex(PROJECT_ID).openapi({ param: { name: 'id', in: 'path' } }),
});
export const KeyParam = ProjectParam.extend({
  id: z.string().uuid().openapi({ param: { name: 'id', in: 'path' } }),
});
export const NotificationParam = ProjectParam.extend({
  id: z.string().uuid().openapi({ param: { name: 'id', in: 'path' } }),
});

export const UserListenersParam = ProjectParam.extend({
  user: Id.openapi({ param: { name: 'user', in: 'path' } }),
});

const PushDefault = z.boolean().openapi({
  description: 'Whether its notifications are pushed to subscribed browsers when their producer does not say (`push`). Default true.',
});
export const CreateProjectBody = z.object({ id: z.string().regex(PROJECT_ID), name: z.string().min(1).max(256), push: PushDefault.optional() });
export const UpdateProjectBody = z
  .object({ name: z.string().min(1).max(256).optional(), push: PushDefault.optional() })
  .strict()
  .openapi('UpdateProject');
export const CreateKeyBody = z.object({ name: z.string().min(1).max(256) });

const Recipient = z.union([
  z.object({ user: Id }).strict(),
  z.object({ org: Id }).strict(),
  z.object({ everyone: z.literal(true) }).strict(),
]);

export const CreateNotificationsBody = z
  .object({
    to: z.array(Recipient).min(1).max(LIMITS.perCreate),
    title: z.string().min(1).max(LIMITS.title),
    body: z.string().max(LIMITS.body).optional(),
    category: z.string().max(64).optional(),
    priority: z.enum(PRIORITIES).optional(),
    icon: z.string().max(2048).optional(),
    action_url: z.string().max(2048).optional(),
    service_id: z.string().max(256).optional(),
    origin_project: z.string().max(256).optional(),
    custom_data: z.record(z.string(), z.unknown()).optional(),
    expires_at: z.string().datetime({ offset: true }).optional(),
    push: z
      .boolean()
      .optional()
      .openapi({ description: "Push it to the recipients' subscribed browsers (README \"Push\"). Default: the project's `push`." }),
  })
  .openapi('CreateNotifications');

export const IdempotencyHeader = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .optional()
    .openapi({
      description:
        'A repeat with this key and body within 24 hours gets the first answer and stores nothing; with another body: 422.',
    }),
});

export const ProjectBody = z.object({ id: z.string(), name: z.string(), push: z.boolean(), created_at: z.string() }).openapi('Project');
export const KeyBody = z
  .object({ id: z.string(), project_id: z.string(), name: z.string(), key: z.string(), created_at: z.string() })
  .openapi('ApiKey');

export const ProducerNotification = z
  .object({
    id: z.string(),
    project_id: z.string(),
    to: Recipient,
    title: z.string(),
    body: z.string(),
    category: z.string().nullable(),
    priority: z.enum(PRIORITIES),
    icon: z.string().nullable(),
    action_url: z.string().nullable(),
    service_id: z.string().nullable(),
    origin_project: z.string().nullable(),
    custom_data: z.record(z.string(), z.unknown()),
    created_at: z.string(),
    expires_at: z.string().nullable(),
  })
  .openapi('ProducerNotification');

export const CreatedNotifications = z.object({ notifications: z.array(ProducerNotification) });
export const UserListeners = z
  .object({
    user: z.string(),
    listeners: z.number().int().openapi({ description: 'Long polls, event streams and WebSockets this user holds now.' }),
    object: z
      .object({
        started_at: z.string().openapi({ description: 'When this instance of the user’s object started its account (an eviction starts a new one).' }),
        busy_ms: z.number().int().openapi({ description: 'Milliseconds it had a request in flight or a timer pending since then: the duration Cloudflare bills.' }),
        requests: z.number().int().openapi({ description: 'Requests it handled since then (calls, socket upgrades, alarms).' }),
        socket_events: z.number().int().openapi({ description: 'Socket messages and closes it handled since then (billed as requests at 20:1).' }),
      })
      .openapi({ description: 'The account the user’s Durable Object keeps of its own billable time; reading it is not counted.' }),
  })
  .openapi('UserListeners');

export const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) }).openapi('ProducerError');

export function toAudience(recipient: z.infer<typeof Recipient>): Audience {
  if ('user' in recipient) return { kind: 'user', id: recipient.user };
  if ('org' in recipient) return { kind: 'org', id: recipient.org };
  return { kind: 'everyone' };
}

function toRecipient(audience: Audience): z.infer<typeof Recipient> {
  if (audience.kind === 'user') return { user: audience.id };
  if (audience.kind === 'org') return { org: audience.id };
  return { everyone: true };
}

const iso = (ms: number) => new Date(ms).toISOString();

export function encodeProject(p: Project) {
  return { id: p.id, name: p.name, push: p.push, created_at: iso(p.createdAt) };
}

export function encodeNotification(n: Omit<Notification, 'seq'>): z.infer<typeof ProducerNotification> {
  return {
    id: n.id,
    project_id: n.projectId,
    to: toRecipient(n.audience),
    title: n.title,
    body: n.body,
    category: n.category,
    priority: n.priority,
    icon: n.icon,
    action_url: n.actionUrl,
    service_id: n.serviceId,
    origin_project: n.originProject,
    custom_data: n.customData,
    created_at: iso(n.createdAt),
    expires_at: n.expiresAt === null ? null : iso(n.expiresAt),
  };
}

export function renderProducerError(error: DomainError) {
  const body: { error: { code: string; message: string; parameter?: string } } = {
    error: { code: error.code, message: error.message },
  };
  if (error.detail.parameter) body.error.parameter = error.detail.parameter;
  return { status: codeToStatus[error.code], body };
}
