import { abortAllDurableObjects, evictDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { member, SseClient, WsClient, type Fetcher } from '../api/client/stream-helpers';
import { PLAYER, type Page } from '../api/player/helpers';
import { ADMIN, listenerCount, until } from '../helpers';
import { fetcherFor, namespaceWith, probedD1, type D1Probe } from './fault-env';

// README "Real-time: nothing lost": every listener gets every notification meant for it even when the
// wake-up for it failed. Each case holds one listener of one transport, makes the one write of the test
// fail to wake it in one way, and waits for the notification with no further write: the safety re-read
// (LISTENER_RECHECK_SECONDS, 1 s here, 60 s deployed) or the listener's own recovery delivers it.

type Member = Awaited<ReturnType<typeof member>>;

interface Listener {
  /** The notification with this id reached the client. */
  has(id: string): boolean;
  close(): Promise<void> | void;
}

/** Opens one listener of a transport; it resolves once the listener holds its slot. */
const transports: Record<string, (m: Member, fetcher: Fetcher) => Promise<Listener>> = {
  'long poll': async (m, fetcher) => {
    const res = await fetcher(`${PLAYER}/me/stream/notification/lp?deadline=15`, { headers: m.headers });
    expect(res.status).toBe(200);
    let page: Page | undefined;
    void res.text().then((text) => (page = JSON.parse(text) as Page));
    return { has: (id) => page?.notifications.some((n) => n.notification_id === id) ?? false, close: () => {} };
  },
  'event stream': async (m, fetcher) => {
    const client = await SseClient.open('', m.headers, fetcher);
    expect((await client.next()).type).toBe('ready');
    return { has: (id) => client.received.some((msg) => msg.notification?.id === id), close: () => client.close() };
  },
  WebSocket: async (m, fetcher) => {
    const client = await WsClient.open('', m.headers, fetcher);
    expect((await client.next()).type).toBe('ready');
    return { has: (id) => client.received.some((msg) => msg.notification?.id === id), close: () => client.close() };
  },
};

interface Fault {
  /** The listener's safety re-read (LISTENER_RECHECK_SECONDS), and the writer's environment. */
  recheck: '1' | '60';
  writer: () => Env;
  /** Who the one notification is for. */
  to(m: Member): Record<string, unknown>;
  /** Just before the write. */
  arm?(probe: D1Probe): void;
}

const failing = (what: string) => async () => {
  throw new Error(`injected: ${what} failed`);
};

const faults: Record<string, Fault> = {
  'the player object’s notify fails': {
    recheck: '1',
    writer: () => ({ ...env, PLAYER_LISTENERS: namespaceWith(env.PLAYER_LISTENERS, { notify: failing('notify') }) }),
    to: (m) => ({ user: m.user }),
  },
  'the project shard’s wake fails (a notification to everyone)': {
    recheck: '1',
    writer: () => ({ ...env, PROJECT_LISTENERS: namespaceWith(env.PROJECT_LISTENERS, { wake: failing('shard wake') }) }),
    to: () => ({ everyone: true }),
  },
  'the read after the wake-up fails': {
    recheck: '1',
    writer: () => env,
    to: (m) => ({ user: m.user }),
    arm: (probe) => (probe.failNext = 2),
  },
  'the object is evicted between the write and its wake-up': {
    // Deployed settings: only the wake-up can deliver within the test.
    recheck: '60',
    writer: () => ({
      ...env,
      PLAYER_LISTENERS: namespaceWith(env.PLAYER_LISTENERS, {
        notify: async (stub, ...args) => {
          await evictDurableObject(stub);
          return (stub as unknown as { notify(...a: unknown[]): Promise<void> }).notify(...args);
        },
      }),
    }),
    to: (m) => ({ user: m.user }),
  },
  'the object is reset between the write and its wake-up (the wake-up is lost with it)': {
    // Deployed settings: the listener's own recovery (a new socket, then a re-read) delivers, not the safety re-read.
    recheck: '60',
    writer: () => ({
      ...env,
      PLAYER_LISTENERS: namespaceWith(env.PLAYER_LISTENERS, {
        notify: async () => {
          await abortAllDurableObjects();
          throw new Error('injected: the object was reset');
        },
      }),
    }),
    to: (m) => ({ user: m.user }),
  },
};

/**
 * The listener's environment: its D1 seen through `probe`, and `slotTaken` set to the statements done
 * when its slot's socket opened (every statement after that is the listener's reading).
 */
function listenerEnv(fault: Fault, probe: D1Probe, slot: { statementsBefore: number }): Env {
  return {
    ...env,
    LISTENER_RECHECK_SECONDS: fault.recheck,
    DB: probedD1(probe),
    PLAYER_LISTENERS: namespaceWith(env.PLAYER_LISTENERS, {
      fetch: async (stub, ...args) => {
        const res = await (stub.fetch as (...a: unknown[]) => Promise<Response>)(...args);
        slot.statementsBefore = probe.statements;
        return res;
      },
    }),
  };
}

describe('a lost wake-up loses nothing', () => {
  for (const [transport, open] of Object.entries(transports)) {
    for (const [name, fault] of Object.entries(faults)) {
      it(`${transport}: ${name}`, async () => {
        const m = await member('lost');
        const probe: D1Probe = { statements: 0, failNext: 0, failed: 0 };
        const slot = { statementsBefore: Number.POSITIVE_INFINITY };
        const listener = await open(m, fetcherFor(listenerEnv(fault, probe, slot)));
        expect(await listenerCount(m.project, m.user)).toBe(1);
        // The listener's first read is done before the write: only a wake-up or a re-read can find it.
        await until(async () => probe.statements > slot.statementsBefore);
        fault.arm?.(probe);
        const res = await fetcherFor(fault.writer())(`/v1/projects/${m.project}/notifications`, {
          method: 'POST',
          headers: { ...ADMIN, 'content-type': 'application/json' },
          body: JSON.stringify({ to: [fault.to(m)], title: name }),
        });
        // The write is stored whatever happened to its wake-up.
        expect(res.status).toBe(201);
        const [created] = ((await res.json()) as { notifications: { id: string }[] }).notifications;
        await until(async () => listener.has(created!.id), 10_000);
        if (fault.arm) expect(probe.failed).toBeGreaterThan(0);
        await listener.close();
        // An event stream called without the runtime's hang-up signal notices at its next heartbeat (5 s here).
        await until(async () => (await listenerCount(m.project, m.user)) === 0, 15_000);
      });
    }
  }
});
