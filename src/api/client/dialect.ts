import { requireUser } from '../../http/auth';
import { MOUNTS } from '../mounts';
import { createDialect } from '../../http/dialect';
import { ErrorBody, renderClientError } from './wire';

/** seeds/000, the client polling API, and its push channels: one dialect, one error shape. */
export const BASE = MOUNTS.client;

export function clientDialect() {
  return createDialect({ base: BASE, render: renderClientError, errorSchema: ErrorBody, auth: requireUser });
}

export type ClientDialect = ReturnType<typeof clientDialect>;
