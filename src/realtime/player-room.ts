import { DomainError } from '../core/errors';
import type { ListenerRoom, WakeToken } from '../core/realtime';
import type { Bindings } from '../env';
import { playerRoomName } from './names';

/** Resolves at once for a token of no instance: the object will answer with its own. */
const RESTARTED: WakeToken = { epoch: '', generation: 0 };

export function refusal(reason: 'player' | 'project'): DomainError {
  return reason === 'player'
    ? new DomainError('too_many_listeners', 'This player already has the most listeners allowed')
    : new DomainError('connection_limit', 'The project has the most listeners allowed');
}

/** The player's Durable Object as the core's ListenerRoom; `orgs` are the organisations it listens in. */
export function playerRoom(env: Bindings, projectId: string, userId: string, orgs: readonly string[] = []): ListenerRoom {
  // A stub breaks for good when its object is reset (eviction, deploy); later calls need a new one.
  const fresh = () => env.PLAYER_LISTENERS.getByName(playerRoomName(projectId, userId));
  let stub = fresh();
  const retried = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch {
      stub = fresh();
      return call();
    }
  };

  return {
    async acquire(ttlMs, name) {
      const lease = crypto.randomUUID();
      const result = await stub.acquire(projectId, { userId, orgs }, lease, Date.now() + ttlMs, name);
      if (!result.ok) throw refusal(result.reason);
      let released: Promise<void> | undefined;
      return {
        token: result.token,
        slot: {
          async wait(since, ms, signal) {
            if (signal?.aborted) return since;
            let onAbort = () => {};
            const aborted = new Promise<WakeToken | null>((resolve) => {
              onAbort = () => resolve(since);
              signal?.addEventListener('abort', onAbort, { once: true });
            });
            // A reset object drops its pending waits: count that as a wake-up, so the caller re-checks.
            const woken = (async () => stub.wait(since, ms, lease))().catch(() => {
              stub = fresh();
              return RESTARTED;
            });
            try {
              return await Promise.race([woken, aborted]);
            } finally {
              signal?.removeEventListener('abort', onAbort);
            }
          },
          renew(ttlMs) {
            return retried(() => stub.renew(projectId, userId, lease, Date.now() + ttlMs));
          },
          release() {
            // The lease is in the object's storage, so a new instance can drop it.
            released ??= retried(() => stub.release(projectId, userId, lease));
            return released;
          },
        },
      };
    },
  };
}
