import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { d1Cost } from '../api/cost/helpers';
import { ADMIN, asUser, call, freshProject, postJson, send } from '../helpers';

// Test limits (vitest.config.ts): per 10 s, 300 polls, 200 writes, 100 stream opens per user or key.
const LIMITS = { poll: 300, write: 200, stream: 100 };
// Conditional polls answered 304 per caller per window that the poll limit does not count (FREE_REVALIDATIONS).
const FREE_REVALIDATIONS = 40;
const PERIOD_MS = 10_000;

// The local limiter's windows are fixed to the clock (floor(now / period)). Each section below starts
// at the beginning of a window and checks that it ended in the same one; a section that straddled a
// boundary (a very slow machine) is run again, whole, in a fresh window with a fresh caller.
const windowOf = (ms: number) => Math.floor(ms / PERIOD_MS);

async function inOneWindow(section: () => Promise<void>, attempts = 3): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const next = (windowOf(Date.now()) + 1) * PERIOD_MS;
    await new Promise((r) => setTimeout(r, next - Date.now() + 20));
    const started = windowOf(Date.now());
    let failure: unknown;
    try {
      await section();
    } catch (error) {
      failure = error;
    }
    if (windowOf(Date.now()) === started) {
      if (failure) throw failure;
      return;
    }
    if (attempt === attempts) throw new Error(`the section never fitted in one ${PERIOD_MS} ms window`);
  }
}

/** Sends until the first 429: it must come after exactly `limit` requests (all in one window). */
async function exhaust(limit: number, send: () => Promise<Response>): Promise<Response> {
  for (let sent = 0; sent <= limit; sent++) {
    const res = await send();
    if (res.status === 429) {
      expect(sent).toBe(limit);
      return res;
    }
    await res.arrayBuffer();
  }
  throw new Error(`no 429 after ${limit + 1} requests`);
}

// A section waits for a window to start (up to 10 s) and may run again: room for three windows.
describe('rate limits', { timeout: 60_000 }, () => {
  it('limits polls per user in every user dialect, with Retry-After; a 304 is not counted', async () => {
    await inOneWindow(async () => {
      const { id: project } = await freshProject('rl');
      const headers = await asUser({ sub: crypto.randomUUID(), project });
      const first = await call('/api/v1/client/notifications', { headers });
      const etag = first.headers.get('etag')!;
      // Revalidations within the free allowance are answered and not counted…
      for (let i = 0; i < FREE_REVALIDATIONS; i++) {
        expect((await call('/api/v1/client/notifications', { headers: { ...headers, 'if-none-match': etag } })).status).toBe(304);
      }
      // …so the whole budget is still there for full polls (the first poll above counted).
      const limited = await exhaust(LIMITS.poll - 1, () => call('/api/v1/client/notifications', { headers }));
      expect(limited.headers.get('retry-after')).toBe('10');
      // Nothing of the answer the poll would have had (no ETag, no page), and no D1 read for it.
      expect(limited.headers.get('etag')).toBeNull();
      expect(d1Cost(limited)).toEqual({ queries: 0, rowsRead: 0, rowsWritten: 0 });
      expect(await limited.json()).toEqual({ error: { code: 'RATE_LIMIT_EXCEEDED', message: 'Rate limit exceeded' } });

      // The same user's polls in the other dialects are in the same budget, each in its own error shape.
      const player = await call('/notification/v1/player/me/notification', { headers });
      expect(player.status).toBe(429);
      expect(await player.json()).toEqual({ auth_success: true, error_code: 'rate_limit_exceeded', desc: 'Rate limit exceeded' });
      const system = await call('/api/notifications/system', { headers });
      expect(system.status).toBe(429);
      expect(await system.json()).toEqual({ message: 'Rate limit exceeded', code: 'RATE_LIMIT_EXCEEDED' });

      // Another user is not affected; writes are a separate budget.
      expect((await call('/api/v1/client/notifications', { headers: await asUser({ sub: 'other', project }) })).status).toBe(200);
      const ack = await call(`/api/v1/client/notifications/${crypto.randomUUID()}/acknowledge`, { method: 'POST', headers });
      expect(ack.status).toBe(404);
    });
  });

  it('over the limit, a tag that still holds is 304 in every dialect with ETags; a tag that moved is refused after one version read', async () => {
    await inOneWindow(async () => {
      const { id: project } = await freshProject('rl');
      const user = crypto.randomUUID();
      const headers = await asUser({ sub: user, project, orgs: ['guild'] });
      const paths = [
        '/api/v1/client/notifications',
        '/api/v1/client/notifications/counts',
        '/notification/v1/player/me/notification',
        '/api/notifications/system',
        `/api/users/${user}/notifications`,
        '/api/clients/guild/notifications',
      ];
      const tags = new Map<string, string>();
      for (const path of paths) {
        const res = await call(path, { headers });
        expect(res.status, path).toBe(200);
        tags.set(path, res.headers.get('etag')!);
      }
      await exhaust(LIMITS.poll - paths.length, () => call('/api/v1/client/notifications', { headers }));

      for (const path of paths) {
        const held = await call(path, { headers: { ...headers, 'if-none-match': tags.get(path)! } });
        expect(held.status, path).toBe(304);
        expect(held.headers.get('etag'), path).toBe(tags.get(path));
      }
      // Something new in each list: the tags no longer hold, and the full read is refused before it happens.
      await send(project, { to: [{ everyone: true }, { org: 'guild' }, { user }] });
      for (const path of paths) {
        const moved = await call(path, { headers: { ...headers, 'if-none-match': tags.get(path)! } });
        expect(moved.status, path).toBe(429);
        expect(moved.headers.get('etag'), path).toBeNull();
        expect(d1Cost(moved).queries, path).toBe(1);
      }
    });
  });

  it('a conditional poll not answered 304 is counted once: a moved tag before its read, a bad cursor after its answer', async () => {
    await inOneWindow(async () => {
      const { id: project } = await freshProject('rl');
      const user = crypto.randomUUID();
      const headers = await asUser({ sub: user, project });
      const stale = (await call('/api/v1/client/notifications', { headers })).headers.get('etag')!;
      await send(project, { to: [{ user }] });
      const conditional = { ...headers, 'if-none-match': stale };
      for (let i = 0; i < 5; i++) expect((await call('/api/v1/client/notifications', { headers: conditional })).status).toBe(200);
      for (let i = 0; i < 5; i++) expect((await call('/api/v1/client/notifications?cursor=garbage', { headers: conditional })).status).toBe(400);
      // 1 + 5 + 5 counted so far: neither missed nor counted twice.
      await exhaust(LIMITS.poll - 11, () => call('/api/v1/client/notifications', { headers }));
    });
  });

  it('past the free revalidations, 304s count again and a flood of them is refused before it reads', async () => {
    await inOneWindow(async () => {
      const { id: project } = await freshProject('rl');
      const headers = await asUser({ sub: crypto.randomUUID(), project });
      const etag = (await call('/api/v1/client/notifications', { headers })).headers.get('etag')!;
      const revalidate = () => call('/api/v1/client/notifications', { headers: { ...headers, 'if-none-match': etag } });
      for (let i = 0; i < FREE_REVALIDATIONS; i++) expect((await revalidate()).status).toBe(304);
      const limited = await exhaust(LIMITS.poll - 1, revalidate);
      expect(d1Cost(limited)).toEqual({ queries: 0, rowsRead: 0, rowsWritten: 0 });
      expect(await limited.json()).toEqual({ error: { code: 'RATE_LIMIT_EXCEEDED', message: 'Rate limit exceeded' } });
    });
  });

  it('recovers in the next window', async () => {
    const { id: project } = await freshProject('rl');
    const headers = await asUser({ sub: crypto.randomUUID(), project });
    await inOneWindow(async () => {
      await exhaust(LIMITS.poll, () => call('/api/v1/client/notifications', { headers }));
    });
    await new Promise((r) => setTimeout(r, (windowOf(Date.now()) + 1) * PERIOD_MS - Date.now() + 20));
    expect((await call('/api/v1/client/notifications', { headers })).status).toBe(200);
  });

  it('a refused request changes nothing: a seeds/001 fetch over the limit does not mark the notification read', async () => {
    await inOneWindow(async () => {
      const { id: project } = await freshProject('rl');
      const [n] = await send(project, { to: [{ everyone: true }] });
      const headers = await asUser({ sub: crypto.randomUUID(), project });
      await exhaust(LIMITS.poll, () => call('/api/notifications/system', { headers }));
      const fetched = await call(`/api/notifications/system/${n!.id}`, { headers });
      expect(fetched.status).toBe(429);
      expect(await fetched.json()).toEqual({ message: 'Rate limit exceeded', code: 'RATE_LIMIT_EXCEEDED' });
      const receipts = await env.DB.prepare('SELECT count(*) AS n FROM receipts WHERE notification_id = ?').bind(n!.id).first<{ n: number }>();
      expect(receipts!.n).toBe(0);
    });
  });

  it('limits writes and stream opens per user', async () => {
    await inOneWindow(async () => {
      const { id: project } = await freshProject('rl');
      const headers = await asUser({ sub: crypto.randomUUID(), project });
      const writes = await exhaust(LIMITS.write, () => call(`/api/v1/client/notifications/${crypto.randomUUID()}/acknowledge`, { method: 'POST', headers }));
      expect(await writes.json()).toEqual({ error: { code: 'RATE_LIMIT_EXCEEDED', message: 'Rate limit exceeded' } });
      expect((await call('/api/v1/client/notifications', { headers })).status).toBe(200);

      // A request to a stream route counts as an open, whatever comes of it.
      const opens = await exhaust(LIMITS.stream, () => call('/api/v1/client/notifications/ws', { headers }));
      expect(opens.headers.get('retry-after')).toBe('10');
      // A refused event stream says why in its body (an EventSource cannot, so the README tells browsers what to do).
      const stream = await call('/api/v1/client/notifications/stream', { headers });
      expect(stream.status).toBe(429);
      expect(await stream.json()).toEqual({ error: { code: 'RATE_LIMIT_EXCEEDED', message: 'Rate limit exceeded' } });
      expect((await call('/notification/v1/player/me/stream/notification/lp?deadline=0', { headers })).status).toBe(429);
    });
  });

  it('limits the producer and project APIs per API key, in their shapes', async () => {
    await inOneWindow(async () => {
      const { id: project, key } = await freshProject('rl');
      const limited = await exhaust(LIMITS.write, () => postJson(`/v1/projects/${project}/notifications`, { to: [] }, key));
      expect(limited.headers.get('retry-after')).toBe('10');
      expect(await limited.json()).toEqual({ error: { code: 'rate_limited', message: 'Rate limit exceeded' } });
      const archive = await call(`/api/v1/project/${project}/notification/${crypto.randomUUID()}/archive`, { method: 'PUT', headers: key });
      expect(archive.status).toBe(429);
      expect(await archive.json()).toEqual({ message: 'Too Many Attempts.' });
      // Reads by the same key are another budget; another key of the project is not limited.
      expect((await call(`/api/v1/project/${project}/notifications`, { headers: key })).status).toBe(200);
      const other = await postJson(`/v1/projects/${project}/keys`, { name: 'second' }, ADMIN);
      const second = { authorization: `Bearer ${((await other.json()) as { key: string }).key}` };
      expect((await postJson(`/v1/projects/${project}/notifications`, { to: [{ user: 'u' }], title: 't' }, second)).status).toBe(201);
    });
  });
});
