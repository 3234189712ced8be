import { failure } from './http';
import type { Close, Link } from './sse';
import type { Scheduler, Socket } from './types';

/**
 * The WebSocket, with the token in the URL (browsers cannot set its headers). The server sends nothing while
 * idle, so after `pingMs` of silence it sends `ping`; no answer within `pongMs` means the connection is dead.
 * Close code 4000 (a newer connection with this listener id) ends with code REPLACED.
 */
export function openWebSocket(WS: new (url: string) => Socket, url: string, pingMs: number, pongMs: number, s: Scheduler, link: Link): Close {
  const ws = new WS(url);
  let timer: unknown;
  let over = false;
  const close = () => {
    over = true;
    s.clearTimeout(timer);
    try {
      ws.close();
    } catch {}
  };
  const end = (e: Error) => over || (close(), link.end(e));
  const quiet = () => {
    s.clearTimeout(timer);
    timer = s.setTimeout(() => {
      ws.send('ping');
      timer = s.setTimeout(() => end(failure('PING_TIMEOUT', 'No pong')), pongMs);
    }, pingMs);
  };
  ws.onopen = quiet;
  ws.onmessage = (e) => {
    if (over) return;
    quiet();
    if (e.data != 'pong') link.message(JSON.parse(e.data));
  };
  ws.onclose = (e) => end(e.code == 4000 ? failure('REPLACED', 'Replaced by a newer connection') : failure('CLOSED', 'WebSocket closed: ' + e.code));
  ws.onerror = () => end(failure('NETWORK_ERROR', 'WebSocket error'));
  return close;
}
