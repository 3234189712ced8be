import { env } from 'cloudflare:workers';
import { encryptNotification } from '@block65/webcrypto-web-push';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { base64url } from '../../src/core/hash';
import { pushHeaders, pushPayload, topicOf, type PushContent } from '../../src/core/push-message';
import { sendPush } from '../../src/push/send';
import { TOKEN_LIFETIME_SECONDS, vapidSigner } from '../../src/push/vapid';
import { b64, decryptAes128gcm, newBrowser, standInPushService, vapidProblems } from './stand-in';

// Issue 27, point 4: the encryption against RFC 8291's worked example byte for byte, the VAPID header against
// RFC 8292's rules, and one push through the stand-in push service, decrypted as a browser would.

afterEach(() => vi.restoreAllMocks());

/** RFC 8291 Appendix A. */
const RFC8291 = {
  plaintext: 'When I grow up, I want to be a watermelon',
  asPublic: 'BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8',
  asPrivate: 'yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw',
  uaPublic: 'BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4',
  uaPrivate: 'q1dXpw3UpT5VOmu_cf_v6ih07Aems3njxI-JWgLcM94',
  salt: 'DGv6ra1nlYgDCS1FRnbzlw',
  authSecret: 'BTBZMqHH6r4Tts7J_aSIgg',
  body: 'DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN',
};

/** An ECDH key of the example, from its private scalar and public point. */
async function exampleKey(privateScalar: string, publicPoint: string): Promise<CryptoKeyPair> {
  const point = b64(publicPoint);
  const jwk = { kty: 'EC', crv: 'P-256', x: base64url(point.slice(1, 33)), y: base64url(point.slice(33)) };
  return {
    privateKey: await crypto.subtle.importKey('jwk', { ...jwk, d: privateScalar }, { name: 'ECDH', namedCurve: 'P-256' }, false, ['deriveBits']),
    publicKey: await crypto.subtle.importKey('jwk', jwk, { name: 'ECDH', namedCurve: 'P-256' }, true, []),
  };
}

describe('aes128gcm (RFC 8291)', () => {
  it("gives Appendix A's message byte for byte, given its salt and sender key", async () => {
    const sender = await exampleKey(RFC8291.asPrivate, RFC8291.asPublic);
    // The library draws the salt and the sender's key itself: the example's are handed to it where it asks.
    vi.spyOn(crypto, 'getRandomValues').mockImplementation(((array: Uint8Array) => {
      array.set(b64(RFC8291.salt));
      return array;
    }) as typeof crypto.getRandomValues);
    const generateKey = vi.spyOn(crypto.subtle, 'generateKey').mockResolvedValue(sender as never);
    const body = await encryptNotification(
      { endpoint: 'https://push.example/x', expirationTime: null, keys: { p256dh: RFC8291.uaPublic, auth: RFC8291.authSecret } },
      new TextEncoder().encode(RFC8291.plaintext),
      { pad: false },
    );
    expect(generateKey).toHaveBeenCalledTimes(1);
    expect(base64url(body)).toBe(RFC8291.body);
  });

  it("opens Appendix A's message with the user agent's key (the stand-in's decryption)", async () => {
    const ua = await exampleKey(RFC8291.uaPrivate, RFC8291.uaPublic);
    const plaintext = await decryptAes128gcm(b64(RFC8291.body), ua.privateKey, b64(RFC8291.uaPublic), b64(RFC8291.authSecret));
    expect(new TextDecoder().decode(plaintext)).toBe(RFC8291.plaintext);
  });
});

describe('VAPID (RFC 8292)', () => {
  const keys = { publicKey: env.VAPID_PUBLIC_KEY, privateKey: env.VAPID_PRIVATE_KEY, subject: 'mailto:ops@example.com' };

  it('signs an ES256 JWT for the push service origin, with exp within 24 hours and the contact as sub', async () => {
    const now = Date.UTC(2026, 11, 6, 12);
    const header = await vapidSigner(keys)(new URL('https://fcm.example.net/fcm/send/abc?x=1'), now);
    expect(header).toMatch(new RegExp(`^vapid t=[\\w-]+\\.[\\w-]+\\.[\\w-]+, k=${env.VAPID_PUBLIC_KEY}$`));
    expect(await vapidProblems(header, 'https://fcm.example.net', env.VAPID_PUBLIC_KEY, now)).toEqual([]);
    // Another origin's push service refuses it (aud), as RFC 8292 §3 says it must.
    expect((await vapidProblems(header, 'https://updates.push.example.org', env.VAPID_PUBLIC_KEY, now)).join()).toMatch(/aud/);
    const claims = JSON.parse(atob(header.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
    expect(claims).toEqual({ aud: 'https://fcm.example.net', exp: now / 1000 + TOKEN_LIFETIME_SECONDS, sub: 'mailto:ops@example.com' });
  });

  it('signs once per push service origin while the token has more than an hour left', async () => {
    const sign = vapidSigner(keys);
    const now = Date.UTC(2026, 11, 6, 12);
    const first = await sign(new URL('https://a.example/1'), now);
    expect(await sign(new URL('https://a.example/2'), now + 60_000)).toBe(first);
    expect(await sign(new URL('https://b.example/1'), now)).not.toBe(first);
    const later = now + (TOKEN_LIFETIME_SECONDS - 3600 + 1) * 1000;
    const renewed = await sign(new URL('https://a.example/1'), later);
    expect(renewed).not.toBe(first);
    expect(await vapidProblems(renewed, 'https://a.example', env.VAPID_PUBLIC_KEY, later)).toEqual([]);
  });
});

describe('one push', () => {
  const content: PushContent = {
    id: '7d3f1c52-64c0-4c3a-9d0e-4b5ad2b4a8f1',
    title: 'Your turn',
    body: 'Alice moved a knight',
    icon: 'https://app.example/icon.png',
    actionUrl: 'https://app.example/games/42',
    category: 'game',
    priority: 'high',
    createdAt: Date.UTC(2026, 11, 6, 12),
    expiresAt: Date.UTC(2026, 11, 6, 13),
  };

  it('reaches the browser encrypted for its keys, signed, with TTL, Urgency and Topic', async () => {
    const service = standInPushService(env.VAPID_PUBLIC_KEY);
    const browser = service.add(await newBrowser());
    const now = content.createdAt + 1000;
    const headers = pushHeaders(content, now)!;
    const authorization = await vapidSigner({ publicKey: env.VAPID_PUBLIC_KEY, privateKey: env.VAPID_PRIVATE_KEY, subject: 'mailto:a@b.example' })(
      new URL(browser.subscription.endpoint),
    );
    const row = { id: 's1', projectId: 'p', userId: 'u', ...browser.subscription.keys, endpoint: browser.subscription.endpoint, createdAt: 0, registeredAt: 0, expiresAt: null };
    const outcome = await sendPush(row, new TextEncoder().encode(pushPayload(content)), headers, authorization, service.fetcher);
    expect(outcome).toEqual({ kind: 'sent' });
    const [push] = service.received;
    expect(push!.vapidProblems).toEqual([]);
    expect(push!.headers).toMatchObject({ ttl: '3599', urgency: 'high', topic: topicOf('game'), 'content-encoding': 'aes128gcm' });
    expect(push!.payload).toEqual({
      web_push: 8030,
      notification: { title: 'Your turn', body: 'Alice moved a knight', navigate: 'https://app.example/games/42', icon: 'https://app.example/icon.png', tag: content.id },
      inbox: { id: content.id, category: 'game', priority: 'high', action_url: 'https://app.example/games/42', created_at: '2026-12-06T12:00:00.000Z' },
    });
  });

  it('maps priority to Urgency, expiry to TTL (none: four weeks; expired: no push), category to Topic', () => {
    const at = (over: Partial<PushContent>) => pushHeaders({ ...content, ...over }, content.createdAt);
    expect(at({ priority: 'low' })!.Urgency).toBe('low');
    expect(at({ priority: 'normal' })!.Urgency).toBe('normal');
    expect(at({ priority: 'critical' })!.Urgency).toBe('high');
    expect(at({ expiresAt: null })!.TTL).toBe(String(28 * 24 * 3600));
    expect(at({ expiresAt: content.createdAt + 90_500 })!.TTL).toBe('90');
    expect(at({ expiresAt: content.createdAt + 400 })).toBeNull();
    expect(topicOf('game')).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
    expect(topicOf(null)).not.toBe(topicOf('game'));
    expect(topicOf('game')).toBe(topicOf('game'));
  });

  it('shortens a body that would not fit in one push (4096 bytes on the wire), whole characters only', async () => {
    const long = { ...content, body: '🎉'.repeat(2000) };
    const payload = pushPayload(long);
    const bytes = new TextEncoder().encode(payload).length;
    expect(bytes).toBeLessThanOrEqual(4096 - 86 - 17);
    expect(bytes).toBeGreaterThan(3800);
    const body = (JSON.parse(payload) as { notification: { body: string } }).notification.body;
    expect(body.endsWith('🎉…')).toBe(true);
    // And it goes through: the encrypted body is within the 4096 bytes every push service must take.
    const service = standInPushService(env.VAPID_PUBLIC_KEY);
    const browser = service.add(await newBrowser());
    let size = 0;
    const measure: typeof fetch = async (input, init) => {
      size = (init!.body as Uint8Array).length;
      return service.fetcher(input, init);
    };
    const row = { id: 's1', projectId: 'p', userId: 'u', ...browser.subscription.keys, endpoint: browser.subscription.endpoint, createdAt: 0, registeredAt: 0, expiresAt: null };
    expect(await sendPush(row, new TextEncoder().encode(payload), pushHeaders(long, content.createdAt)!, 'vapid t=x, k=y', measure)).toEqual({ kind: 'sent' });
    expect(size).toBeLessThanOrEqual(4096);
    expect(service.received[0]!.payload.notification.body).toBe(body);
  });

  it('fits whatever the notification: with the longest title, icon and link, the icon and the link’s copy go, then the title is shortened', () => {
    const longest = {
      ...content,
      title: '"'.repeat(256),
      body: 'b'.repeat(4096),
      icon: `https://app.example/${'i'.repeat(2020)}`,
      actionUrl: `https://app.example/${'a'.repeat(2020)}`,
    };
    const payload = pushPayload(longest);
    expect(new TextEncoder().encode(payload).length).toBeLessThanOrEqual(4096 - 86 - 17);
    const parsed = JSON.parse(payload) as { notification: Record<string, string>; inbox: Record<string, unknown> };
    expect(parsed.notification.navigate).toBe(longest.actionUrl);
    expect(parsed.notification.icon).toBeUndefined();
    expect(parsed.inbox).toMatchObject({ id: content.id, action_url: null });
    expect(parsed.notification.title!.length).toBeGreaterThan(100);
    // A long body alone keeps the icon and the link.
    const bodyOnly = JSON.parse(pushPayload({ ...content, body: 'b'.repeat(4096) })) as typeof parsed;
    expect(bodyOnly.notification.icon).toBe(content.icon);
    expect(bodyOnly.inbox.action_url).toBe(content.actionUrl);
  });
});
