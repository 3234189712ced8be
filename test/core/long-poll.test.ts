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
  const token: WakeToken = { generation: 0 };
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
  it('goes on waiting when reading the store fails, reads again after each wait, and releases its slot at the deadline', async () => {
    const { room, events } = recordingRoom();
    let reads = 0;
    const broken = {
      $client: { prepare: () => ({ bind: () => ({}) }), batch: () => Promise.reject(new Error(`D1 is down (${++reads})`)) },
    } as unknown as Db;
    const held = await acquireListener(room);
    const result = await longPoll(broken, user, held, { after: 7, limit: 10, deadline: Date.now() + 200, recheckMs: 20 });
    expect(result).toEqual({ items: [], position: 7 });
    expect(events.at(-1)).toBe('release');
    expect(events.filter((e) => e === 'release')).toHaveLength(1);
    // One read before the first wait and one after each.
    const waits = events.filter((e) => e === 'wait').length;
    expect(waits).toBeGreaterThan(1);
    expect(reads).toBeGreaterThanOrEqual(waits);
  });

  it('releases its slot at the deadline and when the signal aborts', async () => {
    const db = openDb(env.DB);
    const timed = recordingRoom();
    const result = await longPoll(db, user, await acquireListener(timed.room), { after: 0, limit: 10, deadline: Date.now() + 100, recheckMs: 20 });
    expect(result).toEqual({ items: [], position: 0 });
    expect(timed.events.at(-1)).toBe('release');
    expect(timed.events.filter((e) => e === 'release')).toHaveLength(1);

    const aborted = recordingRoom();
    const hangUp = new AbortController();
    const pending = longPoll(db, user, await acquireListener(aborted.room), {
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
