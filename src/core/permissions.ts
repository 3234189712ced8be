import { DomainError, invalidParameter } from './errors';
import { UUID } from './ids';
import type { UserPrincipal } from './principal';

// The player API's permission vocabulary (reference/player-api.md, "Permissions").

const READ_ANY = ['notification:player:*', 'notification:player:read'];
const READ_SELF = ['notification:player:self:*', 'notification:player:self:read'];
const WRITE_ANY = ['notification:player:*', 'notification:player:write'];

/** A path's `{player_uuid}`: `me` (the caller), or a player UUID; anything else is 400 bad_id. */
export function playerIdOf(caller: UserPrincipal, param: string): string {
  if (param === 'me') return caller.userId;
  if (!UUID.test(param)) throw invalidParameter('player_uuid', 'Passed client id is not a valid id');
  return param;
}

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

/** seeds/001 `/users/{userId}`: the caller themselves, or a token that may read any player. */
export function userListReader(caller: UserPrincipal, userId: string): UserPrincipal {
  try {
    return playerReader(caller, userId);
  } catch {
    throw new DomainError('forbidden', 'You may not read notifications of another user');
  }
}

/** seeds/001 `/clients/{clientId}`: only a member (the token's `orgs`) reads an organisation's notifications. */
export function clientListReader(caller: UserPrincipal, clientId: string): UserPrincipal {
  if (!caller.orgs.includes(clientId)) throw new DomainError('forbidden', `You are not a member of client ${clientId}`);
  return caller;
}
