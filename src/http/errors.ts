import type { Context, ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { DomainError, invalidBody, invalidParameter } from '../core/errors';
import type { AppEnv } from '../env';

/** How one dialect writes an error (its wire.ts): a status and a body, nothing of HTTP beyond that. */
export type RenderError = (error: DomainError) => { status: ContentfulStatusCode; body: unknown };

/**
 * The error handler every dialect mounts (http/dialect.ts): anything thrown becomes a DomainError
 * rendered in the dialect's shape. Unknown errors are logged with the request id (never the
 * request itself) and answered with a bare 500 that carries no stack.
 */
export function dialectErrors(render: RenderError): ErrorHandler<AppEnv> {
  return (error, c) => {
    const domain = asDomainError(error) ?? refusedBookmark(c, error);
    if (!domain) return internalError(c, error);
    if (domain.detail.retryAfter !== undefined) c.header('Retry-After', String(domain.detail.retryAfter));
    if (domain.detail.allow !== undefined) c.header('Allow', domain.detail.allow.join(', '));
    const { status, body } = render(domain);
    return c.json(body, status);
  };
}

function asDomainError(error: unknown): DomainError | null {
  if (error instanceof DomainError) return error;
  // Hono's validators refuse a body before zod sees it: malformed JSON (400) or another media type (415).
  if (error instanceof HTTPException && error.status === 400) return invalidBody('The request body is not valid JSON', 'json_invalid');
  if (error instanceof HTTPException && error.status === 415) {
    return invalidBody('The request body must be JSON (Content-Type: application/json)', 'media_type');
  }
  return null;
}

/** D1 refusing the bookmark the client sent (one of another database, say) is the client's to fix: a 400. */
function refusedBookmark(c: Context<AppEnv>, error: unknown): DomainError | null {
  if (!c.get('sessions')?.refusedBookmark(error)) return null;
  return invalidParameter('X-D1-Bookmark', 'X-D1-Bookmark is not a bookmark of this database; send the one a response of this service gave, or none');
}

export function internalError(c: Context<AppEnv>, error: unknown): Response {
  const requestId = c.get('requestId');
  console.error(JSON.stringify({ requestId, error: error instanceof Error ? `${error.name}: ${error.message}` : 'unknown' }));
  return c.json({ error: { code: 'internal_error', message: 'Internal error', request_id: requestId } }, 500);
}
