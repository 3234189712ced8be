import { createExecutionContext } from 'cloudflare:test';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../../src/env';
import { heldJson } from '../../src/http/held-response';

// The long poll's held answer. Deployed, nothing is written while it waits (request.signal reports a
// hang-up); with a probe (npm start: wrangler dev reports a hang-up only through a failed write),
// spaces are written, uncompressed, and a failed one ends the wait.

function held(probeMs: number, produce: (gone: AbortSignal) => Promise<unknown>) {
  const app = new Hono<AppEnv>();
  app.get('/', (c) => heldJson(c, probeMs, produce, () => ({ fallback: true })));
  return app.request('/', {}, {}, createExecutionContext());
}

describe('held JSON answer', () => {
  it('writes nothing before the answer when no probe is set', async () => {
    const res = await held(0, async () => {
      await new Promise((resolve) => setTimeout(resolve, 120));
      return { notifications: [] };
    });
    expect(res.headers.get('content-encoding')).toBeNull();
    expect(await res.text()).toBe('{"notifications":[]}');
  });

  it('with a probe, writes uncompressed spaces while waiting and lets go when a write fails', async () => {
    let release: () => void = () => {};
    const gone = new Promise<void>((resolve) => (release = resolve));
    const res = await held(20, async (signal) => {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      release();
      return {};
    });
    // A compressor would hold single spaces back: no write would reach the socket, none could fail.
    expect(res.headers.get('content-encoding')).toBe('identity');
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value)).toMatch(/^ +$/);
    await reader.cancel();
    await gone;
  });
});
