import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { inboxAudiences } from '../../src/core/audience';
import { createNotifications, type NewNotification } from '../../src/core/create';
import { openDb } from '../../src/core/db';
import { oneStore } from '../../src/core/stores';
import { listInbox } from '../../src/core/inbox';
import { countVisible, inboxFreshness, readInboxState } from '../../src/core/inbox-state';
import { destroyNotification } from '../../src/core/notifications';
import { archiveForOperator } from '../../src/core/operator-view';
import type { UserPrincipal } from '../../src/core/principal';
import { acknowledge, acknowledgeMany, markRead } from '../../src/core/receipts';
import { acknowledgeAll } from '../../src/core/acknowledge-all';

// The counters the triggers keep must always agree with counting the inbox row by row.

const db = openDb(env.DB);
const stores = oneStore(db);
const project = 'default';
const user: UserPrincipal = { kind: 'user', projectId: project, userId: 'counted', orgs: ['team'], permissions: null };
const other: UserPrincipal = { ...user, userId: 'someone-else' }; // also in the team

/** The counters' totals and a row-by-row count, as they are at `now` (the test sets the clock past an expiry). */
async function counted(who: UserPrincipal, now = Date.now()) {
  const state = await readInboxState(db, who.projectId, inboxAudiences(who.userId, who.orgs));
  const freshness = await inboxFreshness(db, who, state, now);
  const byCounters = {
    all: await countVisible(db, who, state, freshness, undefined),
    pending: await countVisible(db, who, state, freshness, 'pending'),
    acknowledged: await countVisible(db, who, state, freshness, 'acknowledged'),
  };
  const scan = async (status?: 'pending' | 'acknowledged') => (await listInbox(db, who, { order: 'newest', limit: 1, status, count: true }, now)).totalCount;
  const byScan = { all: await scan(), pending: await scan('pending'), acknowledged: await scan('acknowledged') };
  expect(byCounters).toEqual(byScan);
  return { ...byCounters, validUntil: freshness.validUntil };
}

async function create(inputs: NewNotification[], into = project) {
  return (await createNotifications(db, into, inputs)).created.map((n) => n.id);
}

describe('inbox counters', () => {
  it('agree with a row-by-row count through creates, acknowledges, reads, archives, deletes and expiry', async () => {
    // Far enough that nothing expires for real during the test; the expiry is seen by passing a later `now`.
    const soon = Date.now() + 60_000;
    const own = await create(Array.from({ length: 5 }, () => ({ audience: { kind: 'user', id: 'counted' }, title: 'own' })));
    const team = await create(Array.from({ length: 3 }, () => ({ audience: { kind: 'org', id: 'team' }, title: 'team' })));
    const all = await create(Array.from({ length: 2 }, () => ({ audience: { kind: 'everyone' }, title: 'all' })));
    const expiring = await create([
      { audience: { kind: 'user', id: 'counted' }, title: 'brief', expiresAt: soon },
      { audience: { kind: 'everyone' }, title: 'brief', expiresAt: soon },
    ]);
    expect(await counted(user)).toMatchObject({ all: 12, pending: 12, acknowledged: 0, validUntil: soon });

    await acknowledge(db, user, own[0]!);
    await acknowledgeMany(db, user, [own[1]!, team[0]!, all[0]!, expiring[1]!]);
    await acknowledge(db, other, all[0]!);
    await markRead(db, user, (await listInbox(db, user, { order: 'newest', limit: 50 })).items.find((i) => i.id === own[2])!);
    expect(await counted(user)).toMatchObject({ all: 12, pending: 7, acknowledged: 5 });
    expect(await counted(other)).toMatchObject({ all: 6, pending: 5, acknowledged: 1 });

    await archiveForOperator(stores, project, own[0]!); // acknowledged
    await archiveForOperator(stores, project, own[0]!); // again: nothing moves twice
    await archiveForOperator(stores, project, all[1]!); // pending
    await destroyNotification(stores, project, team[0]!); // acknowledged
    await destroyNotification(stores, project, own[3]!); // pending
    expect(await counted(user)).toMatchObject({ all: 8, pending: 5, acknowledged: 3 });
    expect(await counted(other)).toMatchObject({ all: 4, pending: 3, acknowledged: 1 });

    // Expired but not purged: still in the counters, subtracted by one look at the expired rows.
    expect(await counted(user, soon)).toMatchObject({ all: 6, pending: 4, acknowledged: 2, validUntil: null });

    // Purged: the counters and the recorded next expiry follow the delete.
    await env.DB.prepare('DELETE FROM notifications WHERE project_id = ? AND expires_at <= ?').bind(project, soon).run();
    expect(await counted(user, soon)).toMatchObject({ all: 6, pending: 4, acknowledged: 2, validUntil: null });
    const state = await readInboxState(db, project, inboxAudiences('counted', ['team']));
    expect([...state.values()].map((s) => s.nextExpiry)).toEqual([null, null, null]);
  });

  it('agree with a row-by-row count when acknowledge-all covers what is then archived, deleted, expired and purged', async () => {
    const isolated = `swept-${Date.now()}`; // its own 'everyone'
    const swept: UserPrincipal = { kind: 'user', projectId: isolated, userId: 'swept', orgs: ['crew'], permissions: null };
    const mate: UserPrincipal = { ...swept, userId: 'mate' };
    const soon = Date.now() + 60_000;
    const at = (audience: NewNotification['audience'], expiresAt?: number) =>
      create([{ audience, title: 't', expiresAt }], isolated).then((ids) => ids[0]!);
    const own = [await at({ kind: 'user', id: 'swept' }), await at({ kind: 'user', id: 'swept' }, soon)];
    const crew = [await at({ kind: 'org', id: 'crew' }), await at({ kind: 'org', id: 'crew' }, soon)];
    const middle = await at({ kind: 'everyone' });
    const after = [await at({ kind: 'user', id: 'swept' }), await at({ kind: 'org', id: 'crew' })];
    await acknowledge(db, swept, crew[0]!); // by receipt before the sweep: counted once
    await acknowledge(db, mate, crew[1]!);

    expect(await acknowledgeAll(db, swept, middle)).toEqual({ acknowledged: 4 });
    expect(await counted(swept)).toMatchObject({ all: 7, pending: 2, acknowledged: 5 });
    expect(await counted(mate)).toMatchObject({ all: 4, pending: 3, acknowledged: 1 });

    await archiveForOperator(stores, isolated, own[0]!); // covered by the watermark
    await destroyNotification(stores, isolated, crew[0]!); // covered and acknowledged by receipt
    await destroyNotification(stores, isolated, after[0]!); // pending
    expect(await counted(swept)).toMatchObject({ all: 4, pending: 1, acknowledged: 3 });
    expect(await counted(swept, soon)).toMatchObject({ all: 2, pending: 1, acknowledged: 1 });
    await env.DB.prepare('DELETE FROM notifications WHERE project_id = ? AND expires_at <= ?').bind(isolated, soon).run();
    expect(await counted(swept, soon)).toMatchObject({ all: 2, pending: 1, acknowledged: 1 });
    expect(await counted(mate, soon)).toMatchObject({ all: 2, pending: 2, acknowledged: 0 });

    expect(await acknowledgeAll(db, swept, undefined)).toEqual({ acknowledged: 1 });
    expect(await counted(swept, soon)).toMatchObject({ all: 2, pending: 0, acknowledged: 2 });
    await acknowledgeMany(db, swept, [after[1]!]); // covered: already responded, nothing counted twice
    expect(await counted(swept, soon)).toMatchObject({ all: 2, pending: 0, acknowledged: 2 });
  });
});
