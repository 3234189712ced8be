import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../src/app';
import { asUser } from '../helpers';

// A Worker deployed without one of its rate limiters must not serve with limits silently off.

describe('required bindings', () => {
  it('a missing limiter fails every request with a logged 500 that names it', async () => {
    const app = await buildApp();
    const broken = { ...env, POLL_LIMITER: undefined, WRITE_LIMITER: undefined } as unknown as Env;
    const lines: string[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
    try {
      const ctx = createExecutionContext();
      const res = await app.fetch(new Request('http://inbox.test/api/v1/client/notifications', { headers: await asUser({ sub: 'u' }) }), broken, ctx);
      await waitOnExecutionContext(ctx);
      expect(res.status).toBe(500);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('internal_error');
    } finally {
      spy.mockRestore();
    }
    expect(lines.some((line) => line.includes('Missing bindings: POLL_LIMITER, WRITE_LIMITER'))).toBe(true);

    const ctx = createExecutionContext();
    const ok = await app.fetch(new Request('http://inbox.test/api/v1/client/notifications', { headers: await asUser({ sub: 'u' }) }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect(ok.status).toBe(200);
  });
});
