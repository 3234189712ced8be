import type { InboxItem } from '../../core/notifications';
import type { ClientNotification } from './wire';

// The client API's notification object as JSON, apart from its zod schemas (wire.ts): a player's
// Durable Object encodes WebSocket messages with it and should not build the API's schemas to start.

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
