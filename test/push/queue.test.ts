import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { asUser, freshProject, postJson, send, until } from '../helpers';
import { newBrowser, standInPushService } from './stand-in';
import { openDb } from '../../src/core/db';
import { pushContent } from '../../src/core/push-message';
import type { PushJob } from '../../src/push/jobs';
import { queuePusher } from '../../src/push/pusher';

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

describe('the create’s side', () => {
  it('queues nothing for a project without any subscription, and one message per notification once it has one', async () => {
    const { id: project } = await freshProject('push');
    const batches: unknown[][] = [];
    const queue = { sendBatch: async (messages: Iterable<{ body: unknown }>) => void batches.push([...messages].map((m) => m.body)) } as unknown as Queue<PushJob>;
    const waits: Promise<unknown>[] = [];
    const pusher = queuePusher(queue, openDb(env.DB), (p) => waits.push(p));
    const notification = { id: crypto.randomUUID(), audience: { kind: 'user', id: 'nobody' } } as Parameters<typeof pushContent>[0];
    const offer = async () => {
      pusher.created(project, [{ notification: { ...notification, title: 't', body: '', icon: null, actionUrl: null, category: null, priority: 'normal', createdAt: Date.now(), expiresAt: null } }]);
      await Promise.all(waits.splice(0));
    };
    await offer();
    expect(batches).toEqual([]);
    // A browser subscribes (through this isolate): the next create queues at once.
    expect((await postJson('/api/v1/client/push/subscriptions', (await newBrowser()).subscription, await asUser({ sub: 'someone', project }))).status).toBe(201);
    await offer();
    expect(batches).toEqual([[expect.objectContaining({ kind: 'notify', project, audience: 'u:nobody' })]]);
  });
});

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
