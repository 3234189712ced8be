import { failure } from './http';
import type { Close, Link } from './sse';
import type { Scheduler, Socket } from './types';

/** A refusal the server sent as a close (4000 + its HTTP status, reason `{"code", "retry_after"?}`), as an InboxError. */
function refusal(code: number, reason: string | undefined) {
  let said: { code?: string; retry_after?: number } = {};
  try {
    said = JSON.parse(reason || '{}');
  } catch {}
  const status = code - 4000;
  return failure(said.code || 'HTTP_' + status, 'WebSocket refused: ' + (said.code || status), status, said.retry_after === undefined ? undefined : said.retry_after * 1000);
}

/**
 * The WebSocket, with the token and bookmark offered as subprotocols (browsers cannot set its headers, and a
 * URL ends up in logs). The server sends nothing while idle, so after `pingMs` of silence it sends `ping`; no
 * answer within `pongMs` means the connection is dead. Close code 4000 (a newer connection with this listener
 * id) ends with code REPLACED; 4400–4599 is a refusal, with its status and error code.
 */
export function openWebSocket(
  WebSocket: new (url: string, protocols?: string[]) => Socket,
  url: string,
  protocols: string[],
  pingMs: number,
  pongMs: number,
  scheduler: Scheduler,
  link: Link,
): Close {
  const socket = new WebSocket(url, protocols);
  let timer: unknown;
  let over = false;
  const close = () => {
    over = true;
    scheduler.clearTimeout(timer);
    try {
      socket.close();
    } catch {}
  };
  const end = (error: Error) => over || (close(), link.end(error));
  /** (Re)starts the silence timer: the next ping goes after `pingMs` with nothing received. */
  const armPing = () => {
    scheduler.clearTimeout(timer);
    timer = scheduler.setTimeout(() => {
      socket.send('ping');
      timer = scheduler.setTimeout(() => end(failure('PING_TIMEOUT', 'No pong')), pongMs);
    }, pingMs);
  };
  socket.onopen = armPing;
  socket.onmessage = (event) => {
    if (over) return;
    armPing();
    if (event.data != 'pong') link.message(JSON.parse(event.data));
  };
  socket.onclose = (event) =>
    end(
      event.code == 4000
        ? failure('REPLACED', 'Replaced by a newer connection')
        : event.code >= 4400 && event.code < 4600
          ? refusal(event.code, event.reason)
          : failure('CLOSED', 'WebSocket closed: ' + event.code),
    );
  socket.onerror = () => end(failure('NETWORK_ERROR', 'WebSocket error'));
  return close;
}
