import { failure, json } from './http';
import type { InboxContext } from './context';
import type { PushOptions, PushPlatform, PushRegistration, PushStatus, PushSubscriptionLike } from './types';

// Web Push (README "Push"): this browser subscribes with the deployment's VAPID key and registers the subscription
// with the user's token; from then on the operating system's push channel wakes the service worker for each new
// notification, with the app closed, and nothing of ours keeps the radio awake. Permission is asked only by
// `enablePush()`, which the app calls from a user's gesture (browsers refuse a prompt otherwise).

const PUSH = '/../push';
/** A registered subscription is registered again (moving it up among the user's 10) at most this often. */
const REFRESH_MS = 24 * 3600 * 1000;

const fromBase64url = (text: string) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

function platformOf(ctx: InboxContext): PushPlatform | null {
  if (ctx.options.pushPlatform !== undefined) return ctx.options.pushPlatform;
  const g = globalThis as any;
  if (!g.navigator?.serviceWorker || !g.PushManager || !g.Notification) return null;
  return {
    serviceWorker: g.navigator.serviceWorker,
    Notification: g.Notification,
    // iOS and iPadOS deliver Web Push only to a web app added to the home screen (16.4+).
    needsHomeScreen: () =>
      /iPhone|iPad|iPod/.test(g.navigator.userAgent) && !g.navigator.standalone && !g.matchMedia?.('(display-mode: standalone)').matches,
    storage: g.localStorage,
  };
}

export function createPush(ctx: InboxContext, onPush: () => void) {
  const platform = platformOf(ctx);
  const defaultWorker = ctx.options.baseUrl.replace(/\/+$/, '') + '/inbox/sw.js';
  const refreshKey = 'edge-inbox-push:' + ctx.options.baseUrl;

  async function registration(serviceWorker?: PushOptions['serviceWorker']): Promise<PushRegistration> {
    if (serviceWorker && typeof serviceWorker != 'string') return serviceWorker;
    return platform!.serviceWorker.register(serviceWorker || defaultWorker);
  }

  /** This browser's subscription with the deployment's key, if it has one (another key's is dropped). */
  async function current(reg: PushRegistration, key: Uint8Array) {
    const existing = await reg.pushManager.getSubscription();
    const with_ = existing?.options.applicationServerKey;
    if (existing && with_ && new Uint8Array(with_).join() != key.join()) {
      await existing.unsubscribe();
      return null;
    }
    return existing;
  }

  async function register(subscription: PushSubscriptionLike) {
    await ctx.api.call(PUSH + '/subscriptions', { method: 'POST', body: JSON.stringify(subscription.toJSON()) });
    platform!.storage?.setItem(refreshKey, ctx.scheduler.now() + ' ' + subscription.endpoint);
  }

  /** The registration of the given worker (a registration, or its script URL), or of ours. */
  const registered = (serviceWorker?: PushOptions['serviceWorker']): Promise<PushRegistration | undefined> =>
    serviceWorker && typeof serviceWorker != 'string' ? Promise.resolve(serviceWorker) : platform!.serviceWorker.getRegistration(serviceWorker || defaultWorker);

  const status = async (options: PushOptions = {}): Promise<PushStatus> => {
    if (!platform) return 'unsupported';
    if (platform.needsHomeScreen()) return 'needs-home-screen';
    if (platform.Notification.permission == 'denied') return 'denied';
    const reg = await registered(options.serviceWorker);
    return platform.Notification.permission == 'granted' && (await reg?.pushManager.getSubscription()) ? 'enabled' : 'disabled';
  };

  const onMessage = (event: { data: any }) => void (event.data?.type == 'edge-inbox:push' && onPush());

  return {
    status,
    async enable(options: PushOptions = {}): Promise<PushStatus> {
      if (!platform) throw failure('PUSH_UNSUPPORTED', 'This browser has no Web Push (service workers, PushManager, Notification)');
      if (platform.needsHomeScreen()) throw failure('PUSH_NEEDS_HOME_SCREEN', 'On iOS, Web Push reaches only a web app added to the home screen');
      const permission = await platform.Notification.requestPermission();
      if (permission != 'granted') throw failure('PUSH_DENIED', 'Notifications are not allowed for this site (' + permission + ')');
      const reg = await registration(options.serviceWorker);
      const { public_key } = await json<{ public_key: string }>(await ctx.api.call(PUSH + '/key'));
      const key = fromBase64url(public_key);
      const subscription = (await current(reg, key)) || (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }));
      await register(subscription);
      return 'enabled';
    },
    async disable(options: PushOptions = {}): Promise<PushStatus> {
      if (!platform) return 'unsupported';
      const reg = await registered(options.serviceWorker);
      const subscription = await reg?.pushManager.getSubscription();
      if (subscription) {
        // Removed here first: a subscription the server still held would be pushed to until a push service said 410.
        await ctx.api
          .call(PUSH + '/subscriptions?endpoint=' + encodeURIComponent(subscription.endpoint), { method: 'DELETE' })
          .catch((error: { status?: number }) => {
            if (error.status != 404) throw error;
          });
        await subscription.unsubscribe();
      }
      platform.storage?.removeItem(refreshKey);
      return 'disabled';
    },
    /**
     * At start: listen for the service worker's word of a push, and register an enabled subscription again once a day,
     * or at once if the browser replaced it (push services rotate subscriptions; the worker has no token to tell us).
     */
    start() {
      if (!platform) return;
      platform.serviceWorker.addEventListener('message', onMessage);
      if (platform.Notification.permission != 'granted') return;
      const [at, endpoint] = (platform.storage?.getItem(refreshKey) || '0 ').split(' ');
      registered()
        .then((reg) => reg?.pushManager.getSubscription())
        .then((subscription) => {
          if (subscription && (subscription.endpoint != endpoint || ctx.scheduler.now() - Number(at) >= REFRESH_MS)) return register(subscription);
        })
        .catch(() => {});
    },
    stop() {
      platform?.serviceWorker.removeEventListener('message', onMessage);
    },
  };
}
