import { requireUser } from '../../http/auth';
import { MOUNTS } from '../mounts';
import { createDialect } from '../../http/dialect';
import { TAGS } from '../tags';
import { ErrorBody, renderClientError } from './wire';

/** seeds/000, the client polling API, and its push channels: one dialect, one error shape. */
export const BASE = MOUNTS.client;

/** What each status means in this API (seeds/000 "Error Responses", and the codes we added). */
const NOTES: Record<number, string> = {
  400: '`INVALID_PARAMETER`; the message names the parameter.',
  401: '`AUTH_INVALID_TOKEN`: no token, or one we do not accept. Get a new token.',
  403: '`NOTIFICATION_ACCESS_DENIED`: addressed to someone else.',
  404: '`NOTIFICATION_NOT_FOUND`: unknown, expired or gone (other projects\' ids too).',
  405: '`METHOD_NOT_ALLOWED`.',
  409: '`NOTIFICATION_ALREADY_RESPONDED`: acknowledged already.',
  413: '`PAYLOAD_TOO_LARGE`.',
  429: '`RATE_LIMIT_EXCEEDED`.',
  503: '`CONNECTION_LIMIT_REACHED`.',
};

export function clientDialect() {
  return createDialect({ base: BASE, render: renderClientError, errorSchema: ErrorBody, auth: requireUser, tag: TAGS.client, notes: NOTES });
}

export type ClientDialect = ReturnType<typeof clientDialect>;
