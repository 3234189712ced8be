import { z } from '@hono/zod-openapi';
import type { DomainError } from '../../core/errors';
import type { Subscription } from '../../core/push-subscriptions';
import { MAX_ENDPOINT_LENGTH } from '../../core/push-endpoint';
import { renderClientError } from '../client/wire';

// Web Push for the client API (issue 27): ours, beside seeds/000, in its error shape. A subscription is what a
// browser's `PushSubscription.toJSON()` gives, sent as it is.

export const PushKey = z
  .object({
    public_key: z.string().openapi({
      description: "The deployment's VAPID public key (RFC 8292): an uncompressed P-256 point, base64url. Pass it as `applicationServerKey` to `pushManager.subscribe`.",
    }),
  })
  .openapi('PushKey');

export const NewSubscription = z
  .object({
    endpoint: z.string().min(1).max(MAX_ENDPOINT_LENGTH).openapi({ description: 'The push service URL (https:, a public host).' }),
    expirationTime: z.number().nullable().optional(),
    keys: z.object({ p256dh: z.string().min(1).max(200), auth: z.string().min(1).max(100) }).strict(),
  })
  .strict()
  .openapi('NewPushSubscription', { description: "A browser's PushSubscription as its toJSON() gives it." });

export const PushSubscriptionBody = z
  .object({
    id: z.string().uuid(),
    endpoint: z.string(),
    created_at: z.string().datetime(),
    registered_at: z.string().datetime().openapi({ description: 'The last time this browser registered it (the oldest goes past 10).' }),
    expires_at: z.string().datetime().nullable(),
  })
  .openapi('PushSubscription');

export const SubscriptionList = z.object({ subscriptions: z.array(PushSubscriptionBody) }).openapi('PushSubscriptions');

export const EndpointQuery = z.object({
  endpoint: z.string().min(1).max(MAX_ENDPOINT_LENGTH).openapi({ description: 'The endpoint of the subscription to remove (URL-encoded).' }),
});

const iso = (ms: number) => new Date(ms).toISOString();

export function encodeSubscription(s: Subscription): z.infer<typeof PushSubscriptionBody> {
  return {
    id: s.id,
    endpoint: s.endpoint,
    created_at: iso(s.createdAt),
    registered_at: iso(s.registeredAt),
    expires_at: s.expiresAt === null ? null : iso(s.expiresAt),
  };
}

/** seeds/000's error shape; a missing subscription is not a missing notification. */
export function renderPushError(error: DomainError) {
  const rendered = renderClientError(error);
  if (error.code !== 'not_found') return rendered;
  return { ...rendered, body: { error: { code: 'SUBSCRIPTION_NOT_FOUND', message: error.message } } };
}
