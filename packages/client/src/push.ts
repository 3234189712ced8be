import { failure, json } from './http';
import type { InboxContext } from './context';
import { principal } from './sharing';
import type { PushOptions, PushPlatform, PushRegistration, PushStatus, PushSubscriptionLike } from './types';

// Web Push (README "Push"): this browser subscribes with the deployment's VAPID key and registers the subscription
// with the user's token; from then on the operating system's push channel wakes the service worker for each new
// notification, with the app closed, and nothing of ours keeps the radio awake. Permission is asked only by
// `enablePush()`, which the app calls from a user's gesture (browsers refuse a prompt otherwise).

const PUSH = '/../push';
/** A registered subscription is registered again (moving it up among the user's 10) at most this often. */
const REFRESH_MS = 24 * 3600 * 1000;

const fromBase64url = (text: string) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));

/** What this browser last registered: when, which subscription, for whom, with which key, through which worker. */
interface Registered {
  at: number;
  endpoint: string;
  who: string;
  key: string;
  scope?: string;
}

/** iOS and iPadOS deliver Web Push only to a web app added to the home screen (16.4+); their tabs lack the APIs. */
function iosOutsideHomeScreen(): boolean {
  const g = globalThis as any;
  const nav = g.navigator;
  if (!nav) return false;
  // iPadOS Safari says Macintosh; a Mac has no touch points.
  const ios = /iPhone|iPad|iPod/.test(nav.userAgent) || (/Macintosh/.test(nav.userAgent) && nav.maxTouchPoints > 1);
  return ios && !nav.standalone && !g.matchMedia?.('(display-mode: standalone)').matches;
}

function platformOf(ctx: InboxContext): PushPlatform | null {
  if (ctx.options.pushPlatform !== undefined) return ctx.options.pushPlatform;
  const g = globalThis as any;
  if (!g.navigator?.serviceWorker || !g.PushManager || !g.Notification) return null;
  return { serviceWorker: g.navigator.serviceWorker, Notification: g.Notification, needsHomeScreen: iosOutsideHomeScreen, storage: g.localStorage };
}

/** Resolves once the registration's worker is active: `subscribe` refuses a registration without one. */
function activated(reg: PushRegistration): Promise<unknown> {
  const worker = reg.installing || reg.waiting;
  if (reg.active || !worker) return Promise.resolve();
  return new Promise((resolve) => worker.addEventListener('statechange', () => worker.state == 'activated' && resolve(0)));
}

export function createPush(ctx: InboxContext, onPush: () => void) {
  const platform = platformOf(ctx);
  const defaultWorker = ctx.options.baseUrl.replace(/\/+$/, '') + '/inbox/sw.js';
  const storageKey = 'edge-inbox-push:' + ctx.options.baseUrl;
  const needsHomeScreen = () => (ctx.options.pushPlatform !== undefined ? !!platform?.needsHomeScreen() : iosOutsideHomeScreen());

  const stored = (): Registered | null => {
    try {
      return JSON.parse(platform!.storage?.getItem(storageKey) || 'null');
    } catch {
      return null;
    }
  };

  /** The registration of the given worker (a registration, or its script URL), else of the one enabled with, else ours. */
  const registered = (serviceWorker?: PushOptions['serviceWorker']): Promise<PushRegistration | undefined> =>
    serviceWorker && typeof serviceWorker != 'string'
      ? Promise.resolve(serviceWorker)
      : platform!.serviceWorker.getRegistration(serviceWorker || stored()?.scope || defaultWorker);

  const deploymentKey = async () => (await json<{ public_key: string }>(await ctx.api.call(PUSH + '/key'))).public_key;

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

  /** Subscribes (unless subscribed with this key already) and registers the subscription for the signed-in user. */
  async function subscribeAndRegister(reg: PushRegistration, key: string) {
    const bytes = fromBase64url(key);
    await activated(reg);
    const subscription = (await current(reg, bytes)) || (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: bytes }));
    await register(subscription, key, reg.scope);
  }

  async function register(subscription: PushSubscriptionLike, key: string, scope?: string) {
    await ctx.api.call(PUSH + '/subscriptions', { method: 'POST', body: JSON.stringify(subscription.toJSON()) });
    const record: Registered = { at: ctx.scheduler.now(), endpoint: subscription.endpoint, who: principal(await ctx.api.token()), key, scope };
    platform!.storage?.setItem(storageKey, JSON.stringify(record));
  }

  const status = async (options: PushOptions = {}): Promise<PushStatus> => {
    if (needsHomeScreen()) return 'needs-home-screen';
    if (!platform) return 'unsupported';
    if (platform.Notification.permission == 'denied') return 'denied';
    const reg = await registered(options.serviceWorker);
    return platform.Notification.permission == 'granted' && (await reg?.pushManager.getSubscription()) ? 'enabled' : 'disabled';
  };

  const onMessage = (event: { data: any }) => {
    const data = event.data || {};
    if (data.type == 'edge-inbox:push') onPush();
    // A click on a push whose page the worker could not open in this tab itself (a tab outside its scope).
    else if (data.type == 'edge-inbox:open' && /^https?:/.test(data.url)) (globalThis as any).location?.assign(data.url);
  };

  return {
    status,
    async enable(options: PushOptions = {}): Promise<PushStatus> {
      if (needsHomeScreen()) throw failure('PUSH_NEEDS_HOME_SCREEN', 'On iOS, Web Push reaches only a web app added to the home screen');
      if (!platform) throw failure('PUSH_UNSUPPORTED', 'This browser has no Web Push (service workers, PushManager, Notification)');
      // First, while the click's user activation lasts: browsers (Safari above all) refuse a prompt later on.
      const permission = await platform.Notification.requestPermission();
      if (permission != 'granted') throw failure('PUSH_DENIED', 'Notifications are not allowed for this site (' + permission + ')');
      const worker = options.serviceWorker;
      const reg = worker && typeof worker != 'string' ? worker : await platform.serviceWorker.register(worker || defaultWorker);
      await subscribeAndRegister(reg, await deploymentKey());
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
      platform.storage?.removeItem(storageKey);
      return 'disabled';
    },
    /**
     * At start: listen for the service worker's word of a push, and register an enabled subscription again at once if
     * another user (or the same with other organisations) signed in or the browser replaced it (push services rotate
     * subscriptions, and the worker has no token to tell us), else once a day, then with the deployment's key checked
     * (a new key needs a new subscription).
     */
    start() {
      if (!platform) return;
      platform.serviceWorker.addEventListener('message', onMessage);
      const last = stored();
      if (platform.Notification.permission != 'granted' || !last) return;
      (async () => {
        const reg = await registered();
        const subscription = await reg?.pushManager.getSubscription();
        if (!reg || !subscription) return;
        const who = principal(await ctx.api.token());
        if (who != last.who || subscription.endpoint != last.endpoint) return register(subscription, last.key, last.scope);
        if (ctx.scheduler.now() - last.at < REFRESH_MS) return;
        const key = await deploymentKey();
        return key == last.key ? register(subscription, key, last.scope) : subscribeAndRegister(reg, key);
      })().catch(() => {});
    },
    stop() {
      platform?.serviceWorker.removeEventListener('message', onMessage);
    },
  };
}
