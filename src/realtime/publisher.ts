import { parseAudienceKey } from '../core/audience';
import type { Publisher } from '../core/realtime';
import type { Bindings } from '../env';
import { playerRoomName, projectShards } from './names';
import { listenerLimits } from './settings';

/**
 * Wakes a user's own object directly. Organisations and everyone are not in the store (membership
 * lives in tokens), so their notifications go to every shard of the project, and each shard wakes
 * the players listening in that audience (its leases say who they are).
 */
export function durableObjectPublisher(env: Bindings, bookmark: () => string | null = () => null): Publisher {
  return {
    async notify(projectId, audiences) {
      // Where the write committed: the listeners read at least that fresh (a replica may lag).
      const at = bookmark() ?? undefined;
      const parsed = audiences.map(parseAudienceKey);
      const users = parsed.flatMap((a) => (a.kind === 'user' ? [a.id] : []));
      const orgs = parsed.flatMap((a) => (a.kind === 'org' ? [a.id] : []));
      const everyone = parsed.some((a) => a.kind === 'everyone');
      const shards = orgs.length > 0 || everyone ? projectShards(projectId, listenerLimits(env).perProject) : [];
      await Promise.all([
        ...users.map((userId) => env.PLAYER_LISTENERS.getByName(playerRoomName(projectId, userId)).notify(at)),
        ...shards.map((name) => env.PROJECT_LISTENERS.getByName(name).wake(projectId, orgs, everyone, at)),
      ]);
    },
  };
}
