import { requireUser } from '../../http/auth';
import { MOUNTS } from '../mounts';
import { createDialect } from '../../http/dialect';
import { ErrorBody, renderPlayerError, ValidationBody } from './wire';

/** seeds/002 and reference/player-api.md: the player API, its errors and its 422. */
export const BASE = MOUNTS.player;

export function playerDialect() {
  return createDialect({ base: BASE, render: renderPlayerError, errorSchema: ErrorBody, byStatus: { 422: ValidationBody }, auth: requireUser });
}

export type PlayerDialect = ReturnType<typeof playerDialect>;
