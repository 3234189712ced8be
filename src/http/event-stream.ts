import type { Context } from 'hono';
import type { AppEnv } from '../env';
import { listenerCost } from './listener-cost';

/**
 * A `text/event-stream` response fed by `run`. A failed write is how a Worker learns that the
 * client went away when the runtime does not abort `request.signal` (wrangler dev), so `write`
 * rejects then and `gone` aborts; `run` returns and lets go of what it holds. The invocation stays
 * alive until `run` has finished (its slot is released).
 */
export function eventStream(
  c: Context<AppEnv>,
  run: (write: (text: string) => Promise<void>, gone: AbortSignal, opened: () => void) => Promise<void>,
): Response {
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const encoder = new TextEncoder();
  const gone = new AbortController();
  const hangUp = () => gone.abort();
  c.req.raw.signal.addEventListener('abort', hangUp, { once: true });
  const write = async (text: string) => {
    try {
      await writer.write(encoder.encode(text));
    } catch (error) {
      hangUp();
      throw error;
    }
  };

  const cost = listenerCost(c);
  const done = (async () => {
    try {
      await run(write, gone.signal, cost.opened);
    } catch (error) {
      if (!gone.signal.aborted) {
        console.error(JSON.stringify({ requestId: c.get('requestId'), event: 'event_stream_failed', error: String(error) }));
      }
    } finally {
      c.req.raw.signal.removeEventListener('abort', hangUp);
      // The client resumes from its last event id.
      await writer.close().catch(() => {});
      cost.ended();
    }
  })();
  c.executionCtx.waitUntil(done);

  return new Response(readable, {
    status: 200,
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' },
  });
}
