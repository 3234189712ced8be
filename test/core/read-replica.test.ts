import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { acknowledge } from '../../src/core/receipts';
import { createNotifications } from '../../src/core/create';
import { openDb, type ReadSession } from '../../src/core/db';
import { readCounts } from '../../src/core/inbox-counts';
import { readInboxPage, type InboxView, type PageQuery } from '../../src/core/inbox-page';
import { getInboxItem } from '../../src/core/inbox';
import type { UserPrincipal } from '../../src/core/principal';
import { readAfter } from '../../src/core/realtime';
import { openStream } from '../../src/core/stream';
import { streamScope, encodeStreamCursor } from '../../src/core/cursor';
import { feedHead } from '../../src/core/changes';
import { headPosition } from '../../src/core/stream';
import { longPollStart, pageExcludeBefore } from '../../src/core/exclude-before';

// D1 read replicas lag the primary. The local D1 has none, so a second database stands in for one: a
// copy of the primary taken at some moment (`replicate`), read by a session double until the core
// moves it to the primary. The rule under test: nobody sees their inbox go backwards. What a client
// sends back (a tag, a cursor, a stream position) says what it saw; a replica behind it is not used.

const primary = env.DB;
const replica = env.REPLICA_DB;
const TABLES = ['projects', 'notifications', 'receipts', 'inbox_versions', 'user_counts', 'inbox_changes', 'change_horizons', 'sequence_floors', 'acknowledged_through'];

/** Makes the replica an exact copy of the primary as it is now (the replica has no triggers: it only copies). */
async function replicate() {
  for (const table of TABLES) {
    await replica.prepare(`DELETE FROM ${table}`).run();
    const { results } = await primary.prepare(`SELECT * FROM ${table}`).all<Record<string, unknown>>();
    if (results.length === 0) continue;
    const columns = Object.keys(results[0]!);
    await replica
      .prepare(`INSERT INTO ${table} (${columns.join(', ')}) SELECT ${columns.map((c) => `json_extract(value, '$.${c}')`).join(', ')} FROM json_each(?1)`)
      .bind(JSON.stringify(results))
      .run();
  }
}

/** A request's session as the core sees it: the replica until moved on, then the primary. */
class SessionDouble implements ReadSession {
  onPrimary = false;
  caughtUpTo: string | undefined;
  readonly reads = { replica: 0, primary: 0 };
  usePrimary() {
    this.onPrimary = true;
  }
  catchUp(bookmark: string) {
    this.caughtUpTo = bookmark;
  }
  settled = false;
  settle() {
    this.settled = true;
  }
  db() {
    const binding = {
      prepare: (query: string) => {
        // A bookmark after the copy: like a replica that waited until it had caught up.
        const fresh = this.onPrimary || this.caughtUpTo !== undefined;
        this.reads[fresh ? 'primary' : 'replica']++;
        return (fresh ? primary : replica).prepare(query);
      },
      batch: (statements: D1PreparedStatement[]) => (this.onPrimary || this.caughtUpTo ? primary : replica).batch(statements),
    } as unknown as D1Database;
    return openDb(binding, this);
  }
}

const direct = openDb(primary);
const LIST: InboxView = { name: 'client', shows: { acknowledged: true }, totals: true, streamHead: true, cursor: { parameter: 'cursor' } };
const query = (extra: Partial<PageQuery> = {}): PageQuery => ({ order: 'newest', limit: 10, ...extra }) as PageQuery;
let user: UserPrincipal;
let n = 0;

beforeAll(async () => {
  await applyD1Migrations(replica, env.TEST_MIGRATIONS);
  const triggers = await replica.prepare(`SELECT name FROM sqlite_master WHERE type = 'trigger'`).all<{ name: string }>();
  for (const { name } of triggers.results) await replica.prepare(`DROP TRIGGER ${name}`).run();
});

beforeEach(async () => {
  user = { kind: 'user', projectId: 'default', userId: `reader-${n++}`, orgs: ['crew'], permissions: null };
});

const create = async (title: string) => (await createNotifications(direct, 'default', [{ audience: { kind: 'user', id: user.userId }, title }])).created[0]!;

describe('reads from a replica', () => {
  it('are served by the replica when nothing the client sends says it is behind', async () => {
    await create('first');
    await replicate();
    const session = new SessionDouble();
    const page = await readInboxPage(session.db(), user, LIST, query());
    expect(page.notModified).toBe(false);
    expect(session.reads.primary).toBe(0);
    expect(session.reads.replica).toBeGreaterThan(0);
  });

  it('move to the primary when the client’s tag was read after the replica: the same 304, never the older page', async () => {
    const older = await create('older');
    await replicate();
    // The client's last poll was served by the primary after a newer notification and an acknowledge.
    const newer = await create('newer');
    await acknowledge(direct, user, older.id);
    const seen = await readInboxPage(direct, user, LIST, query());
    if (seen.notModified) throw new Error('expected a page');

    const session = new SessionDouble();
    const again = await readInboxPage(session.db(), user, LIST, query({ ifNoneMatch: [seen.etag.slice(1, -1)] }));
    expect(again).toEqual({ notModified: true, etag: seen.etag });
    expect(session.onPrimary).toBe(true);

    // The replica alone would have answered with the older inbox: no `newer`, `older` still pending.
    const stale = await readInboxPage(new SessionDouble().db(), user, LIST, query());
    if (stale.notModified) throw new Error('expected a page');
    expect(stale.items.map((i) => i.id)).not.toContain(newer.id);
  });

  it('stay on the replica when the client’s tag is older than it', async () => {
    await create('one');
    const seen = await readInboxPage(direct, user, LIST, query());
    if (seen.notModified) throw new Error('expected a page');
    await create('two');
    await replicate();
    const session = new SessionDouble();
    const page = await readInboxPage(session.db(), user, LIST, query({ ifNoneMatch: [seen.etag.slice(1, -1)] }));
    expect(page.notModified).toBe(false);
    expect(session.onPrimary).toBe(false);
  });

  it('give the counts of the primary for a tag read after the replica', async () => {
    const first = await create('counted');
    await replicate();
    await acknowledge(direct, user, first.id);
    const seen = await readCounts(direct, user, []);
    if (seen.notModified) throw new Error('expected counts');
    expect(seen).toMatchObject({ total: 1, pending: 0 });

    const session = new SessionDouble();
    expect(await readCounts(session.db(), user, [seen.etag.slice(1, -1)])).toEqual({ notModified: true, etag: seen.etag });
    expect(session.onPrimary).toBe(true);
  });

  it('continue a list from the primary when the page its cursor came from was read after the replica', async () => {
    const older = await create('older');
    await create('newer');
    await replicate();
    await acknowledge(direct, user, older.id);
    const first = await readInboxPage(direct, user, LIST, query({ limit: 1 }));
    if (first.notModified) throw new Error('expected a page');

    const session = new SessionDouble();
    const second = await readInboxPage(session.db(), user, LIST, query({ limit: 1, cursor: first.next }));
    if (second.notModified) throw new Error('expected a page');
    expect(session.onPrimary).toBe(true);
    expect(second.items.map((i) => [i.id, i.receipt.acknowledgedAt !== null])).toEqual([[older.id, true]]);
  });

  it('resume a stream from the primary when its position is past the replica, instead of a reset', async () => {
    await create('before');
    await replicate();
    const later = await create('later');
    await acknowledge(direct, user, later.id);
    const position = headPosition(await feedHead(direct, user.projectId));
    const text = encodeStreamCursor(streamScope(user, 'since'), position);

    const session = new SessionDouble();
    expect(await openStream(session.db(), user, { parameter: 'since', text })).toEqual({ position, reset: false });
    expect(session.onPrimary).toBe(true);
    // Having read the head there, the stream may go on from any replica at least that fresh.
    expect(session.settled).toBe(true);
    // A position past the primary too is another database's: reset, as before.
    const ahead = encodeStreamCursor(streamScope(user, 'since'), { ...position, changes: position.changes + 1000 });
    expect((await openStream(new SessionDouble().db(), user, { parameter: 'since', text: ahead })).reset).toBe(true);
  });

  it('look a notification up on the primary when the replica does not have it yet', async () => {
    await replicate();
    const fresh = await create('just stored');
    const session = new SessionDouble();
    expect((await getInboxItem(session.db(), user, fresh.id)).id).toBe(fresh.id);
    expect(session.onPrimary).toBe(true);
    // One that does not exist at all is still a 404 (from the primary).
    const again = new SessionDouble();
    await expect(getInboxItem(again.db(), user, crypto.randomUUID())).rejects.toMatchObject({ code: 'not_found' });
  });

  it('resolve an exclude_before id on the primary when the replica does not have it yet: a page, not a 422', async () => {
    await create('seen before');
    await replicate();
    const fresh = await create('just stored');
    expect(fresh.seq).toBeGreaterThan(0);
    const session = new SessionDouble();
    expect(await pageExcludeBefore(session.db(), user, fresh.id)).toBe(fresh.seq);
    expect(session.onPrimary).toBe(true);
    // An id the primary does not know either is still the documented 422.
    await expect(pageExcludeBefore(new SessionDouble().db(), user, crypto.randomUUID())).rejects.toMatchObject({ code: 'invalid_parameter' });
  });

  it('start a long poll after an exclude_before id the replica does not have yet, not over from the beginning', async () => {
    await create('seen before');
    await replicate();
    const fresh = await create('just stored');
    const session = new SessionDouble();
    expect(await longPollStart(session.db(), user, fresh.id, 'earliest')).toBe(fresh.seq);
    expect(session.reads.primary).toBeGreaterThan(0);
    // Having found it there, the wait may go on from any replica at least that fresh, not from the primary.
    expect(session.settled).toBe(true);
    // An unknown id still starts where offset_reset_strategy says.
    expect(await longPollStart(new SessionDouble().db(), user, crypto.randomUUID(), 'earliest')).toBe(0);
  });

  it('do not ask the primary for an exclude_before id the replica has in another player’s inbox', async () => {
    const other = (await createNotifications(direct, 'default', [{ audience: { kind: 'user', id: `${user.userId}-other` }, title: 'not yours' }])).created[0]!;
    await replicate();
    const session = new SessionDouble();
    expect(await longPollStart(session.db(), user, other.id, 'earliest')).toBe(0);
    expect(session.reads.primary).toBe(0);
  });

  it('after a wake-up, read at least as fresh as the write that woke them', async () => {
    const session = new SessionDouble();
    const db = session.db();
    readAfter(db, { generation: 1 });
    expect(session.caughtUpTo).toBeUndefined();
    readAfter(db, { generation: 2, bookmark: '00000000-0000000f-00000000-00000000000000000000000000000000' });
    expect(session.caughtUpTo).toBe('00000000-0000000f-00000000-00000000000000000000000000000000');
  });
});
