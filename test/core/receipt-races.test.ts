import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/core/db';
import { DomainError } from '../../src/core/errors';
import type { UserPrincipal } from '../../src/core/principal';
import { acknowledge, acknowledgeMany, fetchAndMarkRead } from '../../src/core/receipts';
import { freshProject, send } from '../helpers';

// A receipt write racing a delete: the notification is deleted after the write path read it and
// before its write runs. The write must find it gone (404 / not_found), leave no receipt behind, and
// put no `state` change after the `deleted` one.

/** D1 as the core sees it, except that the notification is deleted just before any receipt write runs. */
function deletedBeforeWrite(id: string): D1Database {
  const d1 = env.DB;
  return new Proxy(d1, {
    get(target, property) {
      if (property !== 'prepare') {
        const value = Reflect.get(target, property) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return (sql: string) => {
        const statement = target.prepare(sql);
        if (!sql.includes('INSERT INTO receipts')) return statement;
        return {
          bind: (...values: unknown[]) => ({
            all: async () => {
              await target.prepare('DELETE FROM notifications WHERE id = ?').bind(id).run();
              return statement.bind(...values).all();
            },
          }),
        };
      };
    },
  });
}

async function afterTheRace(project: string, id: string) {
  const receipts = await env.DB.prepare('SELECT count(*) AS n FROM receipts WHERE notification_id = ?').bind(id).first<{ n: number }>();
  const changes = await env.DB.prepare('SELECT kind FROM inbox_changes WHERE project_id = ? AND notification_id = ? ORDER BY seq').bind(project, id).all<{ kind: string }>();
  return { receipts: receipts!.n, changes: changes.results.map((c) => c.kind) };
}

async function notFound(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  expect((error as DomainError).code).toBe('not_found');
}

describe('receipt writes racing a delete', () => {
  it('acknowledge answers not_found and leaves no receipt and no state change', async () => {
    const { id: project } = await freshProject('race');
    const user: UserPrincipal = { kind: 'user', projectId: project, userId: 'u', orgs: [], permissions: null };
    const [n] = await send(project, { to: [{ user: 'u' }] });
    await notFound(acknowledge(openDb(deletedBeforeWrite(n!.id)), user, n!.id));
    expect(await afterTheRace(project, n!.id)).toEqual({ receipts: 0, changes: ['deleted'] });
  });

  it('a seeds/001 read answers not_found and leaves no receipt and no state change', async () => {
    const { id: project } = await freshProject('race');
    const user: UserPrincipal = { kind: 'user', projectId: project, userId: 'u', orgs: [], permissions: null };
    const [n] = await send(project, { to: [{ everyone: true }] });
    await notFound(fetchAndMarkRead(openDb(deletedBeforeWrite(n!.id)), user, user, '*', n!.id));
    expect(await afterTheRace(project, n!.id)).toEqual({ receipts: 0, changes: ['deleted'] });
  });

  it('a bulk acknowledge reports not_found for the one that went, and acknowledges the rest', async () => {
    const { id: project } = await freshProject('race');
    const user: UserPrincipal = { kind: 'user', projectId: project, userId: 'u', orgs: ['o'], permissions: null };
    const [gone, kept] = await send(project, { to: [{ org: 'o' }, { user: 'u' }] });
    const outcomes = await acknowledgeMany(openDb(deletedBeforeWrite(gone!.id)), user, [gone!.id, kept!.id]);
    expect(outcomes).toEqual([
      { id: gone!.id, outcome: 'not_found' },
      { id: kept!.id, outcome: 'acknowledged', acknowledgedAt: expect.any(Number) },
    ]);
    expect(await afterTheRace(project, gone!.id)).toEqual({ receipts: 0, changes: ['deleted'] });
    const orphans = await env.DB.prepare(
      'SELECT count(*) AS n FROM receipts r WHERE NOT EXISTS (SELECT 1 FROM notifications n WHERE n.id = r.notification_id)',
    ).first<{ n: number }>();
    expect(orphans!.n).toBe(0);
  });
});
