import { z } from '@hono/zod-openapi';
import type { DomainError } from '../../core/errors';
import type { InboxItem } from '../../core/notifications';
import { codeToStatus } from '../../http/status';

// seeds/001: system / user / client (organisation) notifications. Every body keeps the envelope
// `{ notifications, message }`; errors keep `{ message }` and add a stable `code`.

export const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  // Checked where it is read (core/cursor.ts: 400 naming `cursor`); the lengths are documentation.
  cursor: z.string().optional().openapi({ minLength: 1, maxLength: 512, description: 'The `nextCursor` of the previous page of this list.' }),
});

const path = (name: string) => z.string().min(1).max(256).openapi({ param: { name, in: 'path' } });
// Any notification id that is not one of ours is simply not found.
const notificationId = z.string().openapi({ param: { name: 'notificationId', in: 'path' } });
export const SystemItemParam = z.object({ notificationId });
export const UserParam = z.object({ userId: path('userId') });
export const UserItemParam = UserParam.extend({ notificationId });
export const ClientParam = z.object({ clientId: path('clientId') });
export const ClientItemParam = ClientParam.extend({ notificationId });

export const AudienceNotification = z
  .object({
    notificationId: z.string(),
    type: z.string(),
    title: z.string(),
    message: z.string(),
    read: z.boolean(),
    createdAt: z.string(),
    pKey: z.string(),
    sKey: z.string(),
  })
  .openapi('AudienceNotification');

export const Envelope = z
  .object({ notifications: z.array(AudienceNotification), message: z.string(), nextCursor: z.string().optional() })
  .openapi('AudienceNotifications');
export const ErrorBody = z.object({ message: z.string(), code: z.string() }).openapi('AudienceError');

/** What a notification shows as `type` when the producer gave it no category. */
const DEFAULT_TYPE = { user: 'user', org: 'client', everyone: 'system' } as const;

export function encodeNotification(item: InboxItem) {
  const a = item.audience;
  return {
    notificationId: item.id,
    type: item.category ?? DEFAULT_TYPE[a.kind],
    title: item.title,
    message: item.body,
    read: item.receipt.readAt !== null,
    createdAt: new Date(item.createdAt).toISOString(),
    pKey: a.kind === 'everyone' ? 'SYSTEM_NOTIFICATION' : a.kind === 'user' ? 'USER' : a.id,
    sKey: item.id,
  };
}

export function envelope(items: InboxItem[], nextCursor?: string) {
  return { notifications: items.map(encodeNotification), message: 'Success', ...(nextCursor && { nextCursor }) };
}

const CODES: Record<DomainError['code'], string> = {
  invalid_parameter: 'INVALID_PARAMETER',
  unauthenticated: 'UNAUTHORIZED',
  forbidden: 'FORBIDDEN',
  access_denied: 'FORBIDDEN',
  not_found: 'NOT_FOUND',
  already_responded: 'CONFLICT',
  conflict: 'CONFLICT',
  idempotency_mismatch: 'CONFLICT',
  too_many_listeners: 'TOO_MANY_LISTENERS',
  connection_limit: 'CONNECTION_LIMIT_REACHED',
  rate_limited: 'RATE_LIMIT_EXCEEDED',
  payload_too_large: 'PAYLOAD_TOO_LARGE',
  method_not_allowed: 'METHOD_NOT_ALLOWED',
  origin_not_allowed: 'ORIGIN_NOT_ALLOWED',
  moving: 'SERVICE_UNAVAILABLE',
};

export function renderAudienceError(error: DomainError) {
  return { status: codeToStatus[error.code], body: { message: error.message, code: CODES[error.code] } };
}
