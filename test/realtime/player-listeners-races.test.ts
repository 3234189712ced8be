import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { PlayerListeners } from '../../src/index';
import { call, listenerCount, playerRoomStub, projectListenerCount, send, until } from '../helpers';
import { PLAYER } from '../api/player/helpers';
import { member, WsClient } from '../api/client/stream-helpers';
import { LISTENER_REQUEST_HEADER, type ListenerRequest } from '../../src/realtime/listener-protocol';

// The player object's listener sockets, leases and shard shares stay equal whatever runs between a
// socket's opening and its acceptance: the alarm, a close, a reset.

type Member = Awaited<ReturnType<typeof member>>;
type ShardCall = 'take' | 'drop' | 'renew';

/**
 * Makes the player's object wait, at its next call of `method` to its project shard, until the test
 * opens the gate: the window in which a race would do its harm stays open as long as the test needs.
 */
async function holdShardCall(m: Member, method: ShardCall) {
  let open = () => {};
  const gate = new Promise<void>((resolve) => (open = resolve));
  let reached = false;
  await runInDurableObject(playerRoomStub(m.project, m.user), (instance: PlayerListeners) => {
    const object = instance as unknown as { env: Env };
    const real = object.env.PROJECT_LISTENERS;
    let armed = true;
    object.env = {
      ...object.env,
      PROJECT_LISTENERS: {
        getByName(name: string) {
          const shard = real.getByName(name);
          return new Proxy(shard, {
            get(target, key) {
              const call = Reflect.get(target, key) as (...args: unknown[]) => Promise<unknown>;
              if (key !== method || !armed) return call;
              armed = false;
              return async (...args: unknown[]) => {
                reached = true;
                await gate;
                return call(...args);
              };
            },
          });
        },
      } as unknown as Env['PROJECT_LISTENERS'],
    };
  });
  return { open, reached: () => until(async () => reached) };
}

/**
 * Counts in the object and its shard come to equal the sockets still open (a close reaches the
 * client and the object in either order), and each open socket is served.
 */
async function expectCountsToMatch(m: Member, sockets: WsClient[]) {
  const open = () => sockets.filter((s) => !s.closed).length;
  await until(async () => (await listenerCount(m.project, m.user)) === open() && (await projectListenerCount(m.project, m.user)) === open());
  const live = sockets.filter((s) => !s.closed);
  if (live.length === 0) return;
  const [created] = await send(m.project, { to: [{ user: m.user }], title: `check ${crypto.randomUUID()}` });
  for (const socket of live) await until(async () => socket.received.some((msg) => msg.notification?.id === created!.id));
}

describe('player object races', () => {
  it('keeps the lease of a socket being accepted while the alarm runs', async () => {
    const m = await member('race');
    // An earlier socket, closed: its alarm is still set, and no other socket is open.
    const earlier = await WsClient.open('', m.headers);
    earlier.close();
    await expectCountsToMatch(m, []);
    const held = await holdShardCall(m, 'take');
    const opening = WsClient.open('', m.headers);
    await held.reached();
    // The lease is stored; the socket is not accepted yet.
    expect(await listenerCount(m.project, m.user)).toBe(1);
    expect(await runDurableObjectAlarm(playerRoomStub(m.project, m.user))).toBe(true);
    held.open();
    const socket = await opening;
    expect((await socket.next()).type).toBe('ready');
    await expectCountsToMatch(m, [socket]);

    // And with another socket open while the alarm runs.
    const another = await holdShardCall(m, 'take');
    const second = WsClient.open('', m.headers);
    await another.reached();
    await runDurableObjectAlarm(playerRoomStub(m.project, m.user));
    another.open();
    const both = [socket, await second];
    await expectCountsToMatch(m, both);
    both.forEach((s) => s.close());
    await expectCountsToMatch(m, []);
  });

  it('ends at zero when the alarm runs while a closing socket gives its slot back', async () => {
    const m = await member('race');
    const sockets = [await WsClient.open('', m.headers), await WsClient.open('', m.headers)];
    const held = await holdShardCall(m, 'drop');
    sockets[0]!.close();
    await held.reached();
    expect(await runDurableObjectAlarm(playerRoomStub(m.project, m.user))).toBe(true);
    held.open();
    await until(async () => sockets[0]!.closed);
    await expectCountsToMatch(m, sockets);
    sockets[1]!.close();
    await expectCountsToMatch(m, []);
  });

  it('forgets the lease of a socket whose object was reset while accepting it; the client is served by the retry', async () => {
    const m = await member('race');
    const held = await holdShardCall(m, 'take');
    const opening = WsClient.open('', m.headers);
    await held.reached();
    await abortAllDurableObjects();
    held.open();
    const socket = await opening;
    expect((await socket.next()).type).toBe('ready');
    await expectCountsToMatch(m, [socket]);
    // The alarm (set before the lease was taken) finds nothing to forget and keeps the live socket.
    await runDurableObjectAlarm(playerRoomStub(m.project, m.user));
    await expectCountsToMatch(m, [socket]);
    socket.close();
    await expectCountsToMatch(m, []);
  });

  it('keeps its listeners through a reset: each Worker takes its slot back on a new socket, and is still woken', async () => {
    const m = await member('race');
    const sockets = await Promise.all(Array.from({ length: 4 }, () => WsClient.open('', m.headers)));
    await Promise.all(sockets.map((s) => s.next()));
    await abortAllDurableObjects();
    // The clients never notice: their connections are the Workers', not the object's.
    await expectCountsToMatch(m, sockets);
    expect(sockets.map((s) => s.closeCode)).toEqual([undefined, undefined, undefined, undefined]);
    sockets.forEach((s) => s.close());
    await expectCountsToMatch(m, []);
  });

  it('gives the slots of listeners whose Workers are gone to the next listener at once, not at the next alarm', async () => {
    const m = await member('race');
    // Four listeners' sockets held by the test, as Workers that will not come back after the reset.
    const stub = playerRoomStub(m.project, m.user);
    for (let i = 0; i < 4; i++) {
      const request: ListenerRequest = { lease: crypto.randomUUID(), projectId: m.project, holder: { userId: m.user, orgs: [] } };
      const res = await stub.fetch('https://player-listeners/listen', { headers: { upgrade: 'websocket', [LISTENER_REQUEST_HEADER]: JSON.stringify(request) } });
      expect(res.status).toBe(101);
      res.webSocket!.accept();
    }
    expect(await listenerCount(m.project, m.user)).toBe(4);
    await abortAllDurableObjects();
    const poll = await call(`${PLAYER}/me/stream/notification/lp?deadline=0`, { headers: m.headers });
    expect(poll.status).toBe(200);
    await until(async () => (await listenerCount(m.project, m.user)) === 0 && (await projectListenerCount(m.project, m.user)) === 0);
  });

  it('matches the live sockets after a random mix of opens, closes, alarms and evictions', async () => {
    const m = await member('race');
    // A fixed seed: a failure replays the same mix.
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const sockets: WsClient[] = [];
    let resets = 0;
    for (let round = 0; round < 8; round++) {
      const steps: Promise<unknown>[] = [];
      for (let i = 0; i < 5; i++) {
        const pick = random();
        const live = sockets.filter((s) => !s.closed);
        if (pick < 0.4 && live.length < 4) {
          // Most sockets are named (two names): a reconnect under a name closes the socket that had it.
          const name = random() < 0.7 ? `&listener_id=n${Math.floor(random() * 2)}` : '';
          steps.push(
            WsClient.open(`?x=1${name}`, m.headers)
              .then((s) => sockets.push(s))
              .catch(() => {}),
          );
        } else if (pick < 0.7 && live.length > 0) {
          live[Math.floor(random() * live.length)]!.close();
        } else if (pick < 0.9) {
          steps.push(runDurableObjectAlarm(playerRoomStub(m.project, m.user)));
        } else {
          resets++;
          steps.push(abortAllDurableObjects());
        }
      }
      await Promise.all(steps);
      await until(async () => sockets.every((s) => s.closed || s.received.length > 0));
      await expectCountsToMatch(m, sockets);
    }
    // The mix did include sockets replaced under their name, and resets that open sockets lived through.
    expect(sockets.some((s) => s.closeCode === 4000)).toBe(true);
    expect(resets).toBeGreaterThan(0);
    expect(sockets.filter((s) => !s.closed).length).toBeGreaterThan(0);
    sockets.forEach((s) => s.closed || s.close());
    await expectCountsToMatch(m, []);
  });
});
