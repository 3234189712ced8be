import { describe, expect, it } from 'vitest';
import { call, freshProject, postJson } from '../../helpers';
import { base } from './helpers';

describe('reference/project-api.md user-wide notifications: validation', () => {
  it('answers validation failures with 422 and every field’s problems', async () => {
    const { id: project, key } = await freshProject();
    const res = await postJson(`${base(project)}/user/u/notifications`, { body: 'x'.repeat(4097) }, key);
    expect(res.status).toBe(422);
    const body = (await res.json()) as { message: string; errors: Record<string, string[]> };
    expect(Object.keys(body.errors).sort()).toEqual(['body', 'title']);
    expect(body.message).toMatch(/\(and 1 more error\)$/);
    for (const query of ['?per_page=0', '?per_page=101', '?order=sideways', '?cursor=junk']) {
      const r = await call(`${base(project)}/notifications${query}`, { headers: key });
      expect(r.status, query).toBe(422);
      expect(Object.keys(((await r.json()) as { errors: object }).errors)).toEqual([query.slice(1).split('=')[0]]);
    }
  });
});
