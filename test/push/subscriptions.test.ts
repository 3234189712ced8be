import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../src/core/errors';
import { checkEndpoint } from '../../src/core/push-endpoint';
import { asUser, call, freshProject, postJson } from '../helpers';
import { newBrowser, type Browser } from './stand-in';

// Issue 27, point 2: a user registers and removes their browsers' subscriptions through the client API, with the
// same token; the endpoint is checked as an outbound URL; at most 10 per user; never another user's or project's.

const BASE = '/api/v1/client/push';

const subscribe = (subscription: unknown, auth: Record<string, string>) => postJson(`${BASE}/subscriptions`, subscription, auth);
const list = async (auth: Record<string, string>) =>
  ((await (await call(`${BASE}/subscriptions`, { headers: auth })).json()) as { subscriptions: { endpoint: string }[] }).subscriptions.map((s) => s.endpoint);
const unsubscribe = (endpoint: string, auth: Record<string, string>) =>
  call(`${BASE}/subscriptions?endpoint=${encodeURIComponent(endpoint)}`, { method: 'DELETE', headers: auth });

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('the VAPID key', () => {
  it('is given to any signed-in user, as applicationServerKey takes it', async () => {
    const res = await call(`${BASE}/key`, { headers: await asUser({ sub: 'key-reader' }) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ public_key: env.VAPID_PUBLIC_KEY });
    expect(env.VAPID_PUBLIC_KEY).toMatch(/^B[A-Za-z0-9_-]{86}$/);
  });

  it('is refused without a token, in the client API error shape', async () => {
    const res = await call(`${BASE}/key`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: 'AUTH_INVALID_TOKEN', message: expect.any(String) } });
  });
});

describe('endpoints under npm start (PUSH_LOCAL_ENDPOINTS=on)', () => {
  it('accepts http: on this machine only, for the local stand-in push service', () => {
    const local = { allowLocal: true };
    for (const ok of ['http://127.0.0.1:8790/push/x', 'http://localhost:8790/push/x', 'http://[::1]:8790/x', 'https://push.example/x']) {
      expect(checkEndpoint(ok, local).href).toBe(new URL(ok).href);
    }
    for (const refused of ['http://printer.local/x', 'http://10.0.0.2/x', 'http://0.0.0.0:8790/x', 'http://push.example/x', 'https://192.168.1.1/x']) {
      expect(() => checkEndpoint(refused, local), refused).toThrow(DomainError);
    }
    expect(() => checkEndpoint('http://127.0.0.1:8790/push/x', { allowLocal: false })).toThrow(/https/);
  });
});

describe('subscriptions', () => {
  it('registers a PushSubscription as toJSON() gives it (201), and again (200, refreshed)', async () => {
    const { id: project } = await freshProject('push');
    const alice = await asUser({ sub: 'alice', project });
    const browser = await newBrowser();
    const first = await subscribe({ ...browser.subscription, expirationTime: 1_900_000_000_000 }, alice);
    expect(first.status).toBe(201);
    const created = (await first.json()) as Record<string, string>;
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      endpoint: browser.subscription.endpoint,
      created_at: expect.stringMatching(ISO),
      registered_at: created.created_at,
      expires_at: new Date(1_900_000_000_000).toISOString(),
    });
    const again = await subscribe(browser.subscription, alice);
    expect(again.status).toBe(200);
    const refreshed = (await again.json()) as Record<string, string>;
    expect(refreshed).toEqual({ ...created, registered_at: expect.stringMatching(ISO), expires_at: null });
    expect(Date.parse(refreshed.registered_at!)).toBeGreaterThan(Date.parse(created.registered_at!));
    expect(await list(alice)).toEqual([browser.subscription.endpoint]);
  });

  it.each([
    ['http: endpoint', { endpoint: 'http://push.example/x' }, 'endpoint', /https/],
    ['loopback host', { endpoint: 'https://127.0.0.1/x' }, 'endpoint', /public/],
    ['localhost', { endpoint: 'https://localhost:8443/x' }, 'endpoint', /public/],
    ['private address', { endpoint: 'https://10.1.2.3/x' }, 'endpoint', /public/],
    ['link-local address', { endpoint: 'https://169.254.169.254/latest' }, 'endpoint', /public/],
    ['IPv6 unique-local', { endpoint: 'https://[fd00::1]/x' }, 'endpoint', /public/],
    ['single-label host', { endpoint: 'https://intranet/x' }, 'endpoint', /public/],
    ['credentials', { endpoint: 'https://user:pw@push.example/x' }, 'endpoint', /credentials/],
    ['localhost with a trailing dot', { endpoint: 'https://localhost./x' }, 'endpoint', /public/],
    ['an internal name with a trailing dot', { endpoint: 'https://metadata.google.internal./x' }, 'endpoint', /public/],
    ['IPv4-compatible IPv6', { endpoint: 'https://[::7f00:1]/x' }, 'endpoint', /public/],
    ['NAT64 IPv6', { endpoint: 'https://[64:ff9b::a00:1]/x' }, 'endpoint', /public/],
    ['IPv4 in hex', { endpoint: 'https://0x7f000001/x' }, 'endpoint', /public/],
    ['not a URL', { endpoint: 'push.example/x' }, 'endpoint', /absolute URL/],
    ['short p256dh', { keys: { p256dh: 'BAAA', auth: 'BTBZMqHH6r4Tts7J_aSIgg' } }, 'keys.p256dh', /65 bytes/],
    ['p256dh off the curve', { keys: { p256dh: `B${'A'.repeat(86)}`, auth: 'BTBZMqHH6r4Tts7J_aSIgg' } }, 'keys.p256dh', /curve/],
    ['auth of 15 bytes', { keys: { auth: 'BTBZMqHH6r4Tts7J_aSI' } }, 'keys.auth', /16 bytes/],
  ])('refuses a subscription with %s (400 naming it)', async (_, change, parameter, message) => {
    const browser = await newBrowser();
    const body = { ...browser.subscription, ...change, keys: { ...browser.subscription.keys, ...(change as { keys?: object }).keys } };
    const res = await subscribe(body, await asUser({ sub: 'refused' }));
    expect(res.status).toBe(400);
    const error = ((await res.json()) as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('INVALID_PARAMETER');
    expect(error.message).toMatch(message);
    expect(error.message).toContain(parameter);
  });

  it('refuses unknown fields and a missing key', async () => {
    const browser = await newBrowser();
    const auth = await asUser({ sub: 'strict' });
    const extra = await subscribe({ ...browser.subscription, user: 'someone-else' }, auth);
    expect(extra.status).toBe(400);
    const missing = await subscribe({ endpoint: browser.subscription.endpoint, keys: { p256dh: browser.subscription.keys.p256dh } }, auth);
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(/auth/);
  });

  it('keeps the 10 most recently registered per user: an eleventh removes the least recently registered', async () => {
    const { id: project } = await freshProject('push');
    const bob = await asUser({ sub: 'bob', project });
    const browsers: Browser[] = [];
    for (let i = 0; i < 11; i++) {
      browsers.push(await newBrowser());
      expect((await subscribe(browsers[i]!.subscription, bob)).status).toBe(201);
      // Registering the first again makes it the newest: the second is the one to go.
      if (i === 9) expect((await subscribe(browsers[0]!.subscription, bob)).status).toBe(200);
    }
    const kept = await list(bob);
    expect(kept).toHaveLength(10);
    expect(kept).not.toContain(browsers[1]!.subscription.endpoint);
    expect(kept[0]).toBe(browsers[10]!.subscription.endpoint);
    expect(new Set(kept)).toEqual(new Set([0, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((i) => browsers[i]!.subscription.endpoint)));
  });

  it("are each user's own: another user cannot list or remove them, and a browser signed in to by another user becomes theirs", async () => {
    const { id: project } = await freshProject('push');
    const carol = await asUser({ sub: 'carol', project });
    const dave = await asUser({ sub: 'dave', project });
    const shared = await newBrowser();
    expect((await subscribe(shared.subscription, carol)).status).toBe(201);
    expect(await list(dave)).toEqual([]);
    const refused = await unsubscribe(shared.subscription.endpoint, dave);
    expect(refused.status).toBe(404);
    expect(await refused.json()).toEqual({ error: { code: 'SUBSCRIPTION_NOT_FOUND', message: 'You have no push subscription with this endpoint' } });
    expect(await list(carol)).toEqual([shared.subscription.endpoint]);
    // Dave signs in on Carol's browser: its pushes are his from now on, never both.
    expect((await subscribe(shared.subscription, dave)).status).toBe(200);
    expect(await list(carol)).toEqual([]);
    expect(await list(dave)).toEqual([shared.subscription.endpoint]);
  });

  it('are per project: the same endpoint in two projects is two subscriptions', async () => {
    const [{ id: one }, { id: two }] = [await freshProject('push'), await freshProject('push')];
    const browser = await newBrowser();
    const inOne = await asUser({ sub: 'erin', project: one });
    const inTwo = await asUser({ sub: 'erin', project: two });
    expect((await subscribe(browser.subscription, inOne)).status).toBe(201);
    expect((await subscribe(browser.subscription, inTwo)).status).toBe(201);
    expect((await unsubscribe(browser.subscription.endpoint, inOne)).status).toBe(204);
    expect(await list(inOne)).toEqual([]);
    expect(await list(inTwo)).toEqual([browser.subscription.endpoint]);
  });

  it('are removed by endpoint (204), once (then 404)', async () => {
    const frank = await asUser({ sub: 'frank' });
    const browser = await newBrowser();
    expect((await subscribe(browser.subscription, frank)).status).toBe(201);
    const removed = await unsubscribe(browser.subscription.endpoint, frank);
    expect(removed.status).toBe(204);
    expect(removed.headers.get('x-d1-bookmark')).toBeTruthy();
    expect((await unsubscribe(browser.subscription.endpoint, frank)).status).toBe(404);
    const missing = await call(`${BASE}/subscriptions`, { method: 'DELETE', headers: frank });
    expect(missing.status).toBe(400);
  });
});
