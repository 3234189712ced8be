import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { asUser, call, freshProject, send, until } from '../../helpers';

const LIST = '/api/v1/client/notifications';

async function etagOf(headers: Record<string, string>, query = '') {
  const res = await call(`${LIST}${query}`, { headers });
  expect(res.status).toBe(200);
  return res.headers.get('etag')!;
}

async function poll(headers: Record<string, string>, ifNoneMatch: string, query = '') {
  return call(`${LIST}${query}`, { headers: { ...headers, 'if-none-match': ifNoneMatch } });
}

describe('seeds/000 list ETag and If-None-Match', () => {
  it('answers 304 with the same ETag, comparing weakly and accepting lists', async () => {
    const { id: project } = await freshProject();
    await send(project, { to: [{ user: 'u' }] });
    const headers = await asUser({ sub: 'u', project });
    const etag = await etagOf(headers);
    for (const header of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const res = await poll(headers, header);
      expect(res.status, header).toBe(304);
      expect(res.headers.get('etag')).toBe(etag);
      expect(await res.text()).toBe('');
    }
    expect((await poll(headers, '"something-else"')).status).toBe(200);
  });

  it('differs between queries and between users', async () => {
    const { id: project } = await freshProject();
    const u = await asUser({ sub: 'u', project });
    const v = await asUser({ sub: 'v', project });
    const base = await etagOf(u);
    expect(await etagOf(u, '?status=pending')).not.toBe(base);
    expect(await etagOf(u, '?limit=10')).not.toBe(base);
    expect(await etagOf(v)).not.toBe(base);
  });

  it('changes after a new notification to the user, an organisation of theirs, everyone, and an acknowledge', async () => {
    const { id: project } = await freshProject();
    const headers = await asUser({ sub: 'u', project, orgs: ['o1'] });
    let etag = await etagOf(headers);
    const changes: [string, () => Promise<unknown>][] = [
      ['own', () => send(project, { to: [{ user: 'u' }] })],
      ['organisation', () => send(project, { to: [{ org: 'o1' }] })],
      ['everyone', () => send(project, { to: [{ everyone: true }] })],
      [
        'acknowledge',
        async () => {
          const [n] = await send(project, { to: [{ everyone: true }] });
          etag = await etagOf(headers);
          await call(`${LIST}/${n!.id}/acknowledge`, { method: 'POST', headers });
        },
      ],
    ];
    for (const [what, change] of changes) {
      await change();
      const res = await poll(headers, etag);
      expect(res.status, what).toBe(200);
      const next = res.headers.get('etag')!;
      expect(next, what).not.toBe(etag);
      etag = next;
    }
  });

  it('does not change for what the user does not see: other users, other organisations, others’ acknowledges, other projects', async () => {
    const { id: project } = await freshProject();
    const other = await freshProject();
    const [broadcast] = await send(project, { to: [{ everyone: true }] });
    const headers = await asUser({ sub: 'u', project, orgs: ['o1'] });
    const etag = await etagOf(headers);

    await send(project, { to: [{ user: 'someone-else' }, { org: 'o2' }] });
    await send(other.id, { to: [{ user: 'u' }, { everyone: true }, { org: 'o1' }] });
    const neighbour = await asUser({ sub: 'neighbour', project });
    expect((await call(`${LIST}/${broadcast!.id}/acknowledge`, { method: 'POST', headers: neighbour })).status).toBe(200);
    expect((await poll(headers, etag)).status).toBe(304);

    // The user's own acknowledge changes it; a second, refused acknowledge does not.
    expect((await call(`${LIST}/${broadcast!.id}/acknowledge`, { method: 'POST', headers })).status).toBe(200);
    const afterAck = await etagOf(headers);
    expect(afterAck).not.toBe(etag);
    expect((await call(`${LIST}/${broadcast!.id}/acknowledge`, { method: 'POST', headers })).status).toBe(409);
    expect((await poll(headers, afterAck)).status).toBe(304);
  });

  it('changes when a notification is deleted by the producer', async () => {
    const { id: project } = await freshProject();
    const [n] = await send(project, { to: [{ org: 'o1' }] });
    const headers = await asUser({ sub: 'u', project, orgs: ['o1'] });
    const etag = await etagOf(headers);
    const del = await call(`/v1/projects/${project}/notifications/${n!.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${env.ADMIN_API_KEY}` },
    });
    expect(del.status).toBe(204);
    const res = await poll(headers, etag);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { notifications: unknown[] }).notifications).toEqual([]);
  });

  it('stops matching when a notification the user sees expires, with no write in between', async () => {
    const { id: project } = await freshProject();
    // Room for the sends and the first polls on a slow machine; then wait for the expiry itself.
    const expiresAt = Date.now() + 4000;
    await send(project, { to: [{ everyone: true }], title: 'flash sale', expires_at: new Date(expiresAt).toISOString() });
    await send(project, { to: [{ user: 'u' }], title: 'stays' });
    const headers = await asUser({ sub: 'u', project });
    const etag = await etagOf(headers);
    expect((await poll(headers, etag)).status).toBe(304);
    await until(async () => Date.now() > expiresAt, 6000);
    const res = await poll(headers, etag);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { notifications: { title: string }[] }).notifications.map((n) => n.title)).toEqual(['stays']);
    const fresh = res.headers.get('etag')!;
    expect(fresh).not.toBe(etag);
    expect((await poll(headers, fresh)).status).toBe(304);
  });

  it('does not let a client extend a tag by editing its deadline', async () => {
    const { id: project } = await freshProject();
    await send(project, { to: [{ user: 'u' }], title: 'x', expires_at: new Date(Date.now() + 60_000).toISOString() });
    const headers = await asUser({ sub: 'u', project });
    const etag = await etagOf(headers);
    expect(etag).toMatch(/^"[A-Za-z0-9_-]+~[0-9a-z]+\.[0-9a-z]+"$/);
    expect((await poll(headers, etag.replace(/\.[0-9a-z]+"$/, '.zzzzzzzzzz.1"'))).status).toBe(200);
  });
});
