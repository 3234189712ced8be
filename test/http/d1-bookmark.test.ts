import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app';
import { parseBookmark, RequestSession } from '../../src/http/d1-session';
import { playerRoom } from '../../src/realtime/player-room';
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

  it('a wake-up carries the bookmark of the write that caused it, the latest of them when they cross', async () => {
    const stub = playerRoomStub('default', 'b-woken');
    const { slot, token } = await playerRoom(env, 'default', 'b-woken').acquire();
    const later = '00000000-0000000f-00000000-00000000000000000000000000000000';
    const earlier = '00000000-0000000e-00000000-00000000000000000000000000000000';
    await stub.notify(later);
    await stub.notify(earlier);
    let woken = token;
    while (woken.generation < 2) woken = (await slot.wait(woken, 5000))!;
    expect(woken).toEqual({ generation: 2, bookmark: later });
    await slot.release();
  });

  it('a bookmark D1 refuses (another database’s) is a 400 that names the header, not a 500', async () => {
    const { id: project } = await freshProject('bookmark');
    const headers = await asUser({ sub: 'b-user', project });
    const refusing = {
      prepare: () => refusing,
      bind: () => refusing,
      all: () => Promise.reject(new Error('D1_ERROR: Invalid bookmark')),
      first: () => Promise.reject(new Error('D1_ERROR: Invalid bookmark')),
      run: () => Promise.reject(new Error('D1_ERROR: Invalid bookmark')),
      raw: () => Promise.reject(new Error('D1_ERROR: Invalid bookmark')),
      batch: () => Promise.reject(new Error('D1_ERROR: Invalid bookmark')),
      getBookmark: () => null,
    };
    // Outside sessions (the shard map, read once per isolate) it is the real database.
    const db = {
      prepare: (query: string) => env.DB.prepare(query),
      withSession: (constraint: string) => (constraint.startsWith('first-') ? env.DB.withSession(constraint) : refusing),
    };
    const app = await buildApp();
    const ctx = createExecutionContext();
    const bookmark = 'ffffffff-0000000f-00000000-00000000000000000000000000000000';
    const res = await app.fetch(
      new Request('http://inbox.test/api/v1/client/notifications', { headers: { ...headers, 'x-d1-bookmark': bookmark } }),
      { ...env, DB: db } as unknown as Env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: { code: 'INVALID_PARAMETER', message: expect.stringContaining('X-D1-Bookmark') },
    });
  });
});

describe('a request’s D1 session', () => {
  const bookmarks = (n: number) => `00000000-${n.toString(16).padStart(8, '0')}-00000000-00000000000000000000000000000000`;
  /** A D1 binding that says which sessions were opened; each session's bookmark is what it was opened at. */
  function recording() {
    const opened: string[] = [];
    const d1 = {
      withSession: (constraint: string) => {
        opened.push(constraint);
        return { prepare: () => null, batch: () => null, getBookmark: () => (constraint.startsWith('first-') ? bookmarks(50) : constraint) };
      },
    } as unknown as D1Database;
    return { d1, opened };
  }

  it('starts a write on the primary, a read where the client’s bookmark allows', () => {
    const write = recording();
    expect(new RequestSession('DB', write.d1, bookmarks(3), true).onPrimary).toBe(true);
    expect(write.opened).toEqual(['first-primary']);
    const read = recording();
    expect(new RequestSession('DB', read.d1, bookmarks(3), false).onPrimary).toBe(false);
    expect(read.opened).toEqual([bookmarks(3)]);
    const plain = recording();
    new RequestSession('DB', plain.d1, undefined, false);
    expect(plain.opened).toEqual(['first-unconstrained']);
  });

  it('moves forward to a later bookmark, never back to an earlier one', () => {
    const { d1, opened } = recording();
    const session = new RequestSession('DB', d1, bookmarks(10), false);
    session.catchUp(bookmarks(9));
    session.catchUp(bookmarks(10));
    expect(opened).toEqual([bookmarks(10)]);
    session.catchUp(bookmarks(11));
    expect(opened).toEqual([bookmarks(10), bookmarks(11)]);
  });

  it('applies a bookmark to its own database only: another database’s sends the read to the primary', () => {
    const own = recording();
    const session = new RequestSession('DB_2', own.d1, undefined, false);
    session.catchUp(`DB_2.${bookmarks(60)}`);
    expect(own.opened).toEqual(['first-unconstrained', bookmarks(60)]);
    expect(session.bookmark()).toBe(`DB_2.${bookmarks(60)}`);
    session.catchUp(bookmarks(61)); // DB's, bare
    expect(own.opened.at(-1)).toBe('first-primary');
    expect(parseBookmark(`DB_2.${bookmarks(1)}`)).toEqual({ binding: 'DB_2', bookmark: bookmarks(1) });
    expect(parseBookmark(bookmarks(1))).toEqual({ binding: 'DB', bookmark: bookmarks(1) });
    expect(parseBookmark(`db_2.${bookmarks(1)}`)).toBeUndefined();
  });

  it('after the primary, settles on what it read there', () => {
    const { d1, opened } = recording();
    const session = new RequestSession('DB', d1, undefined, false);
    session.usePrimary();
    session.catchUp(bookmarks(99));
    expect(opened).toEqual(['first-unconstrained', 'first-primary']);
    session.settle();
    expect(session.onPrimary).toBe(false);
    expect(opened.at(-1)).toBe(bookmarks(50));
  });
});
