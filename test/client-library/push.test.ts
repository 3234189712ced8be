import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it } from 'vitest';
import { createInbox, type Inbox, type PushPlatform, type PushRegistration, type PushSubscriptionLike } from '../../packages/client/src';
import { fromBase64url } from '../../src/core/hash';
import { call, freshProject, send, until, userToken } from '../helpers';
import { newBrowser } from '../push/stand-in';
import { BASE, workerFetch } from './worker-transport';

// The client library's Web Push (issue 27, point 5) against the real Worker, with the browser's part (service worker
// registration, PushManager, Notification, localStorage) stood in for: what it asks, subscribes with, registers and
// removes, and what a push the service worker reports does to a polling inbox.

const open: Inbox[] = [];
afterEach(() => open.splice(0).forEach((inbox) => inbox.stop()));

/** A browser: one service worker registration whose PushManager hands out a stand-in push service's subscription. */
async function fakeBrowser({ permission = 'default', answer = 'granted', iosOutsideHomeScreen = false } = {}) {
  const browser = await newBrowser();
  const calls: string[] = [];
  let subscription: (PushSubscriptionLike & { key: string }) | null = null;
  const subscribe = async (key: Uint8Array, endpoint = browser.subscription.endpoint): Promise<PushSubscriptionLike & { key: string }> => {
    const made = {
      endpoint,
      key: [...key].join(),
      options: { applicationServerKey: key.buffer as ArrayBuffer },
      toJSON: () => ({ ...browser.subscription, endpoint }),
      unsubscribe: async () => {
        calls.push('unsubscribe');
        subscription = null;
        return true;
      },
    };
    return made;
  };
  const registration: PushRegistration = {
    pushManager: {
      getSubscription: async () => subscription,
      subscribe: async ({ applicationServerKey }) => {
        calls.push('subscribe');
        return (subscription = await subscribe(applicationServerKey));
      },
    },
  };
  const listeners = new Set<(event: { data: unknown }) => void>();
  const storage = new Map<string, string>();
  const platform: PushPlatform = {
    serviceWorker: {
      register: async (url) => (calls.push(`register ${url}`), registration),
      getRegistration: async () => (calls.some((c) => c.startsWith('register')) ? registration : undefined),
      addEventListener: (_type, listener) => void listeners.add(listener),
      removeEventListener: (_type, listener) => void listeners.delete(listener),
    },
    Notification: {
      get permission() {
        return permission;
      },
      requestPermission: async () => (calls.push('ask'), (permission = answer)),
    },
    needsHomeScreen: () => iosOutsideHomeScreen,
    storage: { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => void storage.set(k, v), removeItem: (k) => void storage.delete(k) },
  };
  return {
    browser,
    platform,
    calls,
    storage,
    /** What the service worker posts to the page for a push. */
    pushArrived: () => listeners.forEach((listener) => listener({ data: { type: 'edge-inbox:push', id: 'x' } })),
    /** A subscription made earlier with another key (the deployment's key changed). */
    subscribeWithOtherKey: async () => (subscription = await subscribe(new Uint8Array(65).fill(4), 'https://push.example/old')),
    current: () => subscription,
  };
}

async function inboxFor(user: string, project: string, platform: PushPlatform, extra = {}) {
  const requests: string[] = [];
  const inbox = createInbox({
    baseUrl: BASE,
    token: () => userToken({ sub: user, project }),
    fetch: (url, init) => (requests.push(`${init?.method ?? 'GET'} ${new URL(url).pathname}`), workerFetch(url, init)),
    WebSocket: null,
    transport: 'poll',
    share: false,
    pushPlatform: platform,
    ...extra,
  });
  open.push(inbox);
  return { inbox, requests };
}

const registered = async (user: string, project: string) =>
  (
    (await (await call('/api/v1/client/push/subscriptions', { headers: { authorization: `Bearer ${await userToken({ sub: user, project })}` } })).json()) as {
      subscriptions: { endpoint: string }[];
    }
  ).subscriptions.map((s) => s.endpoint);

describe('enablePush', () => {
  it('asks, registers the service worker, subscribes with the deployment key and registers the subscription', async () => {
    const { id: project } = await freshProject('cpush');
    const fake = await fakeBrowser();
    const { inbox } = await inboxFor('ana', project, fake.platform);
    expect(await inbox.pushStatus()).toBe('disabled');
    expect(await inbox.enablePush()).toBe('enabled');
    expect(fake.calls).toEqual(['ask', `register ${BASE}/inbox/sw.js`, 'subscribe']);
    expect(fake.current()!.key).toBe([...fromBase64url(env.VAPID_PUBLIC_KEY)!].join());
    expect(await registered('ana', project)).toEqual([fake.browser.subscription.endpoint]);
    expect(await inbox.pushStatus()).toBe('enabled');
    // Again: the same subscription, registered again, nothing asked of the push service.
    expect(await inbox.enablePush()).toBe('enabled');
    expect(fake.calls.filter((c) => c === 'subscribe')).toHaveLength(1);
  });

  it('drops a subscription made with another key and subscribes again', async () => {
    const { id: project } = await freshProject('cpush');
    const fake = await fakeBrowser({ permission: 'granted' });
    const { inbox } = await inboxFor('ben', project, fake.platform);
    await fake.platform.serviceWorker.register('/elsewhere.js');
    await fake.subscribeWithOtherKey();
    await inbox.enablePush();
    expect(fake.calls.slice(-2)).toEqual(['unsubscribe', 'subscribe']);
    expect(await registered('ben', project)).toEqual([fake.browser.subscription.endpoint]);
  });

  it('says why it cannot: refused permission, iOS outside the home screen, no Web Push at all', async () => {
    const { id: project } = await freshProject('cpush');
    const refused = await fakeBrowser({ answer: 'denied' });
    const { inbox } = await inboxFor('cy', project, refused.platform);
    await expect(inbox.enablePush()).rejects.toMatchObject({ code: 'PUSH_DENIED' });
    expect(await inbox.pushStatus()).toBe('denied');
    expect(refused.calls).toEqual(['ask']);

    const ios = await fakeBrowser({ iosOutsideHomeScreen: true });
    const onIos = (await inboxFor('cy', project, ios.platform)).inbox;
    await expect(onIos.enablePush()).rejects.toMatchObject({ code: 'PUSH_NEEDS_HOME_SCREEN' });
    expect(await onIos.pushStatus()).toBe('needs-home-screen');
    expect(ios.calls).toEqual([]);

    const none = (await inboxFor('cy', project, null as unknown as PushPlatform)).inbox;
    expect(await none.pushStatus()).toBe('unsupported');
    await expect(none.enablePush()).rejects.toMatchObject({ code: 'PUSH_UNSUPPORTED' });
    expect(await registered('cy', project)).toEqual([]);
  });
});

describe('disablePush', () => {
  it('removes the subscription from the server, then from the browser; one the server had lost already is fine', async () => {
    const { id: project } = await freshProject('cpush');
    const fake = await fakeBrowser();
    const { inbox, requests } = await inboxFor('dee', project, fake.platform);
    await inbox.enablePush();
    expect(await inbox.disablePush()).toBe('disabled');
    expect(requests.at(-1)).toBe('DELETE /api/v1/client/push/subscriptions');
    expect(fake.calls.at(-1)).toBe('unsubscribe');
    expect(await registered('dee', project)).toEqual([]);
    expect(await inbox.pushStatus()).toBe('disabled');

    await inbox.enablePush();
    const token = await userToken({ sub: 'dee', project });
    const gone = await call(`/api/v1/client/push/subscriptions?endpoint=${encodeURIComponent(fake.browser.subscription.endpoint)}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(gone.status).toBe(204);
    expect(await inbox.disablePush()).toBe('disabled');
    expect(fake.current()).toBeNull();
  });
});

describe('while started', () => {
  it('replaces, at its daily check, a subscription made with a key the deployment no longer has', async () => {
    const { id: project } = await freshProject('cpush');
    const fake = await fakeBrowser({ permission: 'granted' });
    await fake.platform.serviceWorker.register('/inbox/sw.js');
    // What an earlier deployment key left: a subscription of that key, registered more than a day ago.
    const old = await fake.subscribeWithOtherKey();
    const who = JSON.stringify([undefined, project, 'gil', []]);
    fake.storage.set(`edge-inbox-push:${BASE}`, JSON.stringify({ at: Date.now() - 25 * 3600 * 1000, endpoint: old.endpoint, who, key: 'an-old-key' }));
    const { inbox } = await inboxFor('gil', project, fake.platform);
    await inbox.start();
    await until(async () => (await registered('gil', project)).includes(fake.browser.subscription.endpoint));
    expect(fake.calls.slice(-2)).toEqual(['unsubscribe', 'subscribe']);
    expect(fake.current()!.key).toBe([...fromBase64url(env.VAPID_PUBLIC_KEY)!].join());
  });

  it('registers an enabled subscription again at start once a day, and polls at once when a push arrives', async () => {
    const { id: project } = await freshProject('cpush');
    const fake = await fakeBrowser();
    const first = await inboxFor('eve', project, fake.platform);
    await first.inbox.enablePush();
    first.inbox.stop();

    // Registered less than a day ago: a start registers nothing.
    const again = await inboxFor('eve', project, fake.platform, { polling: { minIntervalMs: 60_000, maxIntervalMs: 60_000 } });
    await again.inbox.start();
    expect(again.requests.filter((r) => r.startsWith('POST /api/v1/client/push'))).toEqual([]);
    // A day later (as the storage says): it does.
    for (const [key, value] of fake.storage) fake.storage.set(key, JSON.stringify({ ...JSON.parse(value), at: Date.now() - 25 * 3600 * 1000 }));
    again.inbox.stop();
    await again.inbox.start();
    await until(async () => again.requests.filter((r) => r === 'POST /api/v1/client/push/subscriptions').length === 1);
    // The browser replaced its subscription (a push service rotated it): registered at the next start, not a day later.
    const rotated = await newBrowser();
    await fake.platform.serviceWorker.register('/inbox/sw.js');
    const old = fake.current()!;
    Object.assign(old, { endpoint: rotated.subscription.endpoint, toJSON: () => rotated.subscription });
    again.inbox.stop();
    await again.inbox.start();
    await until(async () => (await registered('eve', project)).includes(rotated.subscription.endpoint));

    // Polling every minute; a push the service worker reports makes it look now.
    await until(async () => again.inbox.state.status === 'polling');
    const [pushed] = await send(project, { to: [{ user: 'eve' }], title: 'Pushed meanwhile' });
    fake.pushArrived();
    await until(async () => again.inbox.state.notifications.some((n) => n.id === pushed!.id));

    // Another user starts the app in this browser: the subscription is theirs at once, no longer Eve's.
    again.inbox.stop();
    const other = await inboxFor('fay', project, fake.platform);
    await other.inbox.start();
    await until(async () => (await registered('fay', project)).includes(rotated.subscription.endpoint));
    expect(await registered('eve', project)).not.toContain(rotated.subscription.endpoint);
  });
});
