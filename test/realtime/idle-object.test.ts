import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { PlayerListeners } from '../../src/index';
import type { BusyAccount } from '../../src/realtime/busy-meter';
import { member, SseClient, WsClient } from '../api/client/stream-helpers';
import { PLAYER, type Page } from '../api/player/helpers';
import { listenerCount, playerRoomStub, send, until } from '../helpers';
import { fetcherFor, probedD1, type D1Probe } from './fault-env';

// README "Real-time: what waiting costs": while listeners wait with nothing to deliver, their player's
// object has nothing in flight and no timer pending (the platform bills it no duration), and nobody
// reads D1 (deployed settings: a safety re-read once a minute). Measured by the object's own account.

const IDLE_MS = 3000;

/** Waits until `probe` has seen no statement for two seconds: every listener did its first read. */
async function quiet(probe: D1Probe) {
  let last = -1;
  let since = Date.now();
  await until(async () => {
    if (probe.statements !== last) {
      last = probe.statements;
      since = Date.now();
    }
    return Date.now() - since >= 2000;
  }, 15_000);
}

describe('an idle listener costs its object nothing', () => {
  it('four long polls, an event stream and a WebSocket wait: the account stands still and nothing reads D1; it moves only around a delivery', async () => {
    const m = await member('idle');
    const stub = playerRoomStub(m.project, m.user);
    // Six listeners for one player: past the default limit of four, so this object is given six.
    await runInDurableObject(stub, (instance: PlayerListeners) => {
      const object = instance as unknown as { env: Env };
      object.env = { ...object.env, MAX_LISTENERS_PER_PLAYER: '6' };
    });
    const probe: D1Probe = { statements: 0, failNext: 0, failed: 0 };
    // Deployed settings (LISTENER_RECHECK_SECONDS 60, from wrangler.toml).
    expect(env.LISTENER_RECHECK_SECONDS).toBe('60');
    const fetcher = fetcherFor({ ...env, DB: probedD1(probe) });

    // Each resolves once its slot is taken, with its answer still to come.
    const polls = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const res = await fetcher(`${PLAYER}/me/stream/notification/lp?deadline=60`, { headers: m.headers });
        expect(res.status).toBe(200);
        return { answer: res.text().then((text) => JSON.parse(text) as Page) };
      }),
    );
    const sse = await SseClient.open('', m.headers, fetcher);
    const ws = await WsClient.open('', m.headers, fetcher);
    expect((await sse.next()).type).toBe('ready');
    expect((await ws.next()).type).toBe('ready');
    expect(await listenerCount(m.project, m.user)).toBe(6);
    await quiet(probe);

    const before: BusyAccount = (await stub.activity()).account;
    const statements = probe.statements;
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    const after: BusyAccount = (await stub.activity()).account;
    // Nothing in flight, no busy time, no request, no socket event, no D1 statement while they waited.
    expect(after).toEqual({ ...before, inFlight: 0 });
    expect(probe.statements).toBe(statements);

    // A delivery: one notify, then four long polls answer and close their sockets.
    const [created] = await send(m.project, { to: [{ user: m.user }], title: 'wake' });
    const answered = await Promise.all(polls.map((p) => p.answer));
    for (const page of answered) expect(page.notifications.map((n) => n.notification_id)).toEqual([created!.id]);
    await until(async () => sse.received.some((msg) => msg.notification?.id === created!.id));
    await until(async () => ws.received.some((msg) => msg.notification?.id === created!.id));
    await until(async () => (await listenerCount(m.project, m.user)) === 2);
    expect(probe.statements).toBeGreaterThan(statements);

    const delivered: BusyAccount = (await stub.activity()).account;
    expect(delivered.startedAt).toBe(before.startedAt);
    expect(delivered.socketEvents).toBe(before.socketEvents + 4);
    expect(delivered.busyMs).toBeGreaterThanOrEqual(before.busyMs);
    // The notify, and the counts this test asked for.
    expect(delivered.requests).toBeGreaterThan(before.requests);

    // Idle again: the event stream and the WebSocket still wait, and the account stands still again.
    await quiet(probe);
    const settled: BusyAccount = (await stub.activity()).account;
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    expect((await stub.activity()).account).toEqual({ ...settled, inFlight: 0 });
    await sse.close();
    ws.close();
    await until(async () => (await listenerCount(m.project, m.user)) === 0);
  });
});
