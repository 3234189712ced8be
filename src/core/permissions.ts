import { DomainError } from './errors';
import type { UserPrincipal } from './principal';

// The player API's permission vocabulary (reference/player-api.md, "Permissions").

const READ_ANY = ['notification:player:*', 'notification:player:read'];
const READ_SELF = ['notification:player:self:*', 'notification:player:self:read'];
const WRITE_ANY = ['notification:player:*', 'notification:player:write'];

/**
 * The principal to read a player's inbox as. A token without a `permissions` claim may read itself.
 * Organisation memberships are known only from a player's own token, so reading another player
 * covers their own notifications and everyone's.
 */
export function playerReader(caller: UserPrincipal, playerId: string): UserPrincipal {
  const self = playerId === caller.userId;
  const allowed =
    caller.permissions === null ? self : has(caller, READ_ANY) || (self && has(caller, READ_SELF));
  if (!allowed) throw insufficient();
  return self ? caller : { kind: 'user', projectId: caller.projectId, userId: playerId, orgs: [], permissions: null };
}

export function assertPlayerWriter(caller: UserPrincipal): void {
  if (!has(caller, WRITE_ANY)) throw insufficient();
}

function has(caller: UserPrincipal, any: readonly string[]): boolean {
  return caller.permissions?.some((p) => any.includes(p)) ?? false;
}

function insufficient(): DomainError {
  return new DomainError('forbidden', 'Insufficient Permissions');
}
