import { requireUser } from '../../http/auth';
import { MOUNTS } from '../mounts';
import { createDialect } from '../../http/dialect';
import { TAGS } from '../tags';
import { ErrorBody, renderPlayerError, ValidationBody } from './wire';

/** seeds/002 and reference/player-api.md: the player API, its errors and its 422. */
export const BASE = MOUNTS.player;

/** What each status means in this API (seeds/002's error codes, and the ones we added). */
const NOTES: Record<number, string> = {
  400: '`bad_id`: `player_uuid` is neither a UUID nor `me`.',
  403: '`insufficient_permissions`, or a refused token (`auth_*` codes; never 401 here).',
  404: '`resource_not_found`.',
  405: '`method_not_allowed`.',
  409: '`too_many_listening_to_single_client`: the player holds the most listeners allowed.',
  413: '`payload_too_large`.',
  422: 'Validation Error: every problem, with its `loc`.',
  429: '`rate_limit_exceeded`.',
  503: '`connection_limit_reached`.',
};

export function playerDialect() {
  return createDialect({
    base: BASE,
    render: renderPlayerError,
    errorSchema: ErrorBody,
    byStatus: { 422: ValidationBody },
    auth: requireUser,
    tag: TAGS.player,
    notes: NOTES,
  });
}

export type PlayerDialect = ReturnType<typeof playerDialect>;
