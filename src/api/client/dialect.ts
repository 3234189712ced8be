import { requireUser } from '../../http/auth';
import { createDialect } from '../../http/dialect';
import { ErrorBody, renderClientError } from './wire';

/** seeds/000, the client polling API, and its push channels: one dialect, one error shape. */
export const BASE = '/api/v1/client/notifications';

export function clientDialect() {
  return createDialect({ base: BASE, render: renderClientError, errorSchema: ErrorBody, auth: requireUser });
}

export type ClientDialect = ReturnType<typeof clientDialect>;
