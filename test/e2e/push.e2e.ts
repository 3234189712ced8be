// Web Push in Chromium, as far as a browser without the internet goes (issue 27, point 5). The subscription is
// Chromium's but for one step: its push service (FCM) is out of reach, so `pushManager.subscribe` answers with a
// subscription at the local stand-in push service (scripts/push-stand-in.mjs), whose keys the stand-in holds.
// Everything else is real: the permission, the service worker (the demo's /sw.js, which imports /inbox/sw.js), the element's toggle, the client
// library's registration, the Worker's queue, encryption and VAPID; and the push itself reaches the service
// worker's `push` handler through DevTools (ServiceWorker.deliverPushMessage), carrying what the stand-in decrypted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { startPushStandIn } from '../../scripts/push-stand-in.mjs';
import { bell, demoReady, inbox, launch, otherOrigin, produce, screenshot, serverCounts, unique, userToken, watch } from './helpers';

let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];
let standIn: Awaited<ReturnType<typeof startPushStandIn>>;
let subscription: Awaited<ReturnType<typeof standIn.subscription>>;

/**
 * Chromium's subscribe, pointed at the stand-in: the key it was asked with is kept to check, and the subscription
 * lasts across pages of the origin (in localStorage), as the browser's own does.
 */
function fakeSubscribe(json: string) {
  const given = JSON.parse(json) as { endpoint: string };
  const made = (key: number[]) => ({
    endpoint: given.endpoint,
    options: { applicationServerKey: new Uint8Array(key).buffer, userVisibleOnly: true },
    toJSON: () => given,
    unsubscribe: async () => (localStorage.removeItem('fake-push-key'), true),
  });
  PushManager.prototype.subscribe = async function (options?: PushSubscriptionOptionsInit) {
    const key = [...new Uint8Array(options?.applicationServerKey as Uint8Array)];
    (window as unknown as { subscribedWith: number[] }).subscribedWith = key;
    localStorage.setItem('fake-push-key', JSON.stringify(key));
    return made(key) as unknown as PushSubscription;
  };
  PushManager.prototype.getSubscription = async () => {
    const key = localStorage.getItem('fake-push-key');
    return key ? (made(JSON.parse(key) as number[]) as unknown as PushSubscription) : null;
  };
}

beforeAll(async () => {
  standIn = await startPushStandIn();
  subscription = await standIn.subscription();
  browser = await launch();
  context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
  await context.grantPermissions(['notifications'], { origin: inbox });
  await context.addInitScript(fakeSubscribe, JSON.stringify(subscription));
  const watched = await watch(context, `${inbox}/`, [inbox]);
  page = watched.page;
  errors = watched.errors;
  await demoReady(page);
});
afterAll(async () => {
  await browser?.close();
  await standIn?.close();
});

/** The endpoints the server holds for Alice (GET /api/v1/client/push/subscriptions). */
async function aliceSubscriptions(): Promise<string[]> {
  const token = await userToken({ sub: 'alice', project: 'demo', orgs: ['acme'] });
  const response = await fetch(`${inbox}/api/v1/client/push/subscriptions`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return ((await response.json()) as { subscriptions: { endpoint: string }[] }).subscriptions.map((s) => s.endpoint);
}

const aliceBell = () => page.locator('edge-inbox[data-user=alice]:not([inline])');

/** The registration id DevTools knows the inbox's service worker by. */
async function registrationId(cdp: CDPSession): Promise<string> {
  const found = new Promise<string>((resolve) =>
    cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations }) => {
      const ours = registrations.find((r: { scopeURL: string; isDeleted: boolean }) => r.scopeURL === `${inbox}/` && !r.isDeleted);
      if (ours) resolve(ours.registrationId);
    }),
  );
  await cdp.send('ServiceWorker.enable');
  return found;
}

describe('Web Push in the demo', () => {
  it('offers the toggle in Alice’s panel, subscribes with the deployment’s key, and registers the subscription', async () => {
    await bell(page, 'alice').click();
    const toggle = aliceBell().locator('[part~=push-toggle]');
    await expect.poll(() => toggle.isVisible()).toBe(true);
    await expect(toggle.textContent()).resolves.toBe('Notify me when this page is closed');
    expect(await toggle.getAttribute('role')).toBe('switch');
    expect(await toggle.isChecked()).toBe(false);
    await toggle.click();
    await expect.poll(() => aliceBell().locator('[part~=push-hint]').textContent()).toBe('You will be notified here when this page is closed.');
    expect(await toggle.isChecked()).toBe(true);
    await screenshot(page, 'push-enabled');

    // It subscribed with the key GET /api/v1/client/push/key gives, through a real service worker.
    const key = await page.evaluate(() => (window as unknown as { subscribedWith: number[] }).subscribedWith);
    expect(Buffer.from(key).toString('base64url')).toMatch(/^B[\w-]{86}$/);
    const worker = await page.evaluate(async () => {
      const registration = await navigator.serviceWorker.getRegistration('/');
      return { script: registration?.active?.scriptURL, scope: registration?.scope };
    });
    // The demo's worker (push-worker="/sw.js"), whose scope covers the installed app's: Chromium badges only those.
    const manifest = await (await fetch(`${inbox}/demo/manifest.webmanifest`)).json();
    expect(worker).toEqual({ script: `${inbox}/sw.js`, scope: new URL(manifest.scope, inbox).href });
    expect(await aliceSubscriptions()).toEqual([subscription.endpoint]);
  });

  it('pushes what Alice is sent, encrypted and signed, to the stand-in; the service worker tells the open page, and shows it once the app is closed', async () => {
    const cdp = await context.newCDPSession(page);
    const registration = await registrationId(cdp);
    const title = unique('Pushed');
    await produce({ to: [{ user: 'alice' }], title, body: 'While the page was away', action_url: `${inbox}/docs`, priority: 'high' });
    await expect.poll(() => standIn.received.some((p) => p.payload.notification.title === title), { timeout: 15_000 }).toBe(true);
    const push = standIn.received.find((p) => p.payload.notification.title === title)!;
    expect(push.endpoint).toBe(subscription.endpoint);
    expect(push.headers).toMatchObject({ urgency: 'high', encoding: 'aes128gcm' });
    expect(push.authorization).toMatch(/^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=B[\w-]{86}$/);
    expect(push.payload.notification).toMatchObject({ title, body: 'While the page was away' });

    // The page open and in front: the service worker tells it (its list and badge update at once) and shows nothing.
    await page.evaluate(() => {
      const w = window as unknown as { pushMessages: unknown[] };
      w.pushMessages = [];
      navigator.serviceWorker.addEventListener('message', (event) => w.pushMessages.push(event.data));
    });
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: inbox, registrationId: registration, data: push.text });
    await expect
      .poll(() => page.evaluate(() => (window as unknown as { pushMessages: unknown[] }).pushMessages), { timeout: 5_000 })
      .toEqual([{ type: 'edge-inbox:push', id: push.payload.inbox.id }]);
    expect(errors).toEqual([]);

    // The page keeps the app's badge (Alice's bell has app-badge) and leaves the count for the service worker.
    const badge = () => page.evaluate(async () => (await (await caches.open('edge-inbox')).match('/edge-inbox/app-badge'))?.text());
    const pending = (await serverCounts('alice')).pending;
    await expect.poll(badge).toBe(String(pending));

    // The app closed (only a page of another origin open): the service worker shows the push, and counts it on the
    // badge (its Badging API replaced by a recorder).
    const elsewhere = await context.newPage();
    await elsewhere.goto(otherOrigin);
    await page.close();
    const worker = context.serviceWorkers().find((w) => w.url() === `${inbox}/sw.js`)!;
    await worker.evaluate(() => {
      const scope = self as unknown as { badgeCalls: number[]; shows: number; registration: ServiceWorkerRegistration };
      scope.badgeCalls = [];
      scope.shows = 0;
      navigator.setAppBadge = async (count?: number) => void scope.badgeCalls.push(count!);
      const show = scope.registration.showNotification.bind(scope.registration);
      scope.registration.showNotification = (title: string, options?: NotificationOptions) => ((scope.shows += 1), show(title, options));
    });
    const cdpElsewhere = await context.newCDPSession(elsewhere);
    await cdpElsewhere.send('ServiceWorker.enable');
    await cdpElsewhere.send('ServiceWorker.deliverPushMessage', { origin: inbox, registrationId: registration, data: push.text });
    const check = await context.newPage();
    await check.goto(`${inbox}/docs`);
    const shown = () =>
      check.evaluate(async () => {
        const registration = await navigator.serviceWorker.getRegistration('/');
        return (await registration!.getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data }));
      });
    await expect
      .poll(shown, { timeout: 5_000 })
      .toEqual([{ title, body: 'While the page was away', tag: push.payload.notification.tag, data: { url: `${inbox}/docs`, id: push.payload.inbox.id } }]);
    const badgeCalls = () => worker.evaluate(() => (self as unknown as { badgeCalls: number[] }).badgeCalls);
    await expect.poll(badgeCalls).toEqual([pending + 1]);
    // The same push again with the app closed (push services may deliver twice): shown again in the same place (its
    // tag), not counted again.
    await check.close();
    await cdpElsewhere.send('ServiceWorker.deliverPushMessage', { origin: inbox, registrationId: registration, data: push.text });
    await expect.poll(() => worker.evaluate(() => (self as unknown as { shows: number }).shows)).toBe(2);
    expect(await worker.evaluate(async () => (await (await caches.open('edge-inbox')).match('/edge-inbox/app-badge'))?.text())).toBe(String(pending + 1));
    expect(await badgeCalls()).toEqual([pending + 1]);

    // Two pushes at once: each adds its own (the worker counts one at a time).
    const titles = [unique('Together'), unique('Together')];
    for (const title of titles) await produce({ to: [{ user: 'alice' }], title });
    await expect.poll(() => titles.every((t) => standIn.received.some((p) => p.payload.notification.title === t)), { timeout: 15_000 }).toBe(true);
    const together = titles.map((t) => standIn.received.find((p) => p.payload.notification.title === t)!);
    await Promise.all(together.map((p) => cdpElsewhere.send('ServiceWorker.deliverPushMessage', { origin: inbox, registrationId: registration, data: p.text })));
    await expect.poll(badgeCalls).toEqual([pending + 1, pending + 2, pending + 3]);
    await elsewhere.close();
    // The demo again, for what follows.
    const watched = await watch(context, `${inbox}/`, [inbox]);
    page = watched.page;
    errors = watched.errors;
    await demoReady(page);
  });

  it('turns off: the subscription is removed from the server and the browser', async () => {
    const toggle = aliceBell().locator('[part~=push-toggle]');
    await bell(page, 'alice').click();
    // A page opened after enabling shows it on.
    await expect.poll(() => toggle.isChecked()).toBe(true);
    await toggle.click();
    await expect.poll(() => toggle.isChecked()).toBe(false);
    await expect.poll(() => page.evaluate(async () => (await (await navigator.serviceWorker.getRegistration('/'))!.pushManager.getSubscription()) === null)).toBe(true);
    // Gone from the server: nothing more is pushed to this browser.
    expect(await aliceSubscriptions()).toEqual([]);
    expect(errors).toEqual([]);
  });
});
