import type { UserPrincipal } from '../core/principal';
import type { StreamEvent } from '../core/stream';
import type { Bindings } from '../env';
import type { Leases } from './leases';

// The client API's WebSockets, held by the player's object with the hibernation API: an idle socket
// costs nothing, and the runtime keeps the list of sockets (ctx.getWebSockets) across hibernation.
// Each socket's place in the stream lives in its attachment; who it listens as lives in its lease.
// What a message looks like is the dialect's business: the encoder is handed in (src/index.ts).

/** Turns one stream event into the text a socket sends. */
export type EncodeEvent = (user: UserPrincipal, event: StreamEvent) => string;

/** How a socket ends when a newer connection with its `listener_id` takes its place (README "Real-time"). */
export const REPLACED_CLOSE = { code: 4000, reason: 'replaced by a newer connection with this listener_id' } as const;

export interface SocketAttachment {
  lease: string;
  projectId: string;
  notifications: number;
  changes: number;
}

export class SocketHub {
  private draining: Promise<void> | null = null;
  private readAt = 'first-primary';
  private again = false;

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Bindings,
    private readonly leases: Leases,
    private readonly encode: EncodeEvent,
  ) {}

  /** Sends whatever each socket has not had yet. Runs one pass at a time; a call during a pass asks for another. */
  deliver(bookmark?: string): void {
    // Read at least as fresh as the write that woke the player; without one (a socket just opened, the
    // object restarted), from the primary: a lagging replica would hold delivery until the next write.
    this.readAt = bookmark ?? 'first-primary';
    this.again = true;
    if (this.draining) return;
    this.draining = this.drain();
    this.ctx.waitUntil(this.draining);
  }

  sockets(): WebSocket[] {
    return this.ctx.getWebSockets();
  }

  leaseOf(ws: WebSocket): string | undefined {
    return (ws.deserializeAttachment() as SocketAttachment | null)?.lease;
  }

  private async drain(): Promise<void> {
    try {
      while (this.again) {
        this.again = false;
        for (const ws of this.sockets()) await this.catchUp(ws);
      }
    } finally {
      this.draining = null;
    }
  }

  private async catchUp(ws: WebSocket): Promise<void> {
    const { openDb, readStream } = await streamReader();
    const attachment = ws.deserializeAttachment() as SocketAttachment | null;
    const holder = attachment && this.leases.holder(attachment.lease);
    if (!attachment || !holder) return;
    const user: UserPrincipal = { kind: 'user', projectId: attachment.projectId, userId: holder.userId, orgs: [...holder.orgs], permissions: null };
    const db = openDb(this.env.DB.withSession(this.readAt) as unknown as D1Database);
    let position = { notifications: attachment.notifications, changes: attachment.changes };
    try {
      for (;;) {
        const batch = await readStream(db, user, position);
        for (const event of batch.events) ws.send(this.encode(user, event));
        position = batch.position;
        ws.serializeAttachment({ ...attachment, ...position } satisfies SocketAttachment);
        if (!batch.more) return;
      }
    } catch (error) {
      // The position stays where delivery stopped: the next wake-up (or a reconnect) goes on from there.
      console.error(JSON.stringify({ event: 'socket_delivery_failed', error: error instanceof Error ? error.message : 'unknown' }));
    }
  }
}

/**
 * What delivery reads D1 with, loaded on the first delivery rather than at startup: every isolate of
 * the Worker loads this class, few deliver to sockets, and it is most of the startup this file adds.
 */
let reader: Promise<{ openDb: typeof import('../core/db').openDb; readStream: typeof import('../core/stream').readStream }> | undefined;
function streamReader() {
  reader ??= Promise.all([import('../core/db'), import('../core/stream')]).then(([{ openDb }, { readStream }]) => ({ openDb, readStream }));
  return reader;
}
