// The installed app's icon badge (the Badging API: Chromium's installed apps on Windows, macOS and ChromeOS, not
// Android; Safari's home-screen apps on iOS and iPadOS 16.4+ and web apps on macOS). The page keeps it equal to the
// pending count; while no page of the app is in sight the service worker (/inbox/sw.js) counts each push up from the
// last value a page gave, which it reads here.

/** Where that last value is: Cache Storage, which a page and its origin's service worker share. */
export const APP_BADGE_CACHE = 'edge-inbox';
export const APP_BADGE_KEY = '/edge-inbox/app-badge';

/**
 * Shows `count` on the app's icon (0 clears it); `null` clears it and stops the service worker counting pushes (at
 * sign-out). Does nothing where the Badging API is missing; a browser tab that is not an installed app shows none.
 */
export function updateAppBadge(count: number | null): void {
  const g = globalThis as any;
  if (!g.navigator?.setAppBadge) return;
  (count ? g.navigator.setAppBadge(count) : g.navigator.clearAppBadge()).catch(() => {});
  g.caches
    ?.open(APP_BADGE_CACHE)
    .then((cache: Cache) => (count == null ? cache.delete(APP_BADGE_KEY) : cache.put(APP_BADGE_KEY, new Response(String(count)))))
    .catch(() => {});
}
