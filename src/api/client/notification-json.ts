import type { InboxItem } from '../../core/notifications';
import type { BulkOutcome } from '../../core/receipts';
import type { ClientNotification } from './wire';

// The client API's JSON bodies built from core values, apart from their zod schemas (wire.ts, which
// imports nothing from here): the stream encodes its messages with them without building the schemas.

export const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function encodeNotification(item: InboxItem): ClientNotification {
  const audience =
    item.audience.kind === 'org' ? { type: 'organization' as const, id: item.audience.id } : { type: item.audience.kind };
  return {
    id: item.id,
    title: item.title,
    body: item.body,
    category: item.category,
    priority: item.priority,
    icon: item.icon,
    action_url: item.actionUrl,
    service_id: item.serviceId,
    project: item.originProject,
    custom_data: item.customData,
    audience,
    status: item.receipt.acknowledgedAt === null ? 'pending' : 'acknowledged',
    created_at: iso(item.createdAt)!,
    acknowledged_at: iso(item.receipt.acknowledgedAt),
    expires_at: iso(item.expiresAt),
  };
}

const BULK_ERRORS = {
  already_responded: 'NOTIFICATION_ALREADY_RESPONDED',
  not_found: 'NOTIFICATION_NOT_FOUND',
  access_denied: 'NOTIFICATION_ACCESS_DENIED',
} as const;

export function encodeBulkOutcome(outcome: BulkOutcome) {
  if (outcome.outcome === 'acknowledged') {
    return { id: outcome.id, outcome: outcome.outcome, acknowledged_at: iso(outcome.acknowledgedAt)! };
  }
  const code = BULK_ERRORS[outcome.outcome];
  return { id: outcome.id, outcome: outcome.outcome, error: { code, message: bulkMessage[outcome.outcome] } };
}

const bulkMessage = {
  already_responded: 'Notification has already been responded to',
  not_found: 'Notification with specified ID does not exist',
  access_denied: 'User does not have access to this notification',
} as const;
