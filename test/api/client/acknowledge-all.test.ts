import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ADMIN, asUser, call, freshProject, postJson, send } from '../../helpers';
import { d1Cost, seed } from '../cost/helpers';
import { ack, LIST } from './helpers';
import { SseClient } from './stream-helpers';

const ALL = `${LIST}/acknowledge-all`;

interface Item {
  id: string;
  title: string;
  status: string;
  acknowledged_at: string | null;
}
interface Page {
  notifications: Item[];
  pagination: { next_cursor: string | null; has_more: boolean; total_count: number };
}

const acknowledgeAll = (headers: Record<string, string>, body?: unknown) =>
  call(ALL, {
    method: 'POST',
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const page = async (headers: Record<string, string>, query = '') => (await (await call(`${LIST}${query}`, { headers })).json()) as Page;
const counts = async (headers: Record<string, string>) => (await call(`${LIST}/counts`, { headers })).json();

describe('POST /api/v1/client/notifications/acknowledge-all', () => {
  it('acknowledges everything in the inbox now, in every audience, for the caller only', async () => {
    const { id: project } = await freshProject();
    await send(project, { to: [{ user: 'u' }], title: 'own' });
    await send(project, { to: [{ org: 'o1' }], title: 'org' });
    const [done] = await send(project, { to: [{ user: 'u' }], title: 'done before' });
    await send(project, { to: [{ everyone: true }], title: 'all' });
    const u = await asUser({ sub: 'u', project, orgs: ['o1'] });
    const v = await asUser({ sub: 'v', project, orgs: ['o1'] });
    expect((await ack(done!.id, u)).status).toBe(200);

    const before = Date.now();
    const res = await acknowledgeAll(u);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ acknowledged: 3 });

    const listed = await page(u);
    expect(listed.notifications.map((n) => [n.title, n.status])).toEqual([
      ['all', 'acknowledged'],
      ['done before', 'acknowledged'],
      ['org', 'acknowledged'],
      ['own', 'acknowledged'],
    ]);
    const times = listed.notifications.filter((n) => n.title !== 'done before').map((n) => Date.parse(n.acknowledged_at!));
    expect(new Set(times).size).toBe(1);
    expect(times[0]).toBeGreaterThanOrEqual(before - 5);
    expect(await counts(u)).toEqual({ total: 4, pending: 0 });
    expect((await page(u, '?status=pending')).pagination.total_count).toBe(0);
    // Another user of the same organisation and of everyone is untouched.
    expect(await counts(v)).toEqual({ total: 2, pending: 2 });

    // Created afterwards: pending, in the list, the pending page and the counts.
    await send(project, { to: [{ everyone: true }], title: 'later' });
    expect(await counts(u)).toEqual({ total: 5, pending: 1 });
    const pending = await page(u, '?status=pending');
    expect(pending.notifications.map((n) => n.title)).toEqual(['later']);
    expect(pending.pagination.total_count).toBe(1);
    expect((await page(u, '?status=acknowledged')).pagination.total_count).toBe(4);
  });

  it('stops at `through`: it and everything older, nothing newer', async () => {
    const { id: project } = await freshProject();
    const [a] = await send(project, { to: [{ user: 'u' }], title: 'a' });
    const [b] = await send(project, { to: [{ everyone: true }], title: 'b' });
    await send(project, { to: [{ user: 'u' }], title: 'c' });
    const u = await asUser({ sub: 'u', project });
    expect(await (await acknowledgeAll(u, { through: b!.id })).json()).toEqual({ acknowledged: 2 });
    expect((await page(u)).notifications.map((n) => [n.title, n.status])).toEqual([
      ['c', 'pending'],
      ['b', 'acknowledged'],
      ['a', 'acknowledged'],
    ]);
    // Covered already: a single acknowledge is a conflict, a bulk one says so per id, a repeat acknowledges nothing.
    const single = await ack(a!.id, u);
    expect(single.status).toBe(409);
    expect(await single.json()).toEqual({
      error: { code: 'NOTIFICATION_ALREADY_RESPONDED', message: `Notification ${a!.id} has already been acknowledged` },
    });
    const bulk = await postJson(`${LIST}/acknowledge`, { ids: [a!.id] }, u);
    expect(((await bulk.json()) as { results: { outcome: string }[] }).results.map((r) => r.outcome)).toEqual(['already_responded']);
    expect(await (await acknowledgeAll(u, { through: b!.id })).json()).toEqual({ acknowledged: 0 });
    expect(await (await acknowledgeAll(u)).json()).toEqual({ acknowledged: 1 });
    expect(await counts(u)).toEqual({ total: 3, pending: 0 });
  });

  it('writes the same few rows whether it acknowledges 3 notifications or 2,000', async () => {
    const small = await freshProject();
    const large = await freshProject();
    for (const { id } of [small, large]) {
      await send(id, { to: [{ everyone: true }], title: 'broadcast' });
      await send(id, { to: [{ org: 'o1' }], title: 'team' });
    }
    await seed(small.id, 'u:u', 1);
    await seed(large.id, 'u:u', 2000);
    const smallRes = await acknowledgeAll(await asUser({ sub: 'u', project: small.id, orgs: ['o1'] }));
    const largeRes = await acknowledgeAll(await asUser({ sub: 'u', project: large.id, orgs: ['o1'] }));
    expect(await smallRes.json()).toEqual({ acknowledged: 3 });
    expect(await largeRes.json()).toEqual({ acknowledged: 2002 });
    // Per audience moved (own, o1, everyone): a step, its user_counts row, the ack version; and one change.
    expect(d1Cost(largeRes).rowsWritten).toBe(d1Cost(smallRes).rowsWritten);
    expect(d1Cost(largeRes).rowsWritten).toBeLessThanOrEqual(3 * 3 + 1 + 6);
    expect(await counts(await asUser({ sub: 'u', project: large.id, orgs: ['o1'] }))).toEqual({ total: 2002, pending: 0 });
  });

  it('lets a pending page start above the watermark: thousands acknowledged cost no rows', async () => {
    const pendingPage = async (acknowledgedPerAudience: number) => {
      const { id: project } = await freshProject();
      for (const audience of ['u:u', '*', 'o:o1']) await seed(project, audience, acknowledgedPerAudience);
      const u = await asUser({ sub: 'u', project, orgs: ['o1'] });
      expect(await (await acknowledgeAll(u)).json()).toEqual({ acknowledged: 3 * acknowledgedPerAudience });
      await send(project, { to: [{ user: 'u' }, { org: 'o1' }, { everyone: true }], title: 'new' });
      const res = await call(`${LIST}?status=pending`, { headers: u });
      const body = (await res.json()) as Page;
      expect(body.notifications.map((n) => n.title)).toEqual(['new', 'new', 'new']);
      expect(body.pagination.total_count).toBe(3);
      const acknowledged = await call(`${LIST}?status=acknowledged&limit=1`, { headers: u });
      expect(((await acknowledged.json()) as Page).pagination.total_count).toBe(3 * acknowledgedPerAudience);
      return d1Cost(res).rowsRead;
    };
    const few = await pendingPage(2);
    expect(await pendingPage(2000)).toBe(few);
    expect(few).toBeLessThanOrEqual(3 + 10 + 3 + 3 + 1); // + a watermark per audience, + the stream head
  });

  it('keeps counts exact when covered notifications are deleted or archived', async () => {
    const { id: project } = await freshProject();
    const [gone] = await send(project, { to: [{ everyone: true }], title: 'gone' });
    const [archived] = await send(project, { to: [{ user: 'u' }], title: 'archived' });
    await send(project, { to: [{ user: 'u' }], title: 'stays' });
    const u = await asUser({ sub: 'u', project });
    await acknowledgeAll(u);
    expect((await call(`/v1/projects/${project}/notifications/${gone!.id}`, { method: 'DELETE', headers: ADMIN })).status).toBe(204);
    const archive = await call(`/api/v1/project/${project}/notification/${archived!.id}/archive`, { method: 'PUT', headers: ADMIN });
    expect(archive.status).toBe(200);
    expect(await counts(u)).toEqual({ total: 1, pending: 0 });
    await send(project, { to: [{ user: 'u' }], title: 'new' });
    expect(await counts(u)).toEqual({ total: 2, pending: 1 });
    expect((await page(u, '?status=acknowledged')).notifications.map((n) => n.title)).toEqual(['stays']);
  });

  it('changes the ETag of pages and counts, shows as seen in seeds/003, and leaves seeds/001 read state alone', async () => {
    const { id: project } = await freshProject();
    const [n] = await send(project, { to: [{ user: 'u' }], title: 'x' });
    const u = await asUser({ sub: 'u', project });
    const listTag = (await call(LIST, { headers: u })).headers.get('etag')!;
    const countsTag = (await call(`${LIST}/counts`, { headers: u })).headers.get('etag')!;
    await acknowledgeAll(u);
    expect((await call(LIST, { headers: { ...u, 'if-none-match': listTag } })).status).toBe(200);
    expect((await call(`${LIST}/counts`, { headers: { ...u, 'if-none-match': countsTag } })).status).toBe(200);

    const operator = (await (await call(`/api/v1/project/${project}/notification/${n!.id}`, { headers: ADMIN })).json()) as {
      seen_at: string | null;
      read_at: string | null;
    };
    const acknowledgedAt = (await page(u)).notifications[0]!.acknowledged_at!;
    expect(operator.seen_at).toBe(new Date(acknowledgedAt).toISOString().replace(/\.\d{3}Z$/, '+00:00'));
    expect(operator.read_at).toBeNull();
    const seeds001 = (await (await call(`/api/users/u/notifications`, { headers: u })).json()) as { data?: { read: boolean }[] };
    expect(JSON.stringify(seeds001)).toContain('"read":false');
  });

  it('tells the user’s open streams in one event, and nobody else’s', async () => {
    const { id: project } = await freshProject();
    const [n] = await send(project, { to: [{ everyone: true }], title: 'x' });
    const u = await asUser({ sub: 'u', project });
    const stream = await SseClient.open('', u);
    const other = await SseClient.open('', await asUser({ sub: 'v', project }));
    try {
      await stream.nextOf('ready');
      await other.nextOf('ready');
      await acknowledgeAll(u);
      const event = await stream.nextOf('acknowledged');
      expect(event).toEqual({ type: 'acknowledged', cursor: event.cursor, through: n!.id, acknowledged_at: expect.any(String) });
      expect((await page(u)).notifications[0]!.acknowledged_at).toBe(event.acknowledged_at);
      // The other user's stream: the next thing it sees is a new notification, not the acknowledge.
      await send(project, { to: [{ everyone: true }], title: 'next' });
      expect((await other.next()).type).toBe('notification');
    } finally {
      await stream.close();
      await other.close();
    }
  });

  it('refuses what is not in the caller’s inbox and malformed bodies', async () => {
    const { id: project } = await freshProject();
    const [theirs] = await send(project, { to: [{ user: 'v' }], title: 'not yours' });
    const u = await asUser({ sub: 'u', project });
    const missing = await acknowledgeAll(u, { through: '00000000-0000-4000-8000-000000000000' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({
      error: { code: 'NOTIFICATION_NOT_FOUND', message: 'Notification 00000000-0000-4000-8000-000000000000 does not exist' },
    });
    const [expired] = await send(project, { to: [{ user: 'u' }], title: 'gone by now' });
    await env.DB.prepare('UPDATE notifications SET expires_at = ? WHERE id = ?').bind(Date.now() - 1000, expired!.id).run();
    const lapsed = await acknowledgeAll(u, { through: expired!.id });
    expect(lapsed.status).toBe(404);
    expect(((await lapsed.json()) as { error: { code: string } }).error.code).toBe('NOTIFICATION_NOT_FOUND');
    const denied = await acknowledgeAll(u, { through: theirs!.id });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { error: { code: string } }).error.code).toBe('NOTIFICATION_ACCESS_DENIED');
    for (const body of [{ through: 'nope' }, { through: theirs!.id, extra: 1 }, []]) {
      const bad = await acknowledgeAll(u, body);
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('INVALID_PARAMETER');
    }
    expect(await (await acknowledgeAll(u)).json()).toEqual({ acknowledged: 0 });
    expect(await (await acknowledgeAll(u, {})).json()).toEqual({ acknowledged: 0 });
    expect((await call(ALL, { method: 'POST' })).status).toBe(401);
  });
});
