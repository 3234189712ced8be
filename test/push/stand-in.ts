import { decodeProtectedHeader, importJWK, jwtVerify } from 'jose';
import { base64url, fromBase64url } from '../../src/core/hash';

// A stand-in push service for the tests (issue 27): browsers with real P-256 keys and auth secrets, and a fetch that
// receives what the Worker POSTs to their endpoints, checks it as a push service would (RFC 8030 headers, RFC 8292
// VAPID), and decrypts it as the browser would (RFC 8291, written here apart from the Worker's library so that
// each checks the other). What it answers is up to the test.

export const b64 = (text: string): Uint8Array => {
  const bytes = fromBase64url(text);
  if (!bytes) throw new Error(`not base64url: ${text}`);
  return bytes;
};

const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};
const text = (s: string) => new TextEncoder().encode(s);

async function hmac(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await crypto.subtle.sign('HMAC', k, data));
}

/** RFC 8291 §3.4 and RFC 8188 §2, from the user agent's side: the plaintext of one aes128gcm message. */
export async function decryptAes128gcm(body: Uint8Array, uaPrivate: CryptoKey, uaPublic: Uint8Array, authSecret: Uint8Array): Promise<Uint8Array> {
  const salt = body.slice(0, 16);
  const recordSize = new DataView(body.buffer, body.byteOffset + 16, 4).getUint32(0);
  const idLength = body[20]!;
  const asPublic = body.slice(21, 21 + idLength);
  const ciphertext = body.slice(21 + idLength);
  if (ciphertext.length > recordSize) throw new Error('more than one record');
  const asKey = await crypto.subtle.importKey('raw', asPublic, { name: 'ECDH', namedCurve: 'P-256' }, false, []);
  const ecdhSecret = new Uint8Array(await crypto.subtle.deriveBits({ name: 'ECDH', public: asKey }, uaPrivate, 256));
  const prkKey = await hmac(authSecret, ecdhSecret);
  const ikm = (await hmac(prkKey, concat(text('WebPush: info\0'), uaPublic, asPublic, new Uint8Array([1])))).slice(0, 32);
  const prk = await hmac(salt, ikm);
  const cek = (await hmac(prk, concat(text('Content-Encoding: aes128gcm\0'), new Uint8Array([1])))).slice(0, 16);
  const nonce = (await hmac(prk, concat(text('Content-Encoding: nonce\0'), new Uint8Array([1])))).slice(0, 12);
  const key = await crypto.subtle.importKey('raw', cek, 'AES-GCM', false, ['decrypt']);
  const padded = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv: nonce }, key, ciphertext));
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error('no last-record delimiter');
  return padded.slice(0, end);
}

export interface Browser {
  /** What `PushSubscription.toJSON()` would give. */
  subscription: { endpoint: string; expirationTime: null; keys: { p256dh: string; auth: string } };
  decrypt(body: Uint8Array): Promise<string>;
}

let browsers = 0;

/** A browser with its own keys, subscribed at an endpoint of the stand-in push service. */
export async function newBrowser(endpoint = `https://push.example/send/${Date.now().toString(36)}-${browsers++}`): Promise<Browser> {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits'])) as CryptoKeyPair;
  const publicKey = new Uint8Array((await crypto.subtle.exportKey('raw', pair.publicKey)) as ArrayBuffer);
  const auth = crypto.getRandomValues(new Uint8Array(16));
  return {
    subscription: { endpoint, expirationTime: null, keys: { p256dh: base64url(publicKey), auth: base64url(auth) } },
    decrypt: async (body) => new TextDecoder().decode(await decryptAes128gcm(body, pair.privateKey, publicKey, auth)),
  };
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
