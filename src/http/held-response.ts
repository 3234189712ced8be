import type { Context } from 'hono';
import type { AppEnv } from '../env';

const SPACE = new TextEncoder().encode(' ');

/**
 * A JSON response that may take minutes (a long poll). Headers go out at once; while the answer is
 * pending a space is written every `heartbeatMs` (JSON allows leading whitespace), because a failed
 * write is how a Worker learns that the client hung up when the runtime does not abort
 * `request.signal` (wrangler dev). Either way `produce` sees its signal abort and can let go.
 * An error after the headers went out cannot change the status: `fallback` answers instead.
 */
export function heldJson(
  c: Context<AppEnv>,
  heartbeatMs: number,
  produce: (gone: AbortSignal) => Promise<unknown>,
  fallback: () => unknown,
): Response {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const gone = new AbortController();
  const hangUp = () => gone.abort();
  c.req.raw.signal.addEventListener('abort', hangUp, { once: true });
  const heartbeat = setInterval(() => writer.write(SPACE).catch(hangUp), heartbeatMs);

  const done = (async () => {
    let body: unknown;
    try {
      body = await produce(gone.signal);
    } catch (error) {
      console.error(JSON.stringify({ requestId: c.get('requestId'), event: 'held_response_failed', error: String(error) }));
      body = fallback();
    } finally {
      clearInterval(heartbeat);
      c.req.raw.signal.removeEventListener('abort', hangUp);
    }
    await writer.write(new TextEncoder().encode(JSON.stringify(body))).catch(() => {});
    await writer.close().catch(() => {});
  })();
  // Keep the invocation alive until the slot is released, even if the client is gone.
  c.executionCtx.waitUntil(done);

  return new Response(readable, { status: 200, headers: { 'content-type': 'application/json' } });
}
