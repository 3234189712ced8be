import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { asUser, call, send } from '../helpers';

// Its own file: it breaks the store on purpose (storage is per test file).
describe('an unexpected failure', () => {
  it('answers 500 with the request id and no stack, and logs the request id and nothing secret', async () => {
    await send('default', { to: [{ user: 'logged' }], title: 'PRIVATE-TITLE', body: 'PRIVATE-BODY' });
    const headers = await asUser({ sub: 'logged' });
    const token = headers.authorization.slice('Bearer '.length);
    await env.DB.prepare('DROP TABLE inbox_versions').run();

    const lines: string[] = [];
    const spies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' '))),
    );
    let res: Response;
    try {
      res = await call('/api/v1/client/notifications', { headers: { ...headers, 'x-request-id': 'req-500' } });
    } finally {
      spies.forEach((spy) => spy.mockRestore());
    }
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: 'internal_error', message: 'Internal error', request_id: 'req-500' } });
    expect(lines.some((line) => line.includes('req-500'))).toBe(true);
    for (const secret of [token, env.ADMIN_API_KEY, env.JWT_SECRET, 'PRIVATE-TITLE', 'PRIVATE-BODY']) {
      expect(lines.filter((line) => line.includes(secret))).toEqual([]);
    }
  });
});
