import { exports } from 'cloudflare:workers';

// The client library against the real Worker in the vitest pool: its `fetch` and `WebSocket` options,
// delivered to the Worker's own fetch handler (no network). BASE is the origin the library is given.

export const BASE = 'http://inbox.test';

/** `fetch` for the library: every request goes to the Worker under test. */
export const workerFetch: typeof fetch = (input, init) => exports.default.fetch(new Request(input, init));

/** Every socket a test opened, so a test can drop them as a network would. */
export const sockets: WorkerWebSocket[] = [];

/**
 * The browser WebSocket API over the Worker's upgrade response: what the library uses of it (`onopen`,
 * `onmessage`, `onclose`, `onerror`, `send`, `close`). A refused upgrade closes with 1006 before `open`,
 * as in a browser.
 */
export class WorkerWebSocket {
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: string }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  readyState = 0;
  /** The status of the upgrade request (101 when accepted). */
  status = 0;
  private socket: WebSocket | null = null;
  private closedHere = false;

  constructor(
    readonly url: string,
    readonly protocols: string[] = [],
  ) {
    sockets.push(this);
    void this.connect();
  }

  private async connect() {
    const headers: Record<string, string> = { upgrade: 'websocket' };
    if (this.protocols.length) headers['sec-websocket-protocol'] = this.protocols.join(', ');
    const response = await exports.default.fetch(new Request(this.url.replace(/^ws/, 'http'), { headers }));
    this.status = response.status;
    const socket = response.webSocket;
    if (!socket || this.closedHere) {
      this.readyState = 3;
      if (!this.closedHere) {
        this.onerror?.({});
        this.onclose?.({ code: 1006, reason: '' });
      }
      socket?.close(1000);
      return;
    }
    socket.accept();
    this.socket = socket;
    this.readyState = 1;
    socket.addEventListener('message', (event) => this.onmessage?.({ data: event.data as string }));
    socket.addEventListener('close', (event) => {
      if (this.readyState === 3) return;
      this.readyState = 3;
      this.onclose?.({ code: event.code, reason: event.reason });
    });
    this.onopen?.({});
  }

  send(data: string) {
    this.socket?.send(data);
  }

  close(code = 1000, reason = '') {
    this.closedHere = true;
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.socket?.close(code, reason);
    this.onclose?.({ code, reason });
  }

  /** The network drops: the server sees the socket go, the client gets 1006. */
  drop() {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.socket?.close(1001, 'gone');
    this.onclose?.({ code: 1006, reason: '' });
  }
}
