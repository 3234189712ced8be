import { env } from 'cloudflare:workers';
import { expect } from 'vitest';
import { listenerRecheckMs } from '../../../src/realtime/settings';
import { asUser, call, freshProject, send, until } from '../../helpers';

export const STREAM = '/api/v1/client/notifications/stream';
export const WS = '/api/v1/client/notifications/ws';

/** Sends a request to the Worker: `call` by default. */
export type Fetcher = (path: string, init?: RequestInit) => Promise<Response>;

export interface Message {
  type: 'ready' | 'reset' | 'replaced' | 'notification' | 'state' | 'deleted' | 'acknowledged' | 'counts';
  cursor: string;
  notification?: { id: string; title: string; status: string; [field: string]: unknown };
  state?: { id: string; status: string; read_at: string | null; acknowledged_at: string | null; archived_at: string | null };
  id?: string;
  through?: string;
  acknowledged_at?: string;
  counts?: { total: number; pending: number };
}

/**
 * What a client of either transport sees: messages in order, and a way to wait for the next one. The
 * `counts` messages are kept apart (`counts`, with the type of the message before each): most tests follow
 * the events, and test/api/client/stream-counts.test.ts follows the counts.
 */
class Inbox {
  readonly received: Message[] = [];
  /** Every `counts` message, in order, with what came just before it (`after`: a type, or 'start'). */
  readonly counts: (Message & { after: string })[] = [];
  /** Every message in order, counts included. */
  readonly all: Message[] = [];
  private waiting: (() => void) | null = null;
  private read = 0;

  push(message: Message) {
    this.all.push(message);
    if (message.type === 'counts') this.counts.push({ ...message, after: this.all.at(-2)?.type ?? 'start' });
    else this.received.push(message);
    this.waiting?.();
  }

  /** Waits until a `counts` message after the first `seen` of them arrives, and returns it. */
  async nextCounts(seen: number, timeoutMs = 5000): Promise<Message & { after: string }> {
    const deadline = Date.now() + timeoutMs;
    while (this.counts.length <= seen) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no counts message within ${timeoutMs} ms (had ${this.all.map((m) => m.type).join(', ')})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 50));
        this.waiting = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiting = null;
    }
    return this.counts[seen]!;
  }

  async next(timeoutMs = 5000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    while (this.read >= this.received.length) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no message within ${timeoutMs} ms (had ${this.received.map((m) => m.type).join(', ')})`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiting = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiting = null;
    }
    return this.received[this.read++]!;
  }

  /** Waits for messages until one of this type arrives (skipping others), or throws. */
  async nextOf(type: Message['type'], timeoutMs = 5000): Promise<Message> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const message = await this.next(Math.max(1, deadline - Date.now()));
      if (message.type === type) return message;
    }
  }
}

export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
  comment?: string;
}

/** An open event stream: parsed frames (heartbeat comments included) and its messages. */
export class SseClient extends Inbox {
  readonly frames: SseFrame[] = [];
  /** The server ended the stream (or this side cancelled it). */
  ended = false;
  private constructor(
    readonly response: Response,
    private readonly reader: ReadableStreamDefaultReader<Uint8Array>,
  ) {
    super();
    void this.pump();
  }

  /** `fetcher`: how the request reaches the Worker (a test may give it an environment of its own). */
  static async open(query: string, headers: Record<string, string>, fetcher: Fetcher = call): Promise<SseClient> {
    const response = await fetcher(`${STREAM}${query}`, { headers });
    expect(response.status, await peekError(response)).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    return new SseClient(response, response.body!.getReader());
  }

  /** The client goes away (as a closed tab or a dropped connection). */
  close(): Promise<void> {
    return this.reader.cancel().catch(() => {});
  }

  private async pump() {
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await this.reader.read().catch(() => ({ value: undefined, done: true as const }));
      if (done) {
        this.ended = true;
        return;
      }
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = parseFrame(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        this.frames.push(frame);
        if (frame.data !== undefined) {
          const message = JSON.parse(frame.data) as Message;
          // SSE framing carries the message's own type and cursor.
          expect(frame.event).toBe(message.type);
          expect(frame.id).toBe(message.cursor);
          this.push(message);
        }
      }
    }
  }
}

function parseFrame(text: string): SseFrame {
  const frame: SseFrame = {};
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) frame.comment = line.slice(1).trim();
    else {
      const colon = line.indexOf(':');
      const field = line.slice(0, colon) as 'id' | 'event' | 'data' | 'retry';
      frame[field] = line.slice(colon + 1).replace(/^ /, '');
    }
  }
  return frame;
}

/** An accepted WebSocket and the messages it received. */
export class WsClient extends Inbox {
  readonly texts: string[] = [];
  closed = false;
  closeCode: number | undefined;
  private constructor(readonly socket: WebSocket) {
    super();
    socket.addEventListener('message', (event) => {
      const text = event.data as string;
      this.texts.push(text);
      if (text !== 'pong') this.push(JSON.parse(text) as Message);
    });
    socket.addEventListener('close', (event) => {
      this.closed = true;
      this.closeCode = event.code;
    });
  }

  static async open(query: string, headers: Record<string, string>, fetcher: Fetcher = call): Promise<WsClient> {
    const response = await fetcher(`${WS}${query}`, { headers: { upgrade: 'websocket', ...headers } });
    expect(response.status, await peekError(response)).toBe(101);
    const socket = response.webSocket!;
    socket.accept();
    return new WsClient(socket);
  }

  close() {
    this.socket.close(1000, 'bye');
  }
}

async function peekError(response: Response): Promise<string> {
  return response.status >= 400 ? await response.clone().text() : '';
}

/**
 * A waiting listener here re-reads D1 only every LISTENER_RECHECK_SECONDS (vitest.config.ts leaves the 60 s default),
 * and a heartbeat reads nothing, so a message that arrives within `next`'s 5 s was delivered by its wake-up. How soon
 * it arrives is for the benchmark to measure (npm run bench: the wake-up's p50 and p99), not for a test on a busy machine.
 */
export function expectDeliveryByWakeUp() {
  expect(listenerRecheckMs(env)).toBeGreaterThanOrEqual(30_000);
}

/** A user in a fresh project (with these organisations) and their headers. */
export async function member(prefix: string, orgs: string[] = []) {
  const { id: project } = await freshProject(prefix);
  const user = crypto.randomUUID();
  return { project, user, headers: await asUser({ sub: user, project, orgs }) };
}

interface StreamClient {
  next(timeoutMs?: number): Promise<Message>;
  close(): unknown;
}

/**
 * Creates 24 notifications (to the user, their organisation 'crew', everyone) while a client
 * reconnects every 60 ms from the last cursor it received; returns what was created and what was seen.
 * The producer sends each sixth notification only once the client has opened another connection, so on a
 * loaded machine (slow opens, fast sends or the other way round) the sends still span at least four of them.
 */
export async function reconnectWhileCreating(
  m: Awaited<ReturnType<typeof member>>,
  open: (query: string) => Promise<StreamClient>,
) {
  const opening = await open('');
  let cursor = (await opening.next()).cursor;
  await opening.close();
  const created: string[] = [];
  let done = false;
  let connections = 0;
  const producing = (async () => {
    for (let i = 0; i < 24; i++) {
      const connection = Math.floor(i / 6) + 1;
      await until(async () => connections >= connection, 10_000);
      const to = [{ user: m.user }, { org: 'crew' }, { everyone: true }][i % 3]!;
      created.push(...(await send(m.project, { to: [to], title: `n${i}` })).map((n) => n.id));
    }
    done = true;
  })();

  const seen: string[] = [];
  // Only a bound for a broken stream: the loop ends as soon as everything created was seen.
  const giveUp = Date.now() + 45_000;
  while ((!done || seen.length < created.length) && Date.now() < giveUp) {
    connections++;
    const client = await open(`?since=${cursor}`);
    cursor = (await client.next()).cursor;
    const stopAt = Date.now() + 60;
    while (Date.now() < stopAt) {
      const message = await client.next(Math.max(1, stopAt - Date.now())).catch(() => null);
      if (!message) break;
      seen.push(message.notification!.id);
      cursor = message.cursor;
    }
    await client.close();
  }
  await producing;
  return { created, seen, connections };
}
