import { DurableObject } from 'cloudflare:workers';
import type { Bindings } from '../env';
import { BusyMeter, type BusyAccount } from './busy-meter';
import { Leases, UNTIL_CLOSED, type Holder } from './leases';
import { LISTENER_REQUEST_HEADER, REPLACED_CLOSE, type ListenerRequest, type Wake } from './listener-protocol';
import { projectShard } from './names';
import { listenerLimits } from './settings';

/** A listener's share of the project count lasts this long unless the object renews it (it does, every half). */
const SHARD_LEASE_MS = 60 * 60 * 1000;

interface Attachment {
  lease: string;
  projectId: string;
}

/**
 * One per player (named [project, user]): counts that player's listeners and wakes them.
 *
 * Every listener (long poll, event stream, WebSocket) is a Worker that holds the client's connection
 * and a WebSocket to this object, which the object accepts with the hibernation API. The socket is the
 * listener's slot: its lease lives until the socket closes. A wake-up is a message on it, and the
 * Worker reads D1 itself. So while listeners wait, nothing is in flight here and no timer is pending:
 * the object hibernates and is billed no duration (README "Real-time: what waiting costs"). Its only
 * timer is a storage alarm every half hour while listeners exist, which renews their share of the
 * project count.
 */
export class PlayerListeners extends DurableObject<Bindings> {
  private readonly leases = new Leases(this.ctx.storage.sql);
  /** Leases taken but not yet attached to an accepted socket: the alarm must leave them be. */
  private readonly opening = new Set<string>();
  private readonly meter = new BusyMeter();

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    // A new instance whose stored leases outlived their sockets (an eviction, a deploy): the alarm
    // gives their slots back now rather than at its next turn.
    void ctx.blockConcurrencyWhile(async () => {
      const open = new Set(this.sockets().map(leaseOf));
      if (this.leases.untilClosed().some((lease) => !open.has(lease))) await ctx.storage.setAlarm(Date.now());
    });
  }

  /** A write for this player committed (at `bookmark`, when the writer knows it): every listener is told. */
  async notify(bookmark?: string): Promise<void> {
    return this.meter.run('request', () => {
      const wake: Wake = bookmark ? { bookmark } : {};
      const message = JSON.stringify(wake);
      for (const ws of this.sockets()) {
        try {
          ws.send(message);
        } catch {
          // Closing: its Worker re-reads when it sees the close.
        }
      }
    });
  }

  async count(): Promise<number> {
    return this.meter.run('request', () => this.leases.count());
  }

  /** The listeners held now and this object's billable time so far (docs/real-time.md "What waiting costs"); reading them is not counted. */
  async activity(): Promise<{ listeners: number; account: BusyAccount }> {
    return { listeners: this.leases.count(), account: this.meter.account() };
  }

  /** A listener's socket, asked for by the Worker (it checked the token): 101, or 409/503 with the reason. */
  override async fetch(request: Request): Promise<Response> {
    return this.meter.run('request', () => this.accept(request));
  }

  override async webSocketMessage(): Promise<void> {
    // Workers send nothing on their sockets; a message is counted (it would be billed) and ignored.
    await this.meter.run('socket', () => undefined);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    // 1005 and 1006 only describe a close; they cannot be sent.
    await this.meter.run('socket', () => this.closeSocket(ws, code === 1005 || code === 1006 ? 1000 : code));
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.meter.run('socket', () => this.closeSocket(ws, 1011));
  }

  /** Keeps the open listeners' share of the project count alive, and drops what closed unseen. */
  override async alarm(): Promise<void> {
    await this.meter.run('request', async () => {
      // Objects from before the project was stored find it on their sockets.
      const projectId = this.ctx.storage.kv.get<string>('project') ?? this.sockets().map(attachmentOf).find(Boolean)?.projectId;
      if (projectId === undefined) return;
      await this.forgetClosedSockets(projectId);
      if (this.leases.untilClosed().length === 0 && this.opening.size === 0) return;
      const until = Date.now() + SHARD_LEASE_MS;
      for (const lease of this.leases.untilClosed()) {
        const holder = this.leases.holder(lease);
        if (holder) await this.shard(projectId, holder.userId).renew(lease, until);
      }
      await this.ctx.storage.setAlarm(Date.now() + SHARD_LEASE_MS / 2);
    });
  }

  private async accept(request: Request): Promise<Response> {
    const listener = JSON.parse(request.headers.get(LISTENER_REQUEST_HEADER) ?? 'null') as ListenerRequest | null;
    if (!listener || request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return new Response(null, { status: 400 });
    const { lease, projectId, holder } = listener;
    this.ctx.storage.kv.put('project', projectId);
    // Set before the lease is taken: if this instance dies between the two, the alarm forgets the lease.
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + SHARD_LEASE_MS / 2);
    this.opening.add(lease);
    const { 0: worker, 1: object } = new WebSocketPair();
    try {
      const refused = await this.take(projectId, holder, lease, listener.name);
      if (refused) return Response.json({ reason: refused }, { status: refused === 'player' ? 409 : 503 });
      // The same lease asked for again: its Worker lost the socket (a reset) or never got the answer.
      for (const ws of this.sockets()) if (leaseOf(ws) === lease) closeQuietly(ws, 1011);
      this.ctx.acceptWebSocket(object);
      object.serializeAttachment({ lease, projectId } satisfies Attachment);
    } finally {
      this.opening.delete(lease);
    }
    if (!this.leases.holds(lease)) {
      // A newer listener of the same name arrived while this one was being accepted; its shard share may
      // have been counted after the newer one dropped it.
      closeQuietly(object, REPLACED_CLOSE.code, REPLACED_CLOSE.reason);
      await this.shard(projectId, holder.userId).drop(lease);
    }
    return new Response(null, { status: 101, webSocket: worker });
  }

  private sockets(): WebSocket[] {
    return this.ctx.getWebSockets();
  }

  private async release(projectId: string, userId: string, lease: string): Promise<void> {
    this.leases.drop(lease);
    await this.shard(projectId, userId).drop(lease);
  }

  private async closeSocket(ws: WebSocket, code: number): Promise<void> {
    const attachment = attachmentOf(ws);
    closeQuietly(ws, code);
    const holder = attachment && this.leases.holder(attachment.lease);
    // A socket that a retried handover replaced shares its lease with the live one: that stays.
    const shared = this.sockets().some((other) => other !== ws && leaseOf(other) === attachment?.lease);
    if (attachment && holder && !shared) await this.release(attachment.projectId, holder.userId, attachment.lease);
  }

  /** A socket lost without a close event (a restart) would hold its slot forever: its lease goes. */
  private async forgetClosedSockets(projectId: string): Promise<void> {
    for (const lease of this.leases.untilClosed()) {
      const holder = this.leases.holder(lease);
      // Asked lease by lease, right before it goes: a listener may take its lease back on a new socket
      // while an earlier one is given back (release drops it before its first await).
      if (holder && !this.isOpen(lease)) await this.release(projectId, holder.userId, lease);
    }
  }

  private isOpen(lease: string): boolean {
    return this.opening.has(lease) || this.sockets().some((ws) => leaseOf(ws) === lease);
  }

  /**
   * Reserves here first (synchronously), then asks the shard: two acquires cannot both slip in. A
   * named listener takes the place of the one of that name, whose socket is closed at once.
   */
  private async take(projectId: string, holder: Holder, lease: string, name?: string) {
    // Sockets that died with an earlier instance (an eviction, a deploy) must not keep their slots.
    if (this.leases.untilClosed().length > 0) await this.forgetClosedSockets(projectId);
    const limits = listenerLimits(this.env);
    const taken = this.leases.take(lease, UNTIL_CLOSED, limits.perPlayer, holder, name);
    if (!taken.ok) return 'player' as const;
    if (taken.replaced !== undefined) this.ended(taken.replaced);
    const { name: shardName, limit: shardLimit } = projectShard(projectId, holder.userId, limits.perProject);
    const shard = this.env.PROJECT_LISTENERS.getByName(shardName);
    let admitted = false;
    try {
      admitted = await shard.take(lease, Date.now() + SHARD_LEASE_MS, shardLimit, holder, taken.replaced);
    } catch (error) {
      // The shard may not have dropped the replaced lease, and a retry will not know it was replaced.
      if (taken.replaced !== undefined) await shard.drop(taken.replaced).catch(() => {});
      throw error;
    } finally {
      if (!admitted) this.leases.drop(lease);
    }
    return admitted ? null : ('project' as const);
  }

  /** A lease that lost its place: its socket closes with the code that tells its Worker so. */
  private ended(lease: string): void {
    for (const ws of this.sockets()) if (leaseOf(ws) === lease) closeQuietly(ws, REPLACED_CLOSE.code, REPLACED_CLOSE.reason);
  }

  private shard(projectId: string, userId: string) {
    return this.env.PROJECT_LISTENERS.getByName(projectShard(projectId, userId, listenerLimits(this.env).perProject).name);
  }
}

function attachmentOf(ws: WebSocket): Attachment | null {
  return ws.deserializeAttachment() as Attachment | null;
}

function leaseOf(ws: WebSocket): string | undefined {
  return attachmentOf(ws)?.lease;
}

function closeQuietly(ws: WebSocket, code: number, reason?: string): void {
  try {
    ws.close(code, reason);
  } catch {
    // Already closed.
  }
}
