import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { ADMIN, call, freshProject, postJson } from '../../helpers';

describe('producer API: projects and keys', () => {
  it('creates a project with the admin key and reads it back', async () => {
    const id = `proj-${Date.now().toString(36)}`;
    const res = await postJson('/v1/projects', { id, name: 'Acme' }, ADMIN);
    expect(res.status).toBe(201);
    const created = await res.json();
    expect(created).toEqual({ id, name: 'Acme', push: true, created_at: expect.stringMatching(/Z$/) });
    const got = await call(`/v1/projects/${id}`, { headers: ADMIN });
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual(created);
  });

  it('sets whether a project pushes by default (issue 27): at creation, and with PATCH', async () => {
    const id = `proj-quiet-${Date.now().toString(36)}`;
    const res = await postJson('/v1/projects', { id, name: 'Quiet', push: false }, ADMIN);
    expect(await res.json()).toEqual({ id, name: 'Quiet', push: false, created_at: expect.stringMatching(/Z$/) });
    const patch = (body: unknown) =>
      call(`/v1/projects/${id}`, { method: 'PATCH', headers: { ...ADMIN, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const loud = await patch({ push: true });
    expect(loud.status).toBe(200);
    expect(await loud.json()).toEqual({ id, name: 'Quiet', push: true, created_at: expect.stringMatching(/Z$/) });
    const renamed = await patch({ name: 'Renamed' });
    expect(await renamed.json()).toMatchObject({ name: 'Renamed', push: true });
    expect(await (await patch({})).json()).toMatchObject({ name: 'Renamed', push: true });
    const unknown = await patch({ push: false, colour: 'red' });
    expect(unknown.status).toBe(400);
    expect((await (await call(`/v1/projects/${id}`, { headers: ADMIN })).json()) as object).toMatchObject({ push: true });
  });

  it('has a default project after migrating', async () => {
    const res = await call('/v1/projects/default', { headers: ADMIN });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: 'default' });
  });

  it('refuses a duplicate (409), a bad id (400), an unknown project (404)', async () => {
    const { id } = await freshProject();
    const dup = await postJson('/v1/projects', { id, name: 'again' }, ADMIN);
    expect(dup.status).toBe(409);
    expect(await dup.json()).toEqual({ error: { code: 'conflict', message: `Project ${id} already exists` } });
    const bad = await postJson('/v1/projects', { id: 'Has Spaces', name: 'x' }, ADMIN);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'invalid_parameter', parameter: 'id' } });
    const missing = await call('/v1/projects/nope-nope', { headers: ADMIN });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: { code: 'not_found', message: 'Project nope-nope does not exist' } });
  });

  it('issues a key that is shown once, stored hashed, and reaches only its own project', async () => {
    const a = await freshProject('a');
    const b = await freshProject('b');
    const res = await postJson(`/v1/projects/${a.id}/keys`, { name: 'ci' }, ADMIN);
    expect(res.status).toBe(201);
    const key = (await res.json()) as { id: string; key: string; name: string; project_id: string };
    expect(key).toMatchObject({ name: 'ci', project_id: a.id, key: expect.stringMatching(/^ik_[A-Za-z0-9_-]{32}$/) });
    const stored = await env.DB.prepare('SELECT key_hash FROM api_keys WHERE id = ?').bind(key.id).first<{ key_hash: string }>();
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key.key));
    expect(stored!.key_hash).toBe([...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join(''));

    const own = { authorization: `Bearer ${key.key}` };
    expect((await call(`/v1/projects/${a.id}`, { headers: own })).status).toBe(200);
    const foreign = await call(`/v1/projects/${b.id}`, { headers: own });
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toEqual({ error: { code: 'forbidden', message: `This key may not use project ${b.id}` } });
    // Only the admin key creates projects.
    expect((await postJson('/v1/projects', { id: 'by-key', name: 'x' }, own)).status).toBe(403);
  });

  it('is 401 without a key or with an unknown one', async () => {
    for (const headers of [{}, { authorization: 'Bearer ik_unknown' }, { authorization: 'Token abc' }] as Record<string, string>[]) {
      const res = await call('/v1/projects/default', { headers });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
    }
  });
});
