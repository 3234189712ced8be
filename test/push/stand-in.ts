import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { base64url, fromBase64url } from '../../src/core/hash';
import { newPushKeys } from '../../scripts/web-push-decrypt.mjs';

export { decryptAes128gcm } from '../../scripts/web-push-decrypt.mjs';

// A stand-in push service for the tests (issue 27): browsers with real P-256 keys and auth secrets, and a fetch that
// receives what the Worker POSTs to their endpoints, checks it as a push service would (RFC 8030 headers, RFC 8292
// VAPID), and decrypts it as the browser would (scripts/web-push-decrypt.mjs). What it answers is up to the test.

export const b64 = (text: string): Uint8Array => {
  const bytes = fromBase64url(text);
  if (!bytes) throw new Error(`not base64url: ${text}`);
  return bytes;
};

export interface Browser {
  /** What `PushSubscription.toJSON()` would give. */
  subscription: { endpoint: string; expirationTime: null; keys: { p256dh: string; auth: string } };
  decrypt(body: Uint8Array): Promise<string>;
}

let browsers = 0;

/** A browser with its own keys, subscribed at an endpoint of the stand-in push service. */
export async function newBrowser(endpoint = `https://push.example/send/${Date.now().toString(36)}-${browsers++}`): Promise<Browser> {
  const { keys, decrypt } = await newPushKeys();
  return { subscription: { endpoint, expirationTime: null, keys }, decrypt };
}

export interface Received {
  endpoint: string;
  headers: Record<string, string>;
  /** The decrypted payload, parsed. */
  payload: { notification: { title: string; body: string; tag: string; navigate?: string; icon?: string }; inbox: { id: string; [k: string]: unknown }; web_push?: number };
  /** RFC 8292 §2 and §3, as a push service checks them: problems found (none: valid). */
  vapidProblems: string[];
  /** What the stand-in answered. */
  status: number;
}

/**
 * The push service: `fetcher` takes the Worker's POSTs. Each endpoint answers 201 unless the test queued other
 * answers for it (`answer`); an endpoint of no browser answers 404.
 */
export function standInPushService(vapidPublicKey: string) {
  const known = new Map<string, Browser>();
  const answers = new Map<string, { status: number; retryAfter?: string }[]>();
  const received: Received[] = [];
  const fetcher = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const browser = known.get(request.url);
    if (!browser) return new Response(null, { status: 404 });
    const next = answers.get(request.url)?.shift() ?? { status: 201 };
    const headers = Object.fromEntries(request.headers);
    const body = new Uint8Array(await request.arrayBuffer());
    received.push({
      endpoint: request.url,
      headers,
      payload: JSON.parse(await browser.decrypt(body)) as Received['payload'],
      vapidProblems: await vapidProblems(headers.authorization ?? '', new URL(request.url).origin, vapidPublicKey),
      status: next.status,
    });
    return new Response(null, { status: next.status, headers: next.retryAfter ? { 'Retry-After': next.retryAfter } : {} });
  };
  return {
    fetcher: fetcher as typeof fetch,
    received,
    add(browser: Browser) {
      known.set(browser.subscription.endpoint, browser);
      return browser;
    },
    /** The next answers of this endpoint, in order (then 201 again). */
    answer(browser: Browser, ...next: { status: number; retryAfter?: string }[]) {
      answers.set(browser.subscription.endpoint, [...(answers.get(browser.subscription.endpoint) ?? []), ...next]);
    },
    to: (browser: Browser) => received.filter((r) => r.endpoint === browser.subscription.endpoint),
  };
}

/** RFC 8292: `vapid t=<JWT>, k=<key>`; the JWT ES256, signed by k, `aud` the push service's origin, `exp` within 24 h, `sub` a contact. */
export async function vapidProblems(authorization: string, origin: string, expectedKey: string, now = Date.now()): Promise<string[]> {
  const match = authorization.match(/^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/);
  if (!match) return [`not a vapid Authorization: ${authorization}`];
  const [, token, key] = match as unknown as [string, string, string];
  const problems: string[] = [];
  if (key !== expectedKey) problems.push('k is not the deployment key');
  try {
    const point = b64(key);
    const publicKey = await importJWK({ kty: 'EC', crv: 'P-256', x: base64url(point.slice(1, 33)), y: base64url(point.slice(33)) }, 'ES256');
    if (decodeProtectedHeader(token).alg !== 'ES256') problems.push('alg is not ES256');
    const { payload } = await jwtVerify(token, publicKey, { audience: origin, currentDate: new Date(now) });
    if (typeof payload.exp !== 'number' || payload.exp * 1000 - now > 24 * 3600 * 1000) problems.push('exp is more than 24 hours ahead');
    if (typeof payload.sub !== 'string' || !/^(mailto:|https:)/.test(payload.sub)) problems.push('sub is not a mailto: or https: contact');
  } catch (error) {
    problems.push(`JWT: ${(error as Error).message}`);
  }
  return problems;
}
