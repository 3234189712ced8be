import { describe, expect, it } from 'vitest';
import { asUser, call, postJson } from '../../helpers';
import { LIST } from './helpers';

describe('seeds/000 Best practices: bulk acknowledge', () => {
  it('validates the body', async () => {
    const headers = await asUser({ sub: 'u' });
    const cases: unknown[] = [{}, { ids: [] }, { ids: ['nope'] }, { ids: Array.from({ length: 101 }, () => crypto.randomUUID()) }];
    for (const body of cases) {
      const res = await postJson(`${LIST}/acknowledge`, body, headers);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({
        code: 'INVALID_PARAMETER',
        message: expect.stringContaining('ids'),
      });
    }
    const malformed = await call(`${LIST}/acknowledge`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: '{"ids":' });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe('INVALID_PARAMETER');
  });
});
