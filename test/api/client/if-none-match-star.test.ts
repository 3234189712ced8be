import { describe, expect, it } from 'vitest';
import { asUser, call, freshProject, send, until } from '../../helpers';
import { LIST } from './helpers';

// `If-None-Match: *` matches any current inbox; the 304 must carry the tag a 200 would (with the
// earliest expiry as its deadline), or a client that keeps it gets 304s after the notification expired.

const COUNTS = `${LIST}/counts`;

describe('If-None-Match: * answers the tag a 200 would, deadline included', () => {
  it('on the list and on /counts, and that tag lapses when the notification expires', async () => {
    const { id: project } = await freshProject();
    const headers = await asUser({ sub: 'u', project });
    // Short, but with room for the requests below on a slow machine.
    const expiresAt = Date.now() + 6000;
    await send(project, { to: [{ user: 'u' }], title: 'flash sale', expires_at: new Date(expiresAt).toISOString() });
    await send(project, { to: [{ user: 'u' }], title: 'stays' });

    const tags: Record<string, string> = {};
    for (const path of [LIST, COUNTS]) {
      const plain = await call(path, { headers });
      expect(plain.status, path).toBe(200);
      const etag = plain.headers.get('etag')!;
      expect(etag, path).toMatch(/^"[\w-]+~[0-9a-z]+\.[0-9a-z]+"$/);

      const star = await call(path, { headers: { ...headers, 'if-none-match': '*' } });
      expect(star.status, path).toBe(304);
      expect(star.headers.get('etag'), path).toBe(etag);
      expect(await star.text(), path).toBe('');
      tags[path] = star.headers.get('etag')!;
    }

    // The tag the `*` poll handed out stops matching at the expiry, with no write in between.
    await until(async () => (await call(LIST, { headers: { ...headers, 'if-none-match': tags[LIST]! } })).status === 200, 12_000);
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
    const list = await call(LIST, { headers: { ...headers, 'if-none-match': tags[LIST]! } });
    expect(list.status).toBe(200);
    expect(((await list.json()) as { notifications: { title: string }[] }).notifications.map((n) => n.title)).toEqual(['stays']);

    const counts = await call(COUNTS, { headers: { ...headers, 'if-none-match': tags[COUNTS]! } });
    expect(counts.status).toBe(200);
    expect(await counts.json()).toEqual({ total: 1, pending: 1 });
    expect(counts.headers.get('etag')).not.toBe(tags[COUNTS]);
  });

  it('answers `*` with an undated tag when nothing visible expires', async () => {
    const { id: project } = await freshProject();
    const headers = await asUser({ sub: 'u', project });
    await send(project, { to: [{ user: 'u' }] });
    for (const path of [LIST, COUNTS]) {
      const etag = (await call(path, { headers })).headers.get('etag')!;
      expect(etag, path).toMatch(/^"[\w-]+~[0-9a-z]+"$/);
      const star = await call(path, { headers: { ...headers, 'if-none-match': '*' } });
      expect(star.status, path).toBe(304);
      expect(star.headers.get('etag'), path).toBe(etag);
    }
  });
});
