/// <reference lib="webworker" />
// The service worker that shows Web Push notifications (README "Push"), served as /inbox/sw.js. An app on the
// inbox's own origin registers it as it is (the client library's default); an app elsewhere serves its own worker
// with `importScripts('https://<inbox>/inbox/sw.js')` in it, since a service worker must come from the page's origin.
//
// A push carries Declarative Web Push's JSON (`notification`: title, body, navigate, icon, tag) and `inbox` (our
// id, category, …). Shown unless a tab of the app is in front (it shows the inbox itself; Safari: always); tabs are
// told, so that their badge and list update at once. A click opens `navigate` (the notification's action URL) in a
// tab of the app if one is open (the page goes there itself when the worker does not control it), else a new one.
// With no page open, a push also counts the app's icon badge up, where a page's <edge-inbox app-badge> keeps one.

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
      // An open page keeps the badge itself, from the server's counts.
      if (!tabs.length && inbox.id) await countOnBadge(inbox.id);
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

/**
 * One more on the badge, from the count the page last gave it (a push is always a new, pending notification). Only
 * where a page keeps a badge, and once per notification: a push delivered twice finds its notification shown.
 */
async function countOnBadge(id: string): Promise<void> {
  try {
    if (!navigator.setAppBadge) return;
    const cache = await caches.open(APP_BADGE_CACHE);
    const held = await cache.match(APP_BADGE_KEY);
    if (!held || (await self.registration.getNotifications({ tag: id })).length) return;
    const count = (Number(await held.text()) || 0) + 1;
    await cache.put(APP_BADGE_KEY, new Response(String(count)));
    await navigator.setAppBadge(count);
  } catch {
    // A badge that cannot be set must not keep the notification from showing.
  }
}
