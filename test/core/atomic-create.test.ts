import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ADMIN, freshProject, postJson } from '../helpers';

// Its own file: it installs a trigger that fails one row of a create on purpose.
describe('a create that fails part-way', () => {
  it('stores nothing, with or without an Idempotency-Key, and a retry stores each notification once', async () => {
    const { id: project } = await freshProject('atomic');
    await env.DB.prepare(
      "CREATE TRIGGER fail_second AFTER INSERT ON notifications WHEN new.audience = 'u:second' BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
    ).run();
    const body = { to: [{ user: 'first' }, { user: 'second' }, { org: 'third' }], title: 'all or nothing' };
    const count = async () => (await env.DB.prepare('SELECT count(*) AS n FROM notifications WHERE project_id = ?').bind(project).first<{ n: number }>())!.n;

    const plain = await postJson(`/v1/projects/${project}/notifications`, body, ADMIN);
    expect(plain.status).toBe(500);
    const keyed = await postJson(`/v1/projects/${project}/notifications`, body, { ...ADMIN, 'idempotency-key': 'retry-me' });
    expect(keyed.status).toBe(500);
    expect(await count()).toBe(0);
    // Nothing half-done either: no inbox version, counter or change moved.
    const versions = await env.DB.prepare("SELECT count(*) AS n FROM inbox_versions WHERE project_id = ?").bind(project).first<{ n: number }>();
    expect(versions!.n).toBe(0);

    await env.DB.prepare('DROP TRIGGER fail_second').run();
    const retried = await postJson(`/v1/projects/${project}/notifications`, body, { ...ADMIN, 'idempotency-key': 'retry-me' });
    expect(retried.status).toBe(201);
    const again = await postJson(`/v1/projects/${project}/notifications`, body, { ...ADMIN, 'idempotency-key': 'retry-me' });
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual(await retried.json());
    expect(await count()).toBe(3);
  });
});
