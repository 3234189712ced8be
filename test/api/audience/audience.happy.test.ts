import { describe, expect, it } from 'vitest';
import { call, freshProject, send } from '../../helpers';
import { raw, get } from './helpers';

describe('seeds/001 system notifications', () => {
  it('lists broadcasts in the documented envelope and shape', async () => {
    const { id: project } = await freshProject();
    const [maint] = await send(project, { to: [{ everyone: true }], title: 'Scheduled Maintenance', body: 'Sunday 2 AM UTC', category: 'maintenance' });
    const [plain] = await send(project, { to: [{ everyone: true }], title: 'Hello', body: 'World' });
    await send(project, { to: [{ user: 'u' }, { org: 'o1' }], title: 'not system' });
    const body = await get('/api/notifications/system', await raw({ sub: 'u', project, orgs: ['o1'] }));
    expect(body).toEqual({
      notifications: [
        { notificationId: plain!.id, type: 'system', title: 'Hello', message: 'World', read: false, createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), pKey: 'SYSTEM_NOTIFICATION', sKey: plain!.id },
        { notificationId: maint!.id, type: 'maintenance', title: 'Scheduled Maintenance', message: 'Sunday 2 AM UTC', read: false, createdAt: expect.any(String), pKey: 'SYSTEM_NOTIFICATION', sKey: maint!.id },
      ],
      message: 'Success',
    });
  });

  it('marks one read for the caller only when fetched individually; listing does not', async () => {
    const { id: project } = await freshProject();
    const [n] = await send(project, { to: [{ everyone: true }], title: 'T' });
    const alice = await raw({ sub: 'alice', project });
    const bob = await raw({ sub: 'bob', project });
    expect((await get('/api/notifications/system', alice)).notifications[0]!.read).toBe(false);
    expect((await get('/api/notifications/system', alice)).notifications[0]!.read).toBe(false);
    const one = await get(`/api/notifications/system/${n!.id}`, alice);
    expect(one.message).toBe('Success');
    expect(one.notifications).toHaveLength(1);
    expect(one.notifications[0]).toMatchObject({ notificationId: n!.id, read: true, pKey: 'SYSTEM_NOTIFICATION' });
    expect((await get('/api/notifications/system', alice)).notifications[0]!.read).toBe(true);
    expect((await get('/api/notifications/system', bob)).notifications[0]!.read).toBe(false);
  });
});

describe('seeds/001 user notifications', () => {
  it('lists the caller own notifications with pKey USER and marks one read when fetched', async () => {
    const { id: project } = await freshProject();
    const [inv] = await send(project, { to: [{ user: 'u1' }], title: 'Invitation to join Example Org', body: 'You have been invited', category: 'invitation' });
    await send(project, { to: [{ user: 'u2' }, { everyone: true }], title: 'other' });
    const me = await raw({ sub: 'u1', project });
    const list = await get('/api/users/u1/notifications', me);
    expect(list.notifications).toEqual([
      { notificationId: inv!.id, type: 'invitation', title: 'Invitation to join Example Org', message: 'You have been invited', read: false, createdAt: expect.any(String), pKey: 'USER', sKey: inv!.id },
    ]);
    const one = await get(`/api/users/u1/notifications/${inv!.id}`, me);
    expect(one.notifications[0]!.read).toBe(true);
  });
});

describe('seeds/001 client (organisation) notifications', () => {
  it('lists an organisation of the caller with pKey = the organisation id; read state is per user', async () => {
    const { id: project } = await freshProject();
    const org = '550e8400-e29b-41d4-a716-446655440000';
    const [bill] = await send(project, { to: [{ org }], title: 'Payment due', body: 'Your subscription payment is due', category: 'billing' });
    const alice = await raw({ sub: 'alice', project, orgs: [org] });
    const bob = await raw({ sub: 'bob', project, orgs: [org] });
    expect((await get(`/api/clients/${org}/notifications`, alice)).notifications).toEqual([
      { notificationId: bill!.id, type: 'billing', title: 'Payment due', message: 'Your subscription payment is due', read: false, createdAt: expect.any(String), pKey: org, sKey: bill!.id },
    ]);
    expect((await get(`/api/clients/${org}/notifications/${bill!.id}`, alice)).notifications[0]!.read).toBe(true);
    expect((await get(`/api/clients/${org}/notifications`, bob)).notifications[0]!.read).toBe(false);
  });
});

describe('seeds/001 pagination and ETags', () => {
  it('pages with limit and nextCursor, newest first, and validates both', async () => {
    const { id: project } = await freshProject();
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await send(project, { to: [{ user: 'u' }], title: `n${i}` }))[0]!.id);
    const headers = await raw({ sub: 'u', project });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await get(`/api/users/u/notifications?limit=2${cursor ? `&cursor=${cursor}` : ''}`, headers);
      seen.push(...page.notifications.map((n) => n.notificationId));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...made].reverse());
    for (const query of ['?limit=0', '?limit=101', '?limit=x', '?cursor=bogus']) {
      const res = await call(`/api/users/u/notifications${query}`, { headers });
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as { code: string }).code).toBe('INVALID_PARAMETER');
    }
    // A system cursor does not page the user list.
    await send(project, { to: [{ everyone: true }, { everyone: true }], title: 's' });
    const sys = await get('/api/notifications/system?limit=1', headers);
    expect((await call(`/api/users/u/notifications?cursor=${sys.nextCursor}`, { headers })).status).toBe(400);
  });

  it('answers 304 on a matching If-None-Match, and changes the ETag when a fetch marks one read', async () => {
    const { id: project } = await freshProject();
    const [n] = await send(project, { to: [{ everyone: true }], title: 't' });
    const headers = await raw({ sub: 'u', project });
    const first = await call('/api/notifications/system', { headers });
    const etag = first.headers.get('etag')!;
    expect((await call('/api/notifications/system', { headers: { ...headers, 'if-none-match': etag } })).status).toBe(304);
    await get(`/api/notifications/system/${n!.id}`, headers);
    const after = await call('/api/notifications/system', { headers: { ...headers, 'if-none-match': etag } });
    expect(after.status).toBe(200);
    const again = after.headers.get('etag')!;
    // A second individual fetch changes nothing.
    await get(`/api/notifications/system/${n!.id}`, headers);
    expect((await call('/api/notifications/system', { headers: { ...headers, 'if-none-match': again } })).status).toBe(304);
  });
});
