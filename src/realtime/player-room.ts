import { DomainError } from '../core/errors';
import type { ListenerRoom, WakeToken } from '../core/realtime';
import type { Bindings } from '../env';
import { playerRoomName } from './names';
import { SOCKET_REQUEST_HEADER, type AcquireResult, type SocketRequest } from './player-listeners';

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
      // Retried with the same lease when the object was reset before it replied: taking it twice counts once.
      const result: AcquireResult = await retried(async () => stub.acquire(projectId, { userId, orgs }, lease, Date.now() + ttlMs, name));
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

/**
 * Hands a WebSocket upgrade to the player's object (the Worker checked the token): the object's 101,
 * or the refusal thrown. Asked again of a fresh stub when the object was reset before it replied;
 * the lease is chosen here, so the one the lost attempt may have stored counts once and is forgotten.
 */
export async function handOverSocket(env: Bindings, request: Omit<SocketRequest, 'lease'>): Promise<Response> {
  const handover: SocketRequest = { ...request, lease: crypto.randomUUID() };
  const name = playerRoomName(request.projectId, request.holder.userId);
  const ask = () =>
    env.PLAYER_LISTENERS.getByName(name).fetch('https://player-listeners/ws', {
      headers: { upgrade: 'websocket', [SOCKET_REQUEST_HEADER]: JSON.stringify(handover) },
    });
  const response = await ask().catch(ask);
  if (response.status === 409 || response.status === 503) {
    throw refusal(((await response.json()) as { reason: 'player' | 'project' }).reason);
  }
  return response;
}
