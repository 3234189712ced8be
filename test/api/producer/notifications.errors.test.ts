import { describe, expect, it } from 'vitest';
import { ADMIN, call, freshProject } from '../../helpers';
import { create, countIn } from './helpers';

describe('producer API: notification errors', () => {
  it('enforces the limits with a 400 naming the field, storing nothing', async () => {
    const { id: project } = await freshProject();
    const cases: [Record<string, unknown>, string][] = [
      [{ to: [{ user: 'u' }], title: 'x'.repeat(257) }, 'title'],
      [{ to: [{ user: 'u' }], title: '' }, 'title'],
      [{ to: [{ user: 'u' }] }, 'title'],
      [{ to: [{ user: 'u' }], title: 't', body: 'x'.repeat(4097) }, 'body'],
      [{ to: [{ user: 'u' }], title: 't', custom_data: { blob: 'x'.repeat(8200) } }, 'custom_data'],
      [{ to: [{ user: 'u' }], title: 't', custom_data: ['not', 'an', 'object'] }, 'custom_data'],
      [{ to: [], title: 't' }, 'to'],
      [{ to: Array.from({ length: 101 }, () => ({ user: 'u' })), title: 't' }, 'to'],
      [{ to: [{ user: 'u', org: 'o' }], title: 't' }, 'to'],
      [{ to: [{ everyone: false }], title: 't' }, 'to'],
      [{ to: [{ user: 'u' }], title: 't', priority: 'urgent' }, 'priority'],
      [{ to: [{ user: 'u' }], title: 't', expires_at: 'tomorrow' }, 'expires_at'],
      [{ to: [{ user: 'u' }], title: 't', expires_at: '2001-01-01T00:00:00Z' }, 'expires_at'],
    ];
    for (const [body, field] of cases) {
      const res = await create(project, body);
      expect(res.status, field).toBe(400);
      const error = ((await res.json()) as { error: { code: string; parameter: string } }).error;
      expect(error.code, field).toBe('invalid_parameter');
      expect(error.parameter.split('.')[0], JSON.stringify(body).slice(0, 80)).toBe(field);
    }
    // Exactly at the limits is fine.
    const ok = await create(project, { to: [{ user: 'u' }], title: 'x'.repeat(256), body: 'y'.repeat(4096), custom_data: { b: 'z'.repeat(8000) } });
    expect(ok.status).toBe(201);
    expect(await countIn(project)).toBe(1);
  });

  it('answers malformed JSON with 400', async () => {
    const { id: project } = await freshProject();
    const res = await call(`/v1/projects/${project}/notifications`, {
      method: 'POST',
      headers: { ...ADMIN, 'content-type': 'application/json' },
      body: '{"to": [',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: 'invalid_parameter', message: 'The request body is not valid JSON', parameter: 'body' } });
  });

  it('is 404 for an unknown project', async () => {
    const res = await create('no-such-project', { to: [{ user: 'u' }], title: 't' });
    expect(res.status).toBe(404);
  });
});
