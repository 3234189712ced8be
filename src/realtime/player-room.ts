import { DomainError } from '../core/errors';
import type { ListenerRoom, ListenerSlot, WakeToken } from '../core/realtime';
import type { Bindings } from '../env';
import type { BusyAccount } from './busy-meter';
import { LISTENER_REQUEST_HEADER, REPLACED_CLOSE, type ListenerRequest, type Wake } from './listener-protocol';
import { playerRoomName } from './names';

export function refusal(reason: 'player' | 'project'): DomainError {
  return reason === 'player'
    ? new DomainError('too_many_listeners', 'This player already has the most listeners allowed')
    : new DomainError('connection_limit', 'The project has the most listeners allowed');
}

/** How many listeners a player holds now, and their object's account of its billable time. */
export function listenerActivity(env: Bindings, projectId: string, userId: string): Promise<{ listeners: number; account: BusyAccount }> {
  return env.PLAYER_LISTENERS.getByName(playerRoomName(projectId, userId)).activity();
}

/** The player's Durable Object as the core's ListenerRoom; `orgs` are the organisations it listens in. */
export function playerRoom(env: Bindings, projectId: string, userId: string, orgs: readonly string[] = []): ListenerRoom {
  return {
    async acquire(name) {
      const request: ListenerRequest = { lease: crypto.randomUUID(), projectId, holder: { userId, orgs }, ...(name !== undefined && { name }) };
      const slot = new SocketSlot(() => openListenerSocket(env, request));
      await slot.open();
      return { slot, token: slot.token() };
    },
  };
}

/**
 * Opens the listener's WebSocket to its player's object: the socket, or the refusal thrown. Asked
 * again of a fresh stub when the object was reset before it replied; the lease is the caller's, so
 * one the lost attempt may have stored counts once.
 */
async function openListenerSocket(env: Bindings, request: ListenerRequest): Promise<WebSocket> {
  const ask = () =>
    env.PLAYER_LISTENERS.getByName(playerRoomName(request.projectId, request.holder.userId)).fetch('https://player-listeners/listen', {
      headers: { upgrade: 'websocket', [LISTENER_REQUEST_HEADER]: JSON.stringify(request) },
    });
  const response = await ask().catch(ask);
  if (response.status === 409 || response.status === 503) {
    throw refusal(((await response.json()) as { reason: 'player' | 'project' }).reason);
  }
  const ws = response.webSocket;
  if (response.status !== 101 || !ws) throw new Error(`listener socket: the object answered ${response.status}`);
  ws.accept();
  return ws;
}

/**
 * A listener's slot, held as a WebSocket to its player's object. Every message on it is a wake-up.
 * The object closing it with REPLACED_CLOSE means a newer listener of its name took the place; any
 * other end (the object was reset or moved) is a wake-up too, and the slot is taken back on a new
 * socket before the listener reads, so that no write falls between the read and the new socket.
 */
class SocketSlot implements ListenerSlot {
  private ws: WebSocket | undefined;
  private generation = 0;
  private bookmark: string | undefined;
  private state: 'open' | 'lost' | 'replaced' | 'released' = 'open';
  private woken: () => void = () => {};

  constructor(private readonly connect: () => Promise<WebSocket>) {}

  async open(): Promise<void> {
    const ws = await this.connect();
    this.ws = ws;
    this.state = 'open';
    ws.addEventListener('message', (event) => {
      if (ws !== this.ws) return;
      const { bookmark } = parseWake(event.data);
      // D1 bookmarks compare as strings: keep the later (wake-ups may arrive out of order).
      if (bookmark && (this.bookmark === undefined || bookmark > this.bookmark)) this.bookmark = bookmark;
      this.wake();
    });
    const ended = (code: number) => {
      if (ws !== this.ws || this.state !== 'open') return;
      this.state = code === REPLACED_CLOSE.code ? 'replaced' : 'lost';
      this.wake();
    };
    ws.addEventListener('close', (event) => ended(event.code));
    ws.addEventListener('error', () => ended(1006));
  }

  token(): WakeToken {
    return { generation: this.generation, ...(this.bookmark && { bookmark: this.bookmark }) };
  }

  async wait(since: WakeToken, ms: number, signal?: AbortSignal): Promise<WakeToken | null> {
    if (this.state === 'open' && since.generation === this.generation && !signal?.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener('abort', done);
          this.woken = () => {};
          resolve();
        };
        const timer = setTimeout(done, Math.max(0, ms));
        signal?.addEventListener('abort', done, { once: true });
        this.woken = done;
      });
    }
    if (this.state === 'replaced') return null;
    // The object lost this socket (a reset, a deploy): take the slot back before the caller re-reads.
    if (this.state === 'lost') await this.open();
    return this.token();
  }

  async release(): Promise<void> {
    if (this.state === 'released') return;
    this.state = 'released';
    try {
      this.ws?.close(1000, 'released');
    } catch {
      // Already closed: the object gave the slot back when it saw that.
    }
  }

  private wake(): void {
    this.generation++;
    this.woken();
  }
}

function parseWake(data: unknown): Wake {
  try {
    return typeof data === 'string' ? (JSON.parse(data) as Wake) : {};
  } catch {
    return {};
  }
}
