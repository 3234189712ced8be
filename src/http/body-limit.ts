import { bodyLimit } from 'hono/body-limit';
import { DomainError } from '../core/errors';

/** Bodies are refused over this size, before anything parses them. */
export const MAX_BODY_BYTES = 256 * 1024;

export const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new DomainError('payload_too_large', `The request body is over ${MAX_BODY_BYTES / 1024} KB`);
  },
});
