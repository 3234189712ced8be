import { z } from '@hono/zod-openapi';
import type { DomainError } from '../../core/errors';
import { LIMITS } from '../../core/notifications';
import { codeToStatus } from '../../http/status';

// seeds/000: the client polling API's JSON shapes. The seed documents the envelope and error codes;
// the notification object itself is ours (README, "Client API notification object").

const Audience = z.union([
  z.object({ type: z.literal('user') }),
  z.object({ type: z.literal('organization'), id: z.string() }),
  z.object({ type: z.literal('everyone') }),
]);

export const ClientNotification = z
  .object({
    id: z.string().uuid(),
    title: z.string(),
    body: z.string(),
    category: z.string().nullable(),
    priority: z.enum(['low', 'normal', 'high', 'critical']),
    icon: z.string().nullable(),
    action_url: z.string().nullable(),
    service_id: z.string().nullable(),
    project: z.string().nullable().openapi({ description: 'The origin label the producer set (not the tenant).' }),
    custom_data: z.record(z.string(), z.unknown()),
    audience: Audience,
    status: z.enum(['pending', 'acknowledged']),
    created_at: z.string().datetime(),
    acknowledged_at: z.string().datetime().nullable(),
    expires_at: z.string().datetime().nullable(),
  })
  .openapi('ClientNotification');

export type ClientNotification = z.infer<typeof ClientNotification>;

export const ListQuery = z.object({
  status: z.enum(['pending', 'acknowledged']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  // Checked where it is read (core/cursor.ts: 400 naming `cursor`); the lengths are documentation.
  cursor: z.string().optional().openapi({ minLength: 1, maxLength: 512, description: 'The `next_cursor` of the previous page (same filters and sort).' }),
  service_id: z.string().max(256).optional(),
  project: z.string().max(256).optional(),
  sort: z.enum(['newest', 'oldest']).default('newest'),
  include: z
    .enum(['counts'])
    .optional()
    .openapi({ description: 'Ours: `counts` adds `counts` (as `GET /counts` answers) read in the same snapshot as the page.' }),
});

export const IdParam = z.object({
  id: z.string().uuid().openapi({ param: { name: 'id', in: 'path' } }),
});

export const BulkBody = z.object({ ids: z.array(z.string().uuid()).min(1).max(LIMITS.perCreate) });

export const CountsResponse = z
  .object({
    total: z.number().int().openapi({ description: 'Notifications in the inbox now (every audience of the user).' }),
    pending: z.number().int().openapi({ description: 'Of those, the ones the user has not acknowledged.' }),
  })
  .openapi('ClientCounts');

export const AcknowledgeAllBody = z
  .object({
    through: z
      .string()
      .uuid()
      .optional()
      .openapi({ description: 'Acknowledge this notification and every older one (default: everything in the inbox now).' }),
  })
  .strict();

export type AcknowledgeAllBody = z.infer<typeof AcknowledgeAllBody>;

export const AcknowledgeAllResponse = z
  .object({ acknowledged: z.number().int().openapi({ description: 'How many pending notifications this call acknowledged.' }) })
  .openapi('ClientAcknowledgeAll');

export const ListResponse = z.object({
  notifications: z.array(ClientNotification),
  pagination: z.object({ next_cursor: z.string().nullable(), has_more: z.boolean(), total_count: z.number().int() }),
  counts: CountsResponse.optional().openapi({ description: 'Ours, with `include=counts`: the counts at this page\'s snapshot.' }),
});

export const BulkResponse = z.object({
  results: z.array(
    z.object({
      id: z.string(),
      outcome: z.enum(['acknowledged', 'already_responded', 'not_found', 'access_denied']),
      acknowledged_at: z.string().datetime().optional(),
      error: z.object({ code: z.string(), message: z.string() }).optional(),
    }),
  ),
});

export const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) }).openapi('ClientError');

// seeds/000 "Error Responses": the documented codes, one per domain code.
const CLIENT_CODES: Record<DomainError['code'], string> = {
  invalid_parameter: 'INVALID_PARAMETER',
  unauthenticated: 'AUTH_INVALID_TOKEN',
  forbidden: 'NOTIFICATION_ACCESS_DENIED',
  access_denied: 'NOTIFICATION_ACCESS_DENIED',
  not_found: 'NOTIFICATION_NOT_FOUND',
  already_responded: 'NOTIFICATION_ALREADY_RESPONDED',
  conflict: 'CONFLICT',
  idempotency_mismatch: 'INVALID_PARAMETER',
  too_many_listeners: 'TOO_MANY_LISTENERS',
  connection_limit: 'CONNECTION_LIMIT_REACHED',
  rate_limited: 'RATE_LIMIT_EXCEEDED',
  payload_too_large: 'PAYLOAD_TOO_LARGE',
  method_not_allowed: 'METHOD_NOT_ALLOWED',
  origin_not_allowed: 'ORIGIN_NOT_ALLOWED',
  moving: 'SERVICE_UNAVAILABLE',
};

export function renderClientError(error: DomainError) {
  return { status: codeToStatus[error.code], body: { error: { code: CLIENT_CODES[error.code], message: error.message } } };
}
