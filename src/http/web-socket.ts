import type { Context } from 'hono';
import { DomainError } from '../core/errors';
import type { AppEnv } from '../env';
import { listenerCost } from './listener-cost';
import { offersSocketProtocol, SOCKET_PROTOCOL } from './socket-protocol';

/** How `run` ends the socket: a close code and reason (1000 when it says nothing). */
export interface SocketEnd {
  code: number;
  reason?: string;
}

/**
 * A WebSocket that the Worker itself holds (101), fed by `run`: the same loop as an event stream, so
 * that every transport waits the same way (its player's object hibernates meanwhile). The client's
 * `ping` is answered `pong` here. `send` throws and `gone` aborts when the client has closed; the
 * invocation stays alive until `run` has finished (its slot is released), then the socket closes.
 */
export function webSocket(
  c: Context<AppEnv>,
  run: (send: (text: string) => void, gone: AbortSignal, opened: () => void) => Promise<SocketEnd | void>,
): Response {
  const { 0: client, 1: server } = new WebSocketPair();
  server.accept();
  const gone = new AbortController();
  const hangUp = () => gone.abort();
  server.addEventListener('message', (event) => {
    if (event.data === 'ping') server.send('pong');
  });
  server.addEventListener('close', hangUp);
  server.addEventListener('error', hangUp);
  const send = (text: string) => {
    try {
      server.send(text);
    } catch (error) {
      hangUp();
      throw error;
    }
  };

  const cost = listenerCost(c);
  const done = (async () => {
    let end: SocketEnd = { code: 1000 };
    try {
      end = (await run(send, gone.signal, cost.opened)) ?? end;
    } catch (error) {
      if (error instanceof DomainError) {
        // The slot was lost (a reset object) and the limit filled before it could be taken back.
        end = { code: 1013, reason: error.message };
      } else if (!gone.signal.aborted) {
        console.error(JSON.stringify({ requestId: c.get('requestId'), event: 'web_socket_failed', error: String(error) }));
        // The client reconnects from its last message's cursor.
        end = { code: 1011, reason: 'internal error: reconnect' };
      }
    } finally {
      try {
        server.close(end.code, end.reason);
      } catch {
        // Closed by the client.
      }
      cost.ended();
    }
  })();
  c.executionCtx.waitUntil(done);
  // A client that offered our subprotocol must see it chosen, or a browser fails the handshake.
  return new Response(null, { status: 101, webSocket: client, headers: offersSocketProtocol(c) ? { 'sec-websocket-protocol': SOCKET_PROTOCOL } : {} });
}
