/// <reference lib="webworker" />
// The service worker that shows Web Push notifications (README "Push"), served as /inbox/sw.js. An app on the
// inbox's own origin registers it as it is (the client library's default); an app elsewhere serves its own worker
// with `importScripts('https://<inbox>/inbox/sw.js')` in it, since a service worker must come from the page's origin.
//
// A push carries Declarative Web Push's JSON (`notification`: title, body, navigate, icon, tag) and `inbox` (our
// id, category, …). Shown unless a tab of the app is in front (it shows the inbox itself; Safari: always); tabs are
// told, so that their badge and list update at once. A click opens `navigate` (the notification's action URL) in a
// tab of the app if one is open (the page goes there itself when the worker does not control it), else a new one.
// With no page of the app in sight, a push also counts the app's icon badge up, where a page keeps one (the
// element's app-badge, the client's updateAppBadge). Chromium badges only the apps inside this worker's scope: an app
// whose badge should follow pushes registers a worker whose scope covers the app's (the demo: /sw.js, scope /).

import { APP_BADGE_CACHE, APP_BADGE_KEY } from '../src/app-badge';

declare const self: ServiceWorkerGlobalScope;

interface Payload {
  notification?: { title?: string; body?: string; navigate?: string; icon?: string; tag?: string };
  inbox?: { id?: string; action_url?: string | null };
}

self.addEventListener('install', () => void self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

/** Safari revokes the permission of a site whose pushes show nothing: there every push is shown. */
const ALWAYS_SHOW = /Safari/.test(navigator.userAgent) && !/Chrome|Chromium|Edg|Firefox/.test(navigator.userAgent);

self.addEventListener('push', (event) => {
  let payload: Payload = {};
  try {
    payload = event.data?.json() ?? {};
  } catch {
    payload = { notification: { body: event.data?.text() } };
  }
  const shown = payload.notification || {};
  const inbox = payload.inbox || {};
  event.waitUntil(
    (async () => {
      const tabs = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      for (const tab of tabs) tab.postMessage({ type: 'edge-inbox:push', id: inbox.id });
      // A page in sight keeps the badge itself, from the server's counts; a hidden one sets it again when it is back.
      if (inbox.id && !tabs.some((tab) => tab.visibilityState == 'visible')) await countOnBadge(inbox.id);
      // Browsers want a notification for each push unless the site is in front: then the page shows it itself.
      if (!ALWAYS_SHOW && tabs.some((tab) => tab.focused && tab.visibilityState == 'visible')) return;
      await self.registration.showNotification(shown.title || 'New notification', {
        body: shown.body || '',
        icon: shown.icon,
        // The notification's id: a push delivered twice shows once.
        tag: shown.tag || inbox.id,
        data: { url: shown.navigate || inbox.action_url || null, id: inbox.id },
      });
    })(),
  );
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url: string | null = event.notification.data?.url ?? null;
  event.waitUntil(
    (async () => {
      const target = new URL(url || '/', self.location.origin);
      const tabs = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      // A tab of the app is focused rather than another opened: the one at that page, else any of this origin.
      const exact = tabs.find((t) => t.url == target.href);
      if (exact) return void (await exact.focus());
      const tab = tabs[0];
      if (!tab || target.origin != self.location.origin) return void (await self.clients.openWindow(target.href));
      const focused = await tab.focus();
      if (!url) return;
      // navigate() works only on a tab this worker controls (its scope is /inbox/): others are asked to go there.
      await focused.navigate(target.href).catch(() => focused.postMessage({ type: 'edge-inbox:open', url: target.href }));
    })(),
  );
});

/** The ids this worker counted lately: a push delivered again (before or after it was shown) counts once. */
const COUNTED_KEY = APP_BADGE_KEY + '-counted';
const COUNTED_KEPT = 100;
/** One count at a time: pushes that arrive together each add theirs. */
let counting = Promise.resolve();

/** One more on the badge, from the count the page last gave it (a push is always a new, pending notification). */
function countOnBadge(id: string): Promise<void> {
  counting = counting.then(async () => {
    try {
      if (!navigator.setAppBadge) return;
      const cache = await caches.open(APP_BADGE_CACHE);
      // Only where a page keeps a badge: the count it left is this browser's user's.
      const held = await cache.match(APP_BADGE_KEY);
      if (!held) return;
      const counted: string[] = await cache.match(COUNTED_KEY).then((r) => (r ? r.json() : []), () => []);
      if (counted.includes(id)) return;
      const count = (Number(await held.text()) || 0) + 1;
      await cache.put(COUNTED_KEY, new Response(JSON.stringify([...counted, id].slice(-COUNTED_KEPT))));
      await cache.put(APP_BADGE_KEY, new Response(String(count)));
      await navigator.setAppBadge(count);
    } catch {
      // A badge that cannot be set must not keep the notification from showing.
    }
  });
  return counting;
}
