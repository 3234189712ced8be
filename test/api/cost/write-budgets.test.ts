import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, asUser, call, freshProject, postJson, send } from '../../helpers';
import { d1Cost } from './helpers';

// Issue 15's write budgets: D1 bills a row written (each index entry a write touches included) at a
// thousand times a row read. Exact counts, from D1's own meta in Server-Timing; README "What a write
// costs" explains each. The same for a large inbox: budgets.test.ts (acknowledge, read) and
// acknowledge-all.test.ts.

const CLIENT = '/api/v1/client/notifications';
let project = '';
let key: Record<string, string> = {};

beforeAll(async () => {
  ({ id: project, key } = await freshProject('writes'));
});

const create = (body: Record<string, unknown>) => postJson(`/v1/projects/${project}/notifications`, { title: 'Hello', ...body }, ADMIN);
const created = async (res: Response) => ((await res.json()) as { notifications: { id: string }[] }).notifications;

describe('rows written', () => {
  it('a create: 6 for one user, an organisation or everyone; 8 with an expiry; 6 per notification of a request', async () => {
    // The notification and its 4 index entries (id, inbox, project list, pending), and its audience's version row.
    for (const to of [[{ user: 'w-one' }], [{ org: 'w-guild' }], [{ everyone: true }]]) {
      const res = await create({ to });
      expect(res.status).toBe(201);
      expect(d1Cost(res).rowsWritten, JSON.stringify(to)).toBe(6);
    }
    // An expiry adds two index entries: the audience's next expiry, and retention's purge order.
    const expiring = await create({ to: [{ user: 'w-one' }], expires_at: new Date(Date.now() + 3_600_000).toISOString() });
    expect(d1Cost(expiring).rowsWritten).toBe(8);
    // Three users: three notifications, each with its version row.
    const three = await create({ to: [{ user: 'w-a' }, { user: 'w-b' }, { user: 'w-c' }] });
    expect(d1Cost(three).rowsWritten).toBe(3 * 6);
  });

  it('an acknowledge: 6, for the user’s own notification and for an organisation’s or everyone’s', async () => {
    const headers = await asUser({ sub: 'w-ack', project, orgs: ['w-clan'] });
    const [own] = await send(project, { to: [{ user: 'w-ack' }] });
    const [org] = await send(project, { to: [{ org: 'w-clan' }] });
    const [all] = await send(project, { to: [{ everyone: true }] });
    // The receipt (its row and its notification index entry), the change for the user's other devices
    // (row and feed entry), the user's own version row (which also keeps their own audience's count),
    // and either the notification's pending flag (own) or the user's count in that audience.
    for (const n of [own!, org!, all!]) {
      const res = await call(`${CLIENT}/${n.id}/acknowledge`, { method: 'POST', headers });
      expect(res.status).toBe(200);
      expect(d1Cost(res).rowsWritten, n.id).toBe(6);
    }
    // A repeat changes nothing and writes nothing.
    const again = await call(`${CLIENT}/${own!.id}/acknowledge`, { method: 'POST', headers });
    expect(again.status).toBe(409);
    expect(d1Cost(again).rowsWritten).toBe(0);
  });

  it('a bulk acknowledge: 6 per notification', async () => {
    const headers = await asUser({ sub: 'w-bulk', project });
    const mine = await send(project, { to: [{ user: 'w-bulk' }, { user: 'w-bulk' }, { user: 'w-bulk' }] });
    const res = await postJson(`${CLIENT}/acknowledge`, { ids: mine.map((n) => n.id) }, headers);
    expect(res.status).toBe(200);
    expect(d1Cost(res).rowsWritten).toBe(3 * 6);
  });

  it('a seeds/001 read: 5 the first time, 0 after', async () => {
    const headers = await asUser({ sub: 'w-read', project });
    const [n] = await send(project, { to: [{ user: 'w-read' }] });
    // The receipt (row, index entry), the change (row, feed entry), the user's read version.
    const first = await call(`/api/users/w-read/notifications/${n!.id}`, { headers });
    expect(first.status).toBe(200);
    expect(d1Cost(first).rowsWritten).toBe(5);
    const second = await call(`/api/users/w-read/notifications/${n!.id}`, { headers });
    expect(d1Cost(second).rowsWritten).toBe(0);
  });

  it('an operator’s archive: 5, acknowledged or not; 0 on a repeat', async () => {
    const headers = await asUser({ sub: 'w-arch', project });
    const [plain, acknowledged] = await send(project, { to: [{ user: 'w-arch' }, { user: 'w-arch' }] });
    expect((await call(`${CLIENT}/${acknowledged!.id}/acknowledge`, { method: 'POST', headers })).status).toBe(200);
    // The notification row and its archived index entry, the audience's version row (live and
    // acknowledged counts), the `deleted` change for open streams (row and feed entry).
    for (const n of [plain!, acknowledged!]) {
      const res = await call(`/api/v1/project/${project}/notification/${n.id}/archive`, { method: 'PUT', headers: key });
      expect(res.status).toBe(200);
      expect(d1Cost(res).rowsWritten, n.id).toBe(5);
    }
    const again = await call(`/api/v1/project/${project}/notification/${plain!.id}/archive`, { method: 'PUT', headers: key });
    expect(d1Cost(again).rowsWritten).toBe(0);
  });
});
