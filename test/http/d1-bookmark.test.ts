import { describe, expect, it } from 'vitest';
import { ADMIN, asUser, call, freshProject, playerRoomStub, postJson, send } from '../helpers';

// D1 sessions on every request (README "Reading from the nearest replica"): a request that wrote
// answers with its session's bookmark in X-D1-Bookmark, and a request that sends one back reads at
// least that fresh. The local D1 takes sessions and hands out bookmarks but has no replicas; the
// ordering rules are tested with a replica stand-in in test/core/read-replica.test.ts.

const CLIENT = '/api/v1/client/notifications';
const BOOKMARK = /^[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{32}$/;

describe('D1 bookmarks', () => {
  it('a write answers with its bookmark; a read does not; sent back, the next read sees the write', async () => {
    const { id: project } = await freshProject('bookmark');
    const headers = await asUser({ sub: 'b-user', project });
    const [n] = await send(project, { to: [{ user: 'b-user' }] });

    const list = await call(CLIENT, { headers });
    expect(list.status).toBe(200);
    expect(list.headers.get('x-d1-bookmark')).toBeNull();

    const ack = await call(`${CLIENT}/${n!.id}/acknowledge`, { method: 'POST', headers });
    expect(ack.status).toBe(200);
    const bookmark = ack.headers.get('x-d1-bookmark');
    expect(bookmark).toMatch(BOOKMARK);

    const after = await call(`${CLIENT}?status=pending`, { headers: { ...headers, 'x-d1-bookmark': bookmark! } });
    expect(after.status).toBe(200);
    expect(((await after.json()) as { notifications: unknown[] }).notifications).toEqual([]);

    // A refused write wrote nothing: no bookmark.
    const again = await call(`${CLIENT}/${n!.id}/acknowledge`, { method: 'POST', headers });
    expect(again.status).toBe(409);
    expect(again.headers.get('x-d1-bookmark')).toBeNull();
  });

  it('the producer API’s writes carry one too', async () => {
    const { id: project } = await freshProject('bookmark');
    const res = await postJson(`/v1/projects/${project}/notifications`, { to: [{ user: 'u' }], title: 't' }, ADMIN);
    expect(res.status).toBe(201);
    expect(res.headers.get('x-d1-bookmark')).toMatch(BOOKMARK);
  });

  it('a garbled bookmark is ignored: the request is served as if it had none', async () => {
    const { id: project } = await freshProject('bookmark');
    const headers = await asUser({ sub: 'b-user', project });
    await send(project, { to: [{ user: 'b-user' }], title: 'still here' });
    for (const garbled of ['garbage', '', 'x'.repeat(5000), '00000000-0000000f-00000000', 'first-primary', 'zzzzzzzz-0000000f-00000000-00000000000000000000000000000000']) {
      const res = await call(CLIENT, { headers: { ...headers, 'x-d1-bookmark': garbled } });
      expect(res.status, garbled).toBe(200);
      expect(((await res.json()) as { notifications: { title: string }[] }).notifications.map((x) => x.title)).toEqual(['still here']);
    }
  });

  it('browsers may send it and read it (CORS)', async () => {
    const preflight = await call(CLIENT, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization, x-d1-bookmark' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('X-D1-Bookmark');
  });

  it('a wake-up carries the bookmark of the write that caused it to the listeners', async () => {
    const stub = playerRoomStub('default', 'b-woken');
    const bookmark = '00000000-0000000f-00000000-00000000000000000000000000000000';
    await stub.notify(bookmark);
    // A token from before (another epoch) gets the current one at once.
    expect(await stub.wait({ epoch: 'earlier', generation: 0 }, 0)).toMatchObject({ bookmark });
  });
});
