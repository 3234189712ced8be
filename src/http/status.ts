import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorCode } from '../core/errors';

/** The one table from domain error codes to HTTP statuses; dialects may override a row. */
export const codeToStatus: Record<ErrorCode, ContentfulStatusCode> = {
  invalid_parameter: 400,
  unauthenticated: 401,
  forbidden: 403,
  access_denied: 403,
  not_found: 404,
  already_responded: 409,
  conflict: 409,
  idempotency_mismatch: 422,
  too_many_listeners: 409,
  connection_limit: 503,
  rate_limited: 429,
  payload_too_large: 413,
  method_not_allowed: 405,
  origin_not_allowed: 403,
  moving: 503,
};
