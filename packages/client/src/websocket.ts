import { failure } from './http';
import type { Close, Link } from './sse';
import type { Scheduler, Socket } from './types';

/**
 * The WebSocket, with the token in the URL (browsers cannot set its headers). The server sends nothing while
 * idle, so after `pingMs` of silence it sends `ping`; no answer within `pongMs` means the connection is dead.
 * Close code 4000 (a newer connection with this listener id) ends with code REPLACED.
 */
export function openWebSocket(
  WebSocket: new (url: string) => Socket,
  url: string,
  pingMs: number,
  pongMs: number,
  scheduler: Scheduler,
  link: Link,
): Close {
  const socket = new WebSocket(url);
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
    end(event.code == 4000 ? failure('REPLACED', 'Replaced by a newer connection') : failure('CLOSED', 'WebSocket closed: ' + event.code));
  socket.onerror = () => end(failure('NETWORK_ERROR', 'WebSocket error'));
  return close;
}
