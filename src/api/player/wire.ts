import { z } from '@hono/zod-openapi';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AuthFailure, DomainError, ValidationIssue } from '../../core/errors';
import { LIMITS, type InboxItem } from '../../core/notifications';
import { ListenerId } from '../../http/listener-id';
import { codeToStatus } from '../../http/status';

// seeds/002 and reference/player-api.md: the player API's JSON shapes.

// Cursors are at most 512 characters and never empty: checked where they are read (core/cursor.ts, a
// 422 naming the parameter), documented here.
const opaque = (description: string) => z.string().optional().openapi({ description, minLength: 1, maxLength: 512 });

export const PlayerParam = z.object({
  // `me` or a UUID; checked in the route so that a bad id is 400 bad_id, not a 422 (the pattern is documentation).
  player_uuid: z.string().openapi({
    param: { name: 'player_uuid', in: 'path' },
    description: 'A player UUID, or `me`. Anything else: 400 `bad_id`.',
    pattern: '^(me|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$',
  }),
});

export const NotificationParam = PlayerParam.extend({
  notification_id: z
    .string()
    .openapi({ param: { name: 'notification_id', in: 'path' } }),
});

export const PageQuery = z.object({
  page_size: z.coerce.number().int().min(1).max(100).default(10).openapi({ description: 'Notifications per page.' }),
  start_at: opaque('Return results starting at this index (inclusive); the `cursor` of the previous page.'),
  exclude_before: opaque('Leave out this notification and everything older: a `notification_id`, or the `cursor` of a long poll.'),
});

export const LongPollQuery = z.object({
  max_page_size: z.coerce.number().int().min(1).max(100).default(10).openapi({ description: 'At most this many notifications in the answer.' }),
  exclude_before: opaque('Answer only with what came after this: the previous answer’s `cursor`, or a `notification_id` (unknown: `offset_reset_strategy`).'),
  offset_reset_strategy: z
    .enum(['latest', 'earliest'])
    .default('latest')
    .openapi({ description: 'Where to start without a known `exclude_before`: what arrives from now on, or the oldest.' }),
  deadline: z.coerce
    .number()
    .int()
    .min(0)
    .max(900)
    .default(30)
    // Written out: the generator reads a number that accepts 0 as nullable (zod coerces null to 0), and a query value is never null.
    .openapi({ type: 'integer', minimum: 0, maximum: 900, default: 30, description: 'Seconds to wait at most (0: answer at once).' }),
  listener_id: ListenerId,
});

export const CreateBody = z.object({
  notifications: z
    .array(
      z.object({
        message: z.string().max(LIMITS.body),
        rh_url: z.string().min(1).max(4096).optional(),
        custom_data: z.record(z.string(), z.string().min(1).max(4096)).optional(),
        etag: z.string().min(1).optional(),
      }),
    )
    .min(1)
    .max(LIMITS.perCreate),
});

export const PlayerNotification = z
  .object({
    message: z.string(),
    rh_url: z.string().optional(),
    custom_data: z.record(z.string(), z.string()),
    etag: z.string().optional(),
    notification_id: z.string(),
    created: z.string().datetime(),
  })
  .openapi('PlayerNotification');

export const PageBody = z.object({ notifications: z.array(PlayerNotification), cursor: z.string() });
export const CreatedBody = z.object({ notification_id: z.string() });
export const ErrorBody = z
  .object({ auth_success: z.boolean(), error_code: z.string(), desc: z.string() })
  .openapi('PlayerError');
export const ValidationBody = z
  .object({ detail: z.array(z.object({ loc: z.array(z.union([z.string(), z.number()])), msg: z.string(), type: z.string() })) })
  .openapi('PlayerValidationError');

/** The player API's custom_data is string → string; values set through other APIs are shown as JSON. */
export function encodeNotification(item: InboxItem): z.infer<typeof PlayerNotification> {
  const customData = Object.fromEntries(
    Object.entries(item.customData).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  );
  return {
    message: item.body,
    ...(item.actionUrl !== null && { rh_url: item.actionUrl }),
    custom_data: customData,
    ...(item.resourceEtag !== null && { etag: item.resourceEtag }),
    notification_id: item.id,
    created: new Date(item.createdAt).toISOString(),
  };
}

// reference/player-api.md "Auth error codes": which check failed, in the API's own words.
const AUTH_CODES: Record<AuthFailure, [string, string]> = {
  missing: ['auth_not_jwt', 'Invalid Authorization'],
  not_jwt: ['auth_not_jwt', 'Invalid Authorization'],
  malformed: ['auth_malformed_access', 'Invalid Authorization - malformed access token'],
  alg_not_allowed: ['auth_token_format', 'Invalid Authorization - unsupported signing algorithm'],
  unknown_kid: ['auth_invalid_key_id', 'Invalid Authorization - Invalid Key ID in Access Token'],
  bad_signature: ['auth_token_sig_invalid', 'Token Signature is invalid'],
  expired: ['auth_token_expired', 'Token is expired'],
  not_yet_valid: ['auth_token_invalid_claim', 'Token contained invalid claim value: nbf'],
  invalid_claim: ['auth_token_invalid_claim', 'Token contained invalid claim value'],
  unverifiable: ['auth_token_unknown', 'Failed to parse token'],
  unknown_key: ['auth_token_unknown', 'Failed to parse token'],
};

const CODES: Partial<Record<DomainError['code'], [number, string]>> = {
  forbidden: [403, 'insufficient_permissions'],
  not_found: [404, 'resource_not_found'],
  access_denied: [404, 'resource_not_found'],
  too_many_listeners: [409, 'too_many_listening_to_single_client'],
  connection_limit: [503, 'connection_limit_reached'],
  rate_limited: [429, 'rate_limit_exceeded'],
  payload_too_large: [413, 'payload_too_large'],
  method_not_allowed: [405, 'method_not_allowed'],
  origin_not_allowed: [403, 'origin_not_allowed'],
};

export function renderPlayerError(error: DomainError): { status: ContentfulStatusCode; body: unknown } {
  if (error.code === 'unauthenticated') {
    const [code, desc] = AUTH_CODES[error.detail.auth ?? 'malformed'];
    return { status: 403, body: { auth_success: false, error_code: code, desc } };
  }
  if (error.code === 'invalid_parameter' && error.detail.parameter === 'player_uuid') {
    return { status: 400, body: { auth_success: true, error_code: 'bad_id', desc: 'Passed client id is not a valid id' } };
  }
  if (error.code === 'invalid_parameter') {
    const issues = error.detail.issues ?? [
      { location: 'query', path: [error.detail.parameter ?? 'query'], message: error.message, kind: 'value_error' },
    ];
    return { status: 422, body: { detail: issues.map(toDetail) } };
  }
  const [status, code] = CODES[error.code] ?? [codeToStatus[error.code], error.code];
  return { status: status as ContentfulStatusCode, body: { auth_success: true, error_code: code, desc: error.message } };
}

/** FastAPI's shape for one validation problem, which this API's clients parse. */
function toDetail(issue: ValidationIssue) {
  return { loc: [issue.location, ...issue.path], msg: issue.message, type: detailType(issue) };
}

function detailType(issue: ValidationIssue): string {
  switch (issue.kind) {
    case 'missing':
      return 'missing';
    case 'too_big':
      return issue.origin === 'string' ? 'string_too_long' : issue.origin === 'array' ? 'too_long' : 'less_than_equal';
    case 'too_small':
      return issue.origin === 'string' ? 'string_too_short' : issue.origin === 'array' ? 'too_short' : 'greater_than_equal';
    case 'invalid_type':
      return /number|int/.test(issue.message) ? 'int_parsing' : 'type_error';
    case 'invalid_value':
      return 'enum';
    case 'invalid_format':
      return 'string_pattern_mismatch';
    case 'json_invalid':
      return 'json_invalid';
    default:
      return 'value_error';
  }
}
