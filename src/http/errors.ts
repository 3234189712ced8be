import type { Context, ErrorHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { DomainError, invalidParameter } from '../core/errors';
import type { AppEnv } from '../env';

/** How one dialect writes an error body; a null return means "use the generic 500". */
export type RenderError = (c: Context<AppEnv>, error: DomainError) => Response;

/**
 * The error handler every dialect mounts: anything thrown becomes a DomainError rendered in the
 * dialect's shape. Unknown errors are logged with the request id (never the request itself) and
 * answered with a bare 500 that carries no stack.
 */
export function dialectErrors(render: RenderError): ErrorHandler<AppEnv> {
  return (error, c) => {
    if (error instanceof DomainError) {
      if (error.detail.retryAfter !== undefined) c.header('Retry-After', String(error.detail.retryAfter));
      return render(c, error);
    }
    // Hono's validators refuse a body before zod sees it: malformed JSON (400) or another media type (415).
    if (error instanceof HTTPException && error.status === 400) {
      return render(c, invalidParameter('body', 'The request body is not valid JSON'));
    }
    if (error instanceof HTTPException && error.status === 415) {
      return render(c, invalidParameter('body', 'The request body must be JSON (Content-Type: application/json)'));
    }
    return internalError(c, error);
  };
}

export function internalError(c: Context<AppEnv>, error: unknown): Response {
  const requestId = c.get('requestId');
  console.error(JSON.stringify({ requestId, error: error instanceof Error ? `${error.name}: ${error.message}` : 'unknown' }));
  return c.json({ error: { code: 'internal_error', message: 'Internal error', request_id: requestId } }, 500);
}
