import { env } from 'cloudflare:workers';
import { createExecutionContext, createMessageBatch, getQueueResult } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import worker from '../../src/index';
import { openDb } from '../../src/core/db';
import { D1Meter } from '../../src/http/d1-meter';
import type { PushContent } from '../../src/core/push-message';
import { runPushJob, type PushDeps } from '../../src/push/consume';
import { FANOUT_PAGE, MAX_ATTEMPTS, SEND_BATCH, type PushJob } from '../../src/push/jobs';
import { vapidSigner } from '../../src/push/vapid';
import { asUser, call, freshProject, postJson } from '../helpers';
import { newBrowser, standInPushService, type Browser } from './stand-in';

// Issue 27, points 3 and 4: the push queue's consumer against the stand-in push service. Who gets a push (a user's
// browsers, an organisation's members', everyone's in the project, never another project's), what 404/410 and
// 429/5xx do, and how a broadcast is split into messages so that each subscription gets it once.

afterEach(() => vi.restoreAllMocks());

/** A queue that keeps what it is given, with the delay asked for: the test runs those jobs itself. */
function recordingQueue() {
  const sent: { body: PushJob; delaySeconds?: number }[] = [];
  const queue = {
    async send(body: PushJob, options?: QueueSendOptions) {
      sent.push({ body, delaySeconds: options?.delaySeconds });
    },
    async sendBatch(messages: Iterable<MessageSendRequest<PushJob>>) {
      for (const m of messages) sent.push({ body: m.body, delaySeconds: m.delaySeconds });
    },
  } as unknown as Queue<PushJob>;
  return { queue, sent, take: () => sent.splice(0, sent.length) };
}

function setup() {
  const service = standInPushService(env.VAPID_PUBLIC_KEY);
  const recorded = recordingQueue();
  const deps: PushDeps = {
    db: openDb(env.DB),
    queue: recorded.queue,
    sign: vapidSigner({ publicKey: env.VAPID_PUBLIC_KEY, privateKey: env.VAPID_PRIVATE_KEY, subject: 'mailto:ops@example.com' }),
    fetcher: service.fetcher,
  };
  return { service, deps, ...recorded };
}

const content = (over: Partial<PushContent> = {}): PushContent => ({
  id: crypto.randomUUID(),
  title: 'Hello',
  body: 'World',
  icon: null,
  actionUrl: null,
  category: null,
  priority: 'normal',
  createdAt: Date.now(),
  expiresAt: null,
  ...over,
});

/** A browser of this user (token claims as given), registered through the client API. */
async function subscribed(service: ReturnType<typeof standInPushService>, claims: { sub: string; project: string; orgs?: string[] }): Promise<Browser> {
  const browser = service.add(await newBrowser());
  const res = await postJson('/api/v1/client/push/subscriptions', browser.subscription, await asUser(claims));
  if (res.status !== 201) throw new Error(`subscribe: ${res.status} ${await res.text()}`);
  return browser;
}

const endpoints = async (claims: { sub: string; project: string }) =>
  ((await (await call('/api/v1/client/push/subscriptions', { headers: await asUser(claims) })).json()) as { subscriptions: { endpoint: string }[] }).subscriptions.map(
    (s) => s.endpoint,
  );

describe('who gets a push', () => {
  it("a user's own notification: each of their browsers, once, and nobody else's", async () => {
    const { service, deps } = setup();
    const { id: project } = await freshProject('push');
    const phone = await subscribed(service, { sub: 'alice', project });
    const laptop = await subscribed(service, { sub: 'alice', project });
    const bobs = await subscribed(service, { sub: 'bob', project });
    const job = content({ title: 'For Alice' });
    expect(await runPushJob({ kind: 'notify', project, audience: 'u:alice', content: job }, deps)).toEqual({ sent: 2, gone: 0, retried: 0, refused: 0, given_up: 0, queued: 0 });
    expect(service.to(phone).map((r) => r.payload.inbox.id)).toEqual([job.id]);
    expect(service.to(laptop).map((r) => r.payload.notification.title)).toEqual(['For Alice']);
    expect(service.to(bobs)).toEqual([]);
    expect(service.received.every((r) => r.vapidProblems.length === 0)).toBe(true);
  });

  it("an organisation's: the browsers of users whose token named it when they registered", async () => {
    const { service, deps } = setup();
    const { id: project } = await freshProject('push');
    const member = await subscribed(service, { sub: 'm1', project, orgs: ['acme', 'globex'] });
    const other = await subscribed(service, { sub: 'm2', project, orgs: ['globex'] });
    const none = await subscribed(service, { sub: 'm3', project });
    await runPushJob({ kind: 'notify', project, audience: 'o:acme', content: content() }, deps);
    expect(service.received.map((r) => r.endpoint)).toEqual([member.subscription.endpoint]);
    // m1 registers again without acme (their token changed): acme's pushes stop reaching them.
    const again = await postJson('/api/v1/client/push/subscriptions', member.subscription, await asUser({ sub: 'm1', project, orgs: ['globex'] }));
    expect(again.status).toBe(200);
    await runPushJob({ kind: 'notify', project, audience: 'o:acme', content: content() }, deps);
    expect(service.received).toHaveLength(1);
    await runPushJob({ kind: 'notify', project, audience: 'o:globex', content: content() }, deps);
    expect(new Set(service.received.slice(1).map((r) => r.endpoint))).toEqual(new Set([member.subscription.endpoint, other.subscription.endpoint]));
    expect(service.to(none)).toEqual([]);
  });

  it("everyone's: every browser of the project and none of another project's", async () => {
    const { service, deps } = setup();
    const [{ id: project }, { id: elsewhere }] = [await freshProject('push'), await freshProject('push')];
    const ours = [await subscribed(service, { sub: 'a', project }), await subscribed(service, { sub: 'b', project, orgs: ['x'] })];
    const theirs = await subscribed(service, { sub: 'a', project: elsewhere });
    await runPushJob({ kind: 'notify', project, audience: '*', content: content() }, deps);
    expect(new Set(service.received.map((r) => r.endpoint))).toEqual(new Set(ours.map((b) => b.subscription.endpoint)));
    expect(service.to(theirs)).toEqual([]);
  });

  it("follows the project's default (off) unless the producer says push: true", async () => {
    const { service, deps } = setup();
    const { id: project } = await freshProject('push');
    await subscribed(service, { sub: 'quiet', project });
    const off = await call(`/v1/projects/${project}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${env.ADMIN_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ push: false }),
    });
    expect(off.status).toBe(200);
    expect(await off.json()).toEqual({ id: project, name: project, push: false, created_at: expect.any(String) });
    expect((await runPushJob({ kind: 'notify', project, audience: 'u:quiet', content: content() }, deps)).sent).toBe(0);
    expect((await runPushJob({ kind: 'notify', project, audience: 'u:quiet', push: true, content: content() }, deps)).sent).toBe(1);
  });
});

describe('what push services answer', () => {
  it('404 and 410 remove the subscription; other browsers of the user still get it', async () => {
    const { service, deps } = setup();
    const { id: project } = await freshProject('push');
    const gone = await subscribed(service, { sub: 'g', project });
    const expired = await subscribed(service, { sub: 'g', project });
    const fine = await subscribed(service, { sub: 'g', project });
    service.answer(gone, { status: 410 });
    service.answer(expired, { status: 404 });
    expect(await runPushJob({ kind: 'notify', project, audience: 'u:g', content: content() }, deps)).toMatchObject({ sent: 1, gone: 2 });
    expect(await endpoints({ sub: 'g', project })).toEqual([fine.subscription.endpoint]);
  });

  it('429 and 5xx are sent again later, to those subscriptions only, not before Retry-After, with growing backoff, then given up', async () => {
    const { service, deps, take } = setup();
    const { id: project } = await freshProject('push');
    const limited = await subscribed(service, { sub: 'r', project });
    const failing = await subscribed(service, { sub: 'r', project });
    const fine = await subscribed(service, { sub: 'r', project });
    service.answer(limited, { status: 429, retryAfter: '120' });
    service.answer(failing, ...Array.from({ length: MAX_ATTEMPTS }, () => ({ status: 503 })));
    const job = content();
    expect(await runPushJob({ kind: 'notify', project, audience: 'u:r', content: job }, deps)).toMatchObject({ sent: 1, retried: 2 });
    let [retry, ...rest] = take();
    expect(rest).toEqual([]);
    expect(retry!.delaySeconds).toBe(120);
    expect(retry!.body).toEqual({ kind: 'send', project, audience: 'u:r', content: job, subscriptions: expect.any(Array), attempt: 1 });
    expect((retry!.body as { subscriptions: string[] }).subscriptions).toHaveLength(2);
    // The second try: the rate-limited one goes through; the failing one is tried until MAX_ATTEMPTS.
    const delays: number[] = [];
    for (let attempt = 1; retry; attempt++) {
      const report = await runPushJob(retry.body, deps);
      [retry] = take();
      if (retry) delays.push(retry.delaySeconds!);
      if (attempt === MAX_ATTEMPTS - 1) expect(report).toMatchObject({ given_up: 1 });
    }
    expect(delays).toEqual([40, 160, 640]);
    expect(service.to(fine)).toHaveLength(1);
    expect(service.to(limited).map((r) => r.status)).toEqual([429, 201]);
    expect(service.to(failing)).toHaveLength(MAX_ATTEMPTS);
    // Only gone subscriptions are removed: these stay.
    expect(await endpoints({ sub: 'r', project })).toHaveLength(3);
  });

  it('a push service that does not answer is tried again; one that refuses (403: another key) is logged and left', async () => {
    const { service, deps, take } = setup();
    const { id: project } = await freshProject('push');
    const silent = await subscribed(service, { sub: 's', project });
    const refusing = await subscribed(service, { sub: 's', project });
    service.answer(refusing, { status: 403 });
    const fetcher: typeof fetch = async (input, init) => {
      if (new Request(input).url === silent.subscription.endpoint) throw new TypeError('Network connection lost.');
      return service.fetcher(input, init);
    };
    expect(await runPushJob({ kind: 'notify', project, audience: 'u:s', content: content() }, { ...deps, fetcher })).toMatchObject({ retried: 1, refused: 1 });
    expect(take().map((m) => m.delaySeconds)).toEqual([10]);
    expect(await endpoints({ sub: 's', project })).toHaveLength(2);
  });

  it('a redirect is not followed (refused), and keys the encryption refuses stop that browser alone', async () => {
    const { service, deps } = setup();
    const { id: project } = await freshProject('push');
    const moved = await subscribed(service, { sub: 'v', project });
    const fine = await subscribed(service, { sub: 'v', project });
    const broken = await subscribed(service, { sub: 'v', project });
    // A browser whose stored key is no longer a point the encryption takes (written straight into the table).
    await env.DB.prepare('UPDATE push_subscriptions SET p256dh = ?1 WHERE endpoint = ?2').bind('AAAA', broken.subscription.endpoint).run();
    const asked: RequestInit[] = [];
    const fetcher: typeof fetch = async (input, init) => {
      asked.push(init!);
      if (new Request(input).url === moved.subscription.endpoint) return new Response(null, { status: 307, headers: { location: 'http://169.254.169.254/' } });
      return service.fetcher(input, init);
    };
    expect(await runPushJob({ kind: 'notify', project, audience: 'u:v', content: content() }, { ...deps, fetcher })).toMatchObject({ sent: 1, refused: 2, retried: 0 });
    expect(asked.every((init) => init.redirect === 'manual')).toBe(true);
    expect(service.to(fine)).toHaveLength(1);
  });

  it('an expired notification is not pushed', async () => {
    const { service, deps } = setup();
    const { id: project } = await freshProject('push');
    await subscribed(service, { sub: 'x', project });
    expect((await runPushJob({ kind: 'notify', project, audience: 'u:x', content: content({ expiresAt: Date.now() - 1 }) }, deps)).sent).toBe(0);
    expect(service.received).toEqual([]);
  });
});

describe('what a job reads', () => {
  /** A project with `count` subscriptions to everyone (straight into the table), and their ids in key order. */
  async function projectOf(count: number) {
    const { id: project } = await freshProject('push-cost');
    // One browser's keys for all: what is measured is the reading.
    const { keys } = (await newBrowser()).subscription;
    const rows = Array.from({ length: count }, (_, i) => ({ id: crypto.randomUUID(), user: `u${i}`, endpoint: `https://push.example/cost/${project}/${i}` }));
    await env.DB.prepare(
      `INSERT INTO push_subscriptions (id, project_id, user_id, endpoint, p256dh, auth, orgs, created_at, registered_at)
       SELECT json_extract(value, '$.id'), ?1, json_extract(value, '$.user'), json_extract(value, '$.endpoint'), ?3, ?4, '["crew"]', 1, 1 FROM json_each(?2)`,
    )
      .bind(project, JSON.stringify(rows), keys.p256dh, keys.auth)
      .run();
    return { project, ids: rows.map((r) => r.id).sort() };
  }

  /** The D1 statements and rows a job reads, its pushes answered 201 without being looked at. */
  async function cost(job: PushJob) {
    const meter = new D1Meter();
    const deps: PushDeps = { ...setup().deps, db: openDb(meter.wrap(env.DB)), fetcher: async () => new Response(null, { status: 201 }), sign: async () => 'vapid t=x, k=y' };
    const report = await runPushJob(job, deps);
    return { statements: meter.cost.queries, rowsRead: meter.cost.rowsRead, rowsWritten: meter.cost.rowsWritten, sent: report.sent };
  }

  it("does not grow with the audience: a send message reads the same for its 20 browsers in a project of 30 or of 600", async () => {
    const small = await projectOf(30);
    const large = await projectOf(600);
    for (const audience of ['*', 'o:crew']) {
      const [a, b] = [
        await cost({ kind: 'send', project: small.project, audience, content: content(), subscriptions: small.ids.slice(5, 25), attempt: 0 }),
        await cost({ kind: 'send', project: large.project, audience, content: content(), subscriptions: large.ids.slice(300, 320), attempt: 0 }),
      ];
      expect(a).toEqual(b);
      expect(a).toMatchObject({ statements: 1, rowsWritten: 0, sent: 20 });
    }
    // A page of the fan-out reads its ids alone (FANOUT_PAGE + 1), and the project's default once.
    const page = await cost({ kind: 'notify', project: large.project, audience: '*', content: content() });
    expect(page).toEqual({ statements: 2, rowsRead: FANOUT_PAGE + 1 + 1, rowsWritten: 0, sent: 0 });
  });
});

describe('the queue handler', () => {
  it('acknowledges each message it handled and retries, with a delay, one whose job failed (D1 down)', async () => {
    const { id: project } = await freshProject('push');
    const service = standInPushService(env.VAPID_PUBLIC_KEY);
    const browser = await subscribed(service, { sub: 'q', project });
    const good: PushJob = { kind: 'notify', project, audience: 'u:q', content: content() };
    // D1 fails every read of this message's project (a proxy on the binding); the other message's go through.
    const failing: PushJob = { kind: 'notify', project: 'p-d1-down', audience: 'u:q', content: content() };
    const original = globalThis.fetch;
    vi.spyOn(globalThis, 'fetch').mockImplementation((input, init) =>
      new Request(input).url.startsWith('https://push.example/') ? service.fetcher(input, init) : original(input, init),
    );
    const failingDb = new Proxy(env.DB, {
      get: (target, key) =>
        key === 'prepare'
          ? (sql: string) => {
              const statement = target.prepare(sql);
              return new Proxy(statement, {
                get: (s, k) =>
                  k === 'bind'
                    ? (...args: unknown[]) => (args[0] === 'p-d1-down' ? { all: () => Promise.reject(new Error('D1_ERROR: overloaded')), first: () => Promise.reject(new Error('D1_ERROR: overloaded')), run: () => Promise.reject(new Error('D1_ERROR: overloaded')) } : s.bind(...args))
                    : Reflect.get(s, k).bind?.(s) ?? Reflect.get(s, k),
              });
            }
          : Reflect.get(target, key),
    });
    const batch = createMessageBatch<PushJob>('edge-inbox-push', [
      { id: 'good', timestamp: new Date(), attempts: 1, body: good },
      { id: 'failing', timestamp: new Date(), attempts: 2, body: failing },
    ]);
    const ctx = createExecutionContext();
    // The pool's result records which messages were retried, not with what delay: the call itself says.
    const retry = vi.spyOn(batch.messages[1]!, 'retry');
    await (worker.queue as (batch: MessageBatch, env: Env) => Promise<void>)(batch, { ...env, DB: failingDb } as Env);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(['good']);
    expect(result.retryMessages).toEqual([{ msgId: 'failing' }]);
    expect(retry).toHaveBeenCalledWith({ delaySeconds: 40 });
    expect(service.to(browser).map((r) => r.payload.inbox.id)).toEqual([good.content.id]);
  });
});

describe('a broadcast to many', () => {
  it('is split into send messages of SEND_BATCH and pages of FANOUT_PAGE, and each subscription gets it once', async () => {
    const { service, deps, take } = setup();
    const { id: project } = await freshProject('push');
    const count = FANOUT_PAGE + 2 * SEND_BATCH + 7;
    // Registered straight into the table (the route's cost is not what this measures), each a real browser.
    const browsers = await Promise.all(Array.from({ length: count }, () => newBrowser()));
    browsers.forEach((b) => service.add(b));
    const rows = browsers.map((b, i) => ({ id: crypto.randomUUID(), user: `u${i}`, endpoint: b.subscription.endpoint, ...b.subscription.keys }));
    await env.DB.prepare(
      `INSERT INTO push_subscriptions (id, project_id, user_id, endpoint, p256dh, auth, orgs, created_at, registered_at)
       SELECT json_extract(value, '$.id'), ?1, json_extract(value, '$.user'), json_extract(value, '$.endpoint'), json_extract(value, '$.p256dh'),
         json_extract(value, '$.auth'), '[]', 1, 1 FROM json_each(?2)`,
    )
      .bind(project, JSON.stringify(rows))
      .run();

    const job = content({ title: 'To everyone' });
    const first = await runPushJob({ kind: 'notify', project, audience: '*', content: job }, deps);
    expect(first).toEqual({ sent: 0, gone: 0, retried: 0, refused: 0, given_up: 0, queued: FANOUT_PAGE / SEND_BATCH + 1 });
    const pageOne = take().map((m) => m.body);
    expect(pageOne.filter((j) => j.kind === 'send').map((j) => (j as { subscriptions: string[] }).subscriptions.length)).toEqual(
      Array.from({ length: FANOUT_PAGE / SEND_BATCH }, () => SEND_BATCH),
    );
    const next = pageOne.find((j) => j.kind === 'notify')!;
    expect(next).toMatchObject({ kind: 'notify', push: true, after: expect.any(String) });

    // The rest of the fan-out, each message on its own as a consumer would take it.
    let invocations = 1;
    for (let queue = [...pageOne]; queue.length > 0; queue.push(...take().map((m) => m.body))) {
      await runPushJob(queue.shift()!, deps);
      invocations++;
    }
    expect(invocations).toBeGreaterThanOrEqual(Math.ceil(count / SEND_BATCH) + 2);
    const perEndpoint = new Map<string, number>();
    for (const r of service.received) perEndpoint.set(r.endpoint, (perEndpoint.get(r.endpoint) ?? 0) + 1);
    expect(perEndpoint.size).toBe(count);
    expect([...perEndpoint.values()].every((n) => n === 1)).toBe(true);
    expect(service.received.every((r) => r.payload.notification.title === 'To everyone')).toBe(true);
  });
});
