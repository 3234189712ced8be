import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { asUser, freshProject, postJson, send, until } from '../helpers';
import { newBrowser, standInPushService } from './stand-in';

// Issue 27, point 3, whole: a notification created through the APIs reaches a subscribed browser through the real
// PUSH_QUEUE (its consumer runs in this Worker, as `wrangler dev` runs it), and the stand-in push service (the
// Worker's outbound fetch) decrypts it.

afterEach(() => vi.restoreAllMocks());

/** The Worker's outbound fetches to the stand-in's endpoints go to it; any other goes out as it would. */
function intercept(service: ReturnType<typeof standInPushService>) {
  const original = globalThis.fetch;
  vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) =>
    new Request(input).url.startsWith('https://push.example/') ? service.fetcher(input, init) : original(input, init),
  );
}

describe('through the queue', () => {
  it('a create through the producer API pushes to the recipient’s browser, and push: false does not', async () => {
    const service = standInPushService(env.VAPID_PUBLIC_KEY);
    intercept(service);
    const { id: project } = await freshProject('push');
    const browser = service.add(await newBrowser());
    expect((await postJson('/api/v1/client/push/subscriptions', browser.subscription, await asUser({ sub: 'queued', project }))).status).toBe(201);

    const [quiet] = await send(project, { to: [{ user: 'queued' }], title: 'Not pushed', push: false });
    const [loud] = await send(project, { to: [{ user: 'queued' }], title: 'Pushed', priority: 'low', category: 'news' });
    await until(async () => service.received.length > 0, 15_000);
    const [push] = service.received;
    expect(push!.payload.inbox.id).toBe(loud!.id);
    expect(push!.payload.notification.title).toBe('Pushed');
    expect(push!.headers).toMatchObject({ urgency: 'low', 'content-encoding': 'aes128gcm' });
    expect(push!.vapidProblems).toEqual([]);
    // The one that said push: false never reaches the queue; a later push would have come after it.
    const [later] = await send(project, { to: [{ user: 'queued' }], title: 'Also pushed' });
    await until(async () => service.received.length > 1, 15_000);
    expect(service.received.map((r) => r.payload.inbox.id)).toEqual([loud!.id, later!.id]);
    expect(service.received.some((r) => r.payload.inbox.id === quiet!.id)).toBe(false);
  });
});
