import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/core/db';
import { acquireListener, longPoll } from '../../src/core/long-poll';
import type { UserPrincipal } from '../../src/core/principal';
import type { ListenerRoom, WakeToken } from '../../src/core/realtime';

const user: UserPrincipal = { kind: 'user', projectId: 'default', userId: 'core-lp', orgs: [], permissions: null };

/** A room that records what happened to its one slot. */
function recordingRoom() {
  const events: string[] = [];
  const token: WakeToken = { epoch: 'e', generation: 0 };
  const room: ListenerRoom = {
    async acquire() {
      events.push('acquire');
      return {
        token,
        slot: {
          async wait(since, ms) {
            events.push('wait');
            await new Promise((r) => setTimeout(r, Math.min(ms, 20)));
            return since;
          },
          async renew() {
            events.push('renew');
            return true;
          },
          async release() {
            events.push('release');
          },
        },
      };
    },
  };
  return { room, events };
}

describe('core long poll', () => {
  it('releases its slot when reading the store fails', async () => {
    const { room, events } = recordingRoom();
    const broken = { $client: { prepare: () => ({ bind: () => ({}) }), batch: () => Promise.reject(new Error('D1 is down')) } } as unknown as Db;
    const held = await acquireListener(room, Date.now() + 1000);
    await expect(longPoll(broken, user, held, { after: 0, limit: 10, deadline: Date.now() + 1000 })).rejects.toThrow('D1 is down');
    expect(events).toEqual(['acquire', 'release']);
  });

  it('releases its slot at the deadline and when the signal aborts', async () => {
    const db = openDb(env.DB);
    const timed = recordingRoom();
    const result = await longPoll(db, user, await acquireListener(timed.room, Date.now() + 100), { after: 0, limit: 10, deadline: Date.now() + 100, recheckMs: 20 });
    expect(result).toEqual({ items: [], position: 0 });
    expect(timed.events.at(-1)).toBe('release');
    expect(timed.events.filter((e) => e === 'release')).toHaveLength(1);

    const aborted = recordingRoom();
    const hangUp = new AbortController();
    const pending = longPoll(db, user, await acquireListener(aborted.room, Date.now() + 60_000), {
      after: 0,
      limit: 10,
      deadline: Date.now() + 60_000,
      signal: hangUp.signal,
      recheckMs: 20,
    });
    hangUp.abort();
    await pending;
    expect(aborted.events.at(-1)).toBe('release');
  });
});
