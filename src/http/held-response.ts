import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { listenerCost } from './listener-cost';

const SPACE = new TextEncoder().encode(' ');

/**
 * A JSON response that may take minutes (a long poll). Headers go out at once; then nothing, or a
 * space every `spaceEveryMs` (> 0; JSON allows leading whitespace), until the answer. Every byte wakes a
 * phone's radio, so spaces are written only where needed: to keep intermediaries from closing a
 * long wait as idle, and under wrangler dev, where only a failed write reveals a hang-up (deployed,
 * the runtime aborts `request.signal`). Spaces go uncompressed: a compressor would hold them back,
 * nothing would reach the connection, and no write could fail. Either way `produce` sees its signal
 * abort and can let go. An error after the headers went out cannot change the status: `fallback` answers.
 */
export function heldJson(
  c: Context<AppEnv>,
  spaceEveryMs: number,
  produce: (gone: AbortSignal) => Promise<unknown>,
  fallback: () => unknown,
): Response {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const gone = new AbortController();
  const hangUp = () => gone.abort();
  c.req.raw.signal.addEventListener('abort', hangUp, { once: true });
  const probe = spaceEveryMs > 0 ? setInterval(() => writer.write(SPACE).catch(hangUp), spaceEveryMs) : undefined;

  const cost = listenerCost(c);
  const done = (async () => {
    let body: unknown;
    try {
      body = await produce(gone.signal);
    } catch (error) {
      console.error(JSON.stringify({ requestId: c.get('requestId'), event: 'held_response_failed', error: String(error) }));
      body = fallback();
    } finally {
      if (probe !== undefined) clearInterval(probe);
      c.req.raw.signal.removeEventListener('abort', hangUp);
    }
    await writer.write(new TextEncoder().encode(JSON.stringify(body))).catch(() => {});
    await writer.close().catch(() => {});
    cost.ended();
  })();
  // Keep the invocation alive until the slot is released, even if the client is gone.
  c.executionCtx.waitUntil(done);

  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (probe !== undefined) headers['content-encoding'] = 'identity';
  return new Response(readable, { status: 200, headers });
}
